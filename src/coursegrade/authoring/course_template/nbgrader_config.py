"""This course's settings: nbgrader's (c.CourseDirectory, late penalties) and the grading
engine's (c.Sandbox, c.Grading, c.Exports). `course config` prints every effective value."""
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "my-course"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.executed.ipynb"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Limits of each submission in the sandbox (see `course config` for all of them):
c.Sandbox.memory_mb = 1024
c.Sandbox.call_seconds = 10.0
