"""What grading material is written with: hidden-test helpers, mutants and alternatives, and
the public check runner shipped with each release. Imports only `core`."""
