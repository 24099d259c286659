"""Feedback: community partners and families invited in, and what they say about the work."""
