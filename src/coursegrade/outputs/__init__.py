"""What grading produces for people: gradebook, feedback, report, exports, known mistakes."""
