"""Schools and terms: one installation holds a district (issue 11, item 6)."""
