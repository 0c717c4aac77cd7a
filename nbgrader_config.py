"""nbgrader's configuration for this course, and the grading engine's settings.

nbgrader reads the `c.CourseDirectory...` and `c.ClearSolutions...` settings; the `course`
command also reads `c.Sandbox...` (resource limits of each submission, see
autograder/engine/sandbox.py `Limits`) and `c.Grading...`.
"""
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "ml-fundamentals"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"  # PostgreSQL: "postgresql://user@host/db"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.executed.ipynb"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The grading engine (`course grade`). Each can also be given on the command line.
c.Sandbox.memory_mb = 2048          # memory a submission may allocate
c.Sandbox.cpu_seconds = 120         # CPU time of one submission's process
c.Sandbox.file_mb = 64              # largest file a submission may write
c.Sandbox.call_seconds = 10.0       # wall clock of one call into student code
c.Sandbox.cell_seconds = 60.0       # wall clock of one notebook cell
c.Sandbox.submission_seconds = 300.0  # wall clock of one whole submission
