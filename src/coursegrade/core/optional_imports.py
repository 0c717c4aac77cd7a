"""Optional imports of third-party packages that cost more than they give here.

jsonschema (imported by nbformat, which nbgrader imports) builds a parser for IRIs from a
grammar when `rfc3987_syntax` is installed (jupyter-events pulls it in): 1.5-4 s of CPU each
time a `course` command first imports nbgrader, for a "format" check that nothing here asks
for. Marked absent in sys.modules, jsonschema goes without it (it imports it optionally)."""
import sys

COSTLY_OPTIONAL = ("rfc3987_syntax",)


def skip_costly_optional_imports():
    """Call before importing nbformat or nbgrader; a module imported already stays."""
    for name in COSTLY_OPTIONAL:
        sys.modules.setdefault(name, None)
