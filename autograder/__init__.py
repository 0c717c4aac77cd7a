"""This course's grading material, one package per assignment (`autograder.ps2`, ...): references,
hidden tests, mutants, alternatives. The engine (`coursegrade`) imports it from the course folder."""
