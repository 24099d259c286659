"""Students' learning goals: evidence, progress and teachers' comments."""
