"""The batch's scores as a table on the terminal and as a grades CSV."""
import csv

from coursegrade.core.results import Outcome


def score_table(assignment, results):
    """Rows of students, columns of questions: plain text that fits a terminal."""
    questions = assignment.autograded_questions
    width = max([len("student")] + [len(r.student) for r in results])
    headers = [f"Q{i + 1}" for i in range(len(questions))]
    col = max(5, max((len(f"{assignment.points(q):g}") for q in questions), default=1) * 2 + 1)
    lines = [f"{assignment.name}: {assignment.title}",
             "  ".join(f"{h} = {q} ({assignment.points(q):g})" for h, q in zip(headers, questions)), "",
             f"{'student':<{width}}  " + " ".join(f"{h:>{col}}" for h in headers) + "    total  note"]
    for result in results:
        if not result.graded:
            lines.append(f"{result.student:<{width}}  " + " ".join(f"{'-':>{col}}" for _ in questions)
                         + f"  {'-':>7}  not graded: {result.reason}")
            continue
        cells = [f"{result.scores.get(q, 0):g}" for q in questions]
        note = _note(result)
        lines.append(f"{result.student:<{width}}  " + " ".join(f"{c:>{col}}" for c in cells)
                     + f"  {result.total:>4g}/{result.max_total:g}  {note}")
    lines.extend(untrusted_lines(results))
    return "\n".join(lines)


def untrusted_lines(results):
    """Which test cells of a foreign-format assignment ran in the student's process, so their
    scores are only as trustworthy as nbgrader's or otter's own (none in the engine's format)."""
    cells = {}
    for result in results:
        for test in result.tests:
            if test.untrusted:
                cells.setdefault(test.question, []).append(result.student)
    if not cells:
        return []
    return ["", f"UNTRUSTED: {len(cells)} test cell(s) ran in the student's process (a student "
            "could fake these scores, as in nbgrader):"] + [
        f"  {question}: {len(students)} submission(s)" for question, students in cells.items()]


def _note(result):
    kinds = {}
    for test in result.tests:
        if test.outcome is not Outcome.PASSED:
            kinds[test.outcome] = kinds.get(test.outcome, 0) + 1
    notes = [f"{n} {k}" for k, n in sorted(kinds.items())]
    untrusted = sum(test.untrusted for test in result.tests)
    if untrusted:
        notes.append(f"{untrusted} untrusted")
    if result.cells:
        notes.append(f"{len(result.cells)} cell(s) raised")
    if result.problems:
        notes.append(f"{len(result.problems)} notebook problem(s)")
    return ", ".join(notes)


def write_grades_csv(assignment, results, path):
    questions = assignment.autograded_questions
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", *questions, "total", "max_total", "status", "reason"])
        for result in results:
            graded = result.graded
            writer.writerow([result.student, assignment.name,
                             *[f"{result.scores.get(q, 0):g}" if graded else "" for q in questions],
                             f"{result.total:g}" if graded else "",
                             f"{result.max_total}", result.status, result.reason])
    return path
