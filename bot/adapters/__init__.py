"""Platform adapters: translate platform events into drill engine calls and replies back."""
