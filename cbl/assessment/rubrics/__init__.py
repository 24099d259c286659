"""Rubrics: the grid, its checks, the builder, the library and the starter rubric."""
