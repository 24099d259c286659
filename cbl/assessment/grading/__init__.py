"""Grading with a rubric: teachers' assessments, students' self and peer voices, partners' ratings."""
