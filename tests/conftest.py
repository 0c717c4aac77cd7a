"""Shared fixtures: the course at the repository root and a warm sandbox for engine tests."""
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.grading.sandbox import Limits, Zygote, bwrap_usable

ROOT = Path(__file__).resolve().parents[1]
# The fast tier (`make test-fast`): steps tested on their own, no sandbox, seconds in all.
FAST_MODULES = {"test_steps.py", "test_wire.py", "test_expressions.py", "test_forbidden.py",
                "test_layers.py", "test_results.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in FAST_MODULES:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def course():
    return Course(ROOT)


@pytest.fixture(scope="session")
def zygote():
    """One warm sandbox for the session (bubblewrap where it can run)."""
    z = Zygote(Limits(call_seconds=3, cell_seconds=5, submission_seconds=60, memory_mb=512),
               use_bwrap=bwrap_usable()).start()
    yield z
    z.close()


@pytest.fixture(scope="session")
def postgres():
    """A live PostgreSQL server for the session (tests/pgserver.py); `postgres.create_database(name)`
    gives the URL of a new empty database."""
    import pgserver
    if pgserver.binaries() is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql; "
                    "`make test` installs it when run as root)")
    server = pgserver.Server().start()
    yield server
    server.stop()
