"""coursegrade: a sandboxed grading engine for notebook courses.

This module is the small public front that a course's grading material imports: hidden test
suites (``question``, ``points``, ``assert_allclose``, ...) and its mutants and alternatives
(``mutant``, ``alternative``, ...). Everything else is the engine's own, in layers (see
docs/architecture.md): ``core`` (the course on disk, settings, results), ``content`` (what
material is written with), ``grading`` (sandbox, suites, batches), ``outputs`` (gradebook,
feedback, report, exports), ``authoring`` (release, validation, synthetic submissions) and the
``course`` command (``cli``). ``inside`` is the only code that runs in the sandbox.
"""
from coursegrade.content.hidden import (OracleDisagreement, assert_allclose, cross_checked, number,
                                        points, question, symbolically_equal)
from coursegrade.content.variants import alternative, alternative_code, mutant, mutant_code

__all__ = ["OracleDisagreement", "alternative", "alternative_code", "assert_allclose",
           "cross_checked", "mutant", "mutant_code", "number", "points", "question",
           "symbolically_equal"]
