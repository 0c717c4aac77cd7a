"""Failure signatures of an assignment's mutants (outputs/diagnosis.py matches submissions against
them): computed by grading the solution with each mutant written in, as `course validate` does,
and cached until the grading material or the engine changes."""
import io
import sys
import tempfile
from pathlib import Path

from coursegrade.authoring.synthetic import variant_notebook, write_batch
from coursegrade.content.variants import MUTANT, load_variants
from coursegrade.grading.batch import grade_batch
from coursegrade.outputs.diagnosis import load_signatures, mutant_entries, save_signatures


def compute_signatures(assignment, workers=None, limits=None, use_bwrap=None, variants=None,
                       progress=None):
    """Grade the solution with each mutant written in (as `course validate` does) and return
    their entries. `variants` defaults to every mutant of the assignment."""
    if variants is None:
        variants = load_variants(assignment.material_dir)
    mutants = [v for v in variants if v.kind == MUTANT]
    if not mutants:
        return []
    notebooks = {f"mutant--{v.name}": variant_notebook(assignment, [v]) for v in mutants}
    with tempfile.TemporaryDirectory(prefix=f"mutants-{assignment.name}-") as folder:
        paths = write_batch(notebooks, Path(folder), assignment.name)
        results = grade_batch(assignment.course, assignment, [(p.parent.parent.name, p) for p in paths],
                              workers, limits, use_bwrap, out=progress or io.StringIO(),
                              keep_results=False)
    return mutant_entries(mutants, {r.student.removeprefix("mutant--"): r for r in results})


def ensure_signatures(course, assignment, workers=None, limits=None, use_bwrap=None, out=None):
    """The cached signatures, computed and saved first if the material changed."""
    cached = load_signatures(course, assignment)
    if cached is not None:
        return cached
    if out is not None:
        count = sum(v.kind == MUTANT for v in load_variants(assignment.material_dir))
        print(f"diagnosis: grading the {count} known mistakes (mutants) of {assignment.name} once, "
              "to recognise them in submissions (cached until the grading material changes)",
              file=out, flush=True)
    entries = compute_signatures(assignment, workers, limits, use_bwrap,
                                 progress=sys.stderr if out is not None else None)
    return save_signatures(course, assignment, entries)
