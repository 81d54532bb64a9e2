"""Daily Drill: a daily study-drill bot for Telegram, Slack and the terminal."""
