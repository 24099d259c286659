"""The partner rating: a few plain questions on a short scale, per challenge (issue 10, item 10)."""
