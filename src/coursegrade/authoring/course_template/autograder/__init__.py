"""This course's grading material, one package per assignment: references, hidden tests,
mutants, alternatives. It is imported only on the grader's side, never in the sandbox."""
