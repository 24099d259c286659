"""Mastery of competencies: the methods, the class's settings, charts, gradebook and transcript."""
