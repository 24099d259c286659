"""Competencies: frameworks of hierarchical competencies that entries and rubrics refer to.

It sits between projects and portfolio in the order of dependencies, because portfolio
entries are tagged with competencies; rubrics and mastery (assessment) build on it."""
