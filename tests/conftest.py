"""Shared fixtures: the course at the repository root and a warm sandbox for engine tests."""
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.grading.sandbox import Limits, Zygote, bwrap_usable

ROOT = Path(__file__).resolve().parents[1]


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
