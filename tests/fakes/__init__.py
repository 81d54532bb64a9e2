"""Fakes that sit at the network boundary: local HTTP servers the real SDK clients talk to."""
