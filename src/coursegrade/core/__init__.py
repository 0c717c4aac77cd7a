"""The course on disk: assignments and the roles of their cells, settings, results."""
