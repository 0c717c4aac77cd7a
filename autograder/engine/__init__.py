"""The grading engine. It discovers assignments; it never imports a specific one by name."""
