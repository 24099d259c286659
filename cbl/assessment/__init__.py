"""Assessment: rubrics, assessments and how mastery of a competency is computed from them."""
