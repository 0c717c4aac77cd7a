"""The engine's settings: declared here once, each with its type and help text, loaded once per
course from its nbgrader_config.py (`c.Sandbox.memory_mb = 1024`), overridden by the command line.

nbgrader's own sections (`c.CourseDirectory`, `c.LateSubmissionPlugin`, ...) stay nbgrader's:
they are kept as they are for nbgrader's classes and read where the engine needs them (the
gradebook's URL). The engine's sections (`Sandbox`, `Grading`, `Exports`) are validated: a key
that is not declared or a value of the wrong type is a one-line `SettingsError`, never ignored.
`course config` prints every effective value and where it came from.
"""
import difflib
from dataclasses import dataclass, fields

from coursegrade.core.errors import CourseError

CONFIG_FILE = "nbgrader_config.py"


class SettingsError(CourseError):
    """A setting that is unknown or has a value of the wrong type."""


@dataclass
class Limits:
    """Resource limits of one submission (the `c.Sandbox` limits below)."""
    memory_mb: int = 2048        # address space a submission may add to the warm zygote's
    cpu_seconds: int = 120       # CPU time of one submission's process
    processes: int = 64          # RLIMIT_NPROC (effective where the sandbox user is not root)
    file_mb: int = 64            # largest file a submission may write
    disk_mb: int = 256           # everything a submission may write to its scratch folder
    call_seconds: float = 10.0   # wall clock of one call into student code
    cell_seconds: float = 60.0   # wall clock of one notebook cell
    submission_seconds: float = 300.0  # wall clock of everything one submission runs
    restarts: int = 3            # how often one question may rebuild the submission's process

    def for_child(self):
        return {"memory_bytes": self.memory_mb << 20, "cpu_seconds": self.cpu_seconds,
                "processes": self.processes, "file_bytes": self.file_mb << 20,
                "disk_bytes": self.disk_mb << 20}


@dataclass(frozen=True)
class Setting:
    section: str
    name: str
    default: object
    help: str

    @property
    def key(self):
        return f"c.{self.section}.{self.name}"


_LIMIT_HELP = {
    "memory_mb": "memory (address space, MB) a submission may allocate",
    "cpu_seconds": "CPU seconds of one submission's process",
    "processes": "processes and threads a submission may have (RLIMIT_NPROC)",
    "file_mb": "largest file (MB) a submission may write",
    "disk_mb": "all files (MB) a submission may write to its scratch folder",
    "call_seconds": "wall clock of one call into student code",
    "cell_seconds": "wall clock of one notebook cell",
    "submission_seconds": "wall clock of one whole submission",
    "restarts": "how often one question may rebuild a crashed submission's process",
}

DECLARED = [Setting("Sandbox", f.name, f.default, _LIMIT_HELP[f.name]) for f in fields(Limits)] + [
    Setting("Sandbox", "preload", ["numpy", "sympy"],
            "modules the sandbox imports once before forking each submission's process "
            "(besides those the notebook imports)"),
    Setting("Sandbox", "preload_later", ["torch"],
            "heavy modules imported after the first submissions started; a submission that "
            "mentions one waits for it, the others are graded meanwhile"),
    Setting("Grading", "max_notebook_mb", 50.0,
            "a submitted notebook larger than this is refused with a message (outputs are the usual cause)"),
    Setting("Grading", "workers", 0, "parallel sandboxes (0: one per core)"),
    Setting("Grading", "cluster", "",
            "a Ray cluster's address (host:port) to grade on, as `course grade --cluster` ('': this machine)"),
    Setting("Grading", "trusted_work_seconds", 5.0,
            "time limit of trusted-side work on one answer's data (parsing and comparing a formula)"),
    Setting("Exports", "canvas_columns", {},
            "Canvas column header per assignment, e.g. {'ps1': 'ps1 (123456)'}"),
    Setting("Gradescope", "hidden_visibility", "after_published",
            "when students see the hidden tests' results on Gradescope: hidden, after_due_date, "
            "after_published (once the grades are published) or visible"),
]
_BY_KEY = {(s.section, s.name): s for s in DECLARED}
ENGINE_SECTIONS = sorted({s.section for s in DECLARED})


def _check_type(setting, value, where):
    """`value` converted to the declared setting's type, or a SettingsError."""
    default = setting.default
    wrong = SettingsError(f"{where}: {setting.key} must be {_type_words(default)}, got {value!r}")
    if isinstance(default, bool) or value is None:
        raise wrong
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise wrong
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong
        return float(value)
    if isinstance(default, list):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise wrong
        return list(value)
    if isinstance(default, dict):
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in value.items()):
            raise wrong
        return dict(value)
    if isinstance(default, str) and not isinstance(value, str):
        raise wrong
    return value


def _type_words(default):
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, list):
        return "a list of strings"
    if isinstance(default, dict):
        return "a dict of strings to strings"
    if isinstance(default, str):
        return "a string"
    return type(default).__name__


class Settings:
    """The effective settings of one course: `settings["Sandbox", "memory_mb"]`, `.limits`,
    `.nbgrader` (nbgrader's own sections, as traitlets config) and where each value came from."""

    def __init__(self, values, origins, nbgrader_config):
        self._values, self._origins = values, origins
        self.nbgrader = nbgrader_config

    @classmethod
    def load(cls, root):
        from traitlets.config import Config
        path = root / CONFIG_FILE
        config = Config()
        if path.is_file():
            config = _load_config_file(path)
        values = {(s.section, s.name): s.default for s in DECLARED}
        origins = dict.fromkeys(values, "default")
        for section in ENGINE_SECTIONS:
            for name, value in dict(config.get(section, {})).items():
                setting = _BY_KEY.get((section, name))
                if setting is None:
                    known = [n for (sec, n) in _BY_KEY if sec == section]
                    close = difflib.get_close_matches(name, known, n=1)
                    hint = f"; did you mean c.{section}.{close[0]}?" if close else \
                        f"; known: {', '.join(known)}"
                    raise SettingsError(f"{CONFIG_FILE}: unknown setting c.{section}.{name}{hint}")
                values[section, name] = _check_type(setting, value, CONFIG_FILE)
                origins[section, name] = CONFIG_FILE
        return cls(values, origins, config)

    def overridden(self, overrides, origin="command line"):
        """A copy with `overrides` {(section, name): value} applied (None values skipped)."""
        values, origins = dict(self._values), dict(self._origins)
        for key, value in overrides.items():
            if value is None:
                continue
            setting = _BY_KEY.get(key)
            if setting is None:
                raise SettingsError(f"unknown setting c.{key[0]}.{key[1]}")
            values[key] = _check_type(setting, value, origin)
            origins[key] = origin
        return Settings(values, origins, self.nbgrader)

    def __getitem__(self, key):
        return self._values[key]

    def origin(self, key):
        return self._origins[key]

    @property
    def limits(self):
        return Limits(**{f.name: self._values["Sandbox", f.name] for f in fields(Limits)})

    def nbgrader_value(self, section, name, default):
        """A value of one of nbgrader's own sections (CourseDirectory.db_url, ...)."""
        found = dict(self.nbgrader.get(section, {})).get(name, default)
        return default if type(found).__name__ == "LazyConfigValue" else found

    def describe(self):
        """Lines `c.Section.name = value  # origin: help`, for `course config`."""
        lines = []
        for setting in DECLARED:
            key = (setting.section, setting.name)
            lines.append(f"{setting.key} = {self._values[key]!r}  # {self._origins[key]}: {setting.help}")
        for section, name, default in (("CourseDirectory", "course_id", "default_course"),
                                       ("CourseDirectory", "db_url", "sqlite:///gradebook.db")):
            value = self.nbgrader_value(section, name, default)
            where = CONFIG_FILE if name in dict(self.nbgrader.get(section, {})) else "default"
            lines.append(f"c.{section}.{name} = {value!r}  # {where}: nbgrader's own setting")
        return lines


def _load_config_file(path):
    from traitlets.config.loader import PyFileConfigLoader
    try:
        return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    except Exception as error:  # a syntax or name error in the instructor's file
        cause = error.__cause__ or error
        raise SettingsError(f"{path} could not be loaded: {type(cause).__name__}: {cause}") from None
