"""Teams: classes (classrooms), their teachers and students, and student teams."""
