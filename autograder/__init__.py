"""Auto-graded ML-fundamentals course: the grading engine (`autograder.engine`), the code that
runs inside the sandbox (`autograder.inside`) and, one package per assignment (`autograder.ps2`,
...), the trusted grading material: references, hidden tests, mutants, alternatives."""
