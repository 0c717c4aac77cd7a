"""nbgrader's configuration for this course, and the grading engine's settings.

nbgrader reads the `c.CourseDirectory...`, `c.ClearSolutions...` and late-penalty settings; the
`course` command reads those too (gradebook, late penalties) and also `c.Sandbox...` (resource
limits of each submission, see autograder/engine/sandbox.py `Limits`), `c.Grading...` and
`c.Exports...`. See docs/instructor.md.
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

# Submissions (`course grade`). Outputs are never run or trusted; a notebook larger than this is
# refused with a message telling the student to clear its outputs.
c.Grading.max_notebook_mb = 50

# Late submissions: nbgrader's own settings, applied when `course grade` records the scores.
# Due dates live in the gradebook: nbgrader db assignment add ps1 --duedate="2025-10-06 17:00:00 UTC"
# (extensions: the formgrader, or Gradebook.grant_extension). Lateness is always reported; the
# penalty is nbgrader's LateSubmissionPlugin: "none" (the default) or "zero".
c.LateSubmissionPlugin.penalty_method = "none"
# A policy of your own: a LateSubmissionPlugin subclass in a module next to this file, e.g.
# c.AssignLatePenalties.plugin_class = "late_policy.TenPercentPerDay"

# Canvas import (exports/<ps>_canvas.csv): the column header of each assignment. Use the exact
# header of an existing Canvas assignment ("ps1 (123456)", from a Canvas gradebook export) to
# fill it; a new name makes Canvas create a new assignment.
c.Exports.canvas_columns = {}
