"""Grading: reading submissions, the sandbox, hidden suites and batches of workers."""
