"""Engine settings: defaults in `Limits`, overridden by `c.Sandbox.<name>` in the course's
nbgrader_config.py, overridden by the command line."""
from dataclasses import fields, replace

from traitlets.config.loader import PyFileConfigLoader

from autograder.engine.sandbox import Limits


def course_config(course):
    path = course.root / "nbgrader_config.py"
    if not path.is_file():
        return {}
    return PyFileConfigLoader(path.name, path=str(course.root)).load_config()


def sandbox_limits(course, options=None):
    section = course_config(course).get("Sandbox", {})
    limits = Limits()
    names = {f.name: f for f in fields(Limits)}
    from_file = {k: type(names[k].default)(v) for k, v in section.items() if k in names}
    unknown = sorted(set(section) - set(names))
    if unknown:
        raise ValueError(f"nbgrader_config.py: unknown c.Sandbox settings {unknown}; known: {sorted(names)}")
    limits = replace(limits, **from_file)
    if options is not None:
        from_cli = {k: getattr(options, k) for k in names if getattr(options, k, None) is not None}
        limits = replace(limits, **from_cli)
    return limits
