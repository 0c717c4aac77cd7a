"""The batch at a glance: one self-contained HTML file per assignment, exports/<ps>_report.html.

Score distribution, per-question and per-test pass rates, the most common diagnosed mistakes
(diagnosis.py), what went wrong beyond wrong answers (not graded, timeouts, memory, crashes,
forbidden calls, problems with the notebook file, late submissions) and the slowest
submissions. Plots are PNG images inside the file (data: URIs), so it opens anywhere, offline,
and can be mailed around. Like feedback, it shows test descriptions, never a test's `detail`.
"""
import base64
import datetime
import io
import statistics
from collections import Counter, defaultdict
from functools import lru_cache

import jinja2

from coursegrade.outputs.diagnosis import diagnose

FLAG_OUTCOMES = ("timeout", "memory", "crashed", "forbidden-call")
OUTCOME_COLOURS = {"passed": "#2da44e", "failed": "#cf222e", "error": "#fb8f44", "timeout": "#8250df",
                   "memory": "#bf3989", "crashed": "#6e7781", "forbidden-call": "#0969da",
                   "unanswered": "#d0d7de"}
SLOWEST = 10
COMMON_MISTAKES = 15


def report_path(course, assignment_name):
    return course.exports_dir / f"{assignment_name}_report.html"


def write_report(course, assignment, results, signatures=None, path=None):
    path = path or report_path(course, assignment.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(render_report(assignment, results, signatures), encoding="utf-8")
    temporary.replace(path)
    return path


def render_report(assignment, results, signatures=None):
    results = sorted(results, key=lambda r: r.student)
    graded = [r for r in results if r.graded]
    questions = assignment.autograded_questions
    stats = _statistics(assignment, results, graded)
    order = {q: i for i, q in enumerate(questions)}
    tests = sorted(_tests(graded), key=lambda t: order.get(t["question"], len(order)))
    per_question = _per_question(assignment, graded, tests)
    mistakes = _mistakes(graded, signatures)
    plots = {
        "distribution": _plot_distribution(assignment, graded),
        "questions": _plot_questions(per_question),
        "tests": _plot_tests(tests, questions),
        "outcomes": _plot_outcomes(per_question),
    }
    return _template().render(
        assignment=assignment, stats=stats, per_question=per_question, tests=tests,
        mistakes=mistakes, flags=_flags(results), slowest=_slowest(graded), plots=plots,
        diagnosed=signatures is not None, generated=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))


# ------------------------------------------------------------------------------ numbers

def _statistics(assignment, results, graded):
    max_total = sum(assignment.points(q) for q in assignment.autograded_questions)
    totals = [r.total for r in graded]
    seconds = [r.seconds for r in graded]
    return {
        "submissions": len(results), "graded": len(graded), "ungraded": len(results) - len(graded),
        "max_total": max_total,
        "mean": statistics.fmean(totals) if totals else 0.0,
        "median": statistics.median(totals) if totals else 0.0,
        "stdev": statistics.pstdev(totals) if len(totals) > 1 else 0.0,
        "full": sum(t == max_total for t in totals), "zero": sum(t == 0 for t in totals),
        "late": sum(1 for r in results if r.gradebook and r.gradebook.seconds_late),
        "seconds_total": sum(seconds), "seconds_median": statistics.median(seconds) if seconds else 0.0,
        "isolation": ", ".join(sorted({r.isolation for r in graded if r.isolation})) or "-",
    }


def _tests(graded):
    """Per hidden test, in suite order: pass rate and outcome counts (no detail, ever)."""
    found = {}
    for result in graded:
        for test in result.tests:
            key = (test.question, test.test)
            entry = found.setdefault(key, {"question": test.question, "test": test.test,
                                           "description": test.description,
                                           "points": test.points, "outcomes": Counter(),
                                           "untrusted": 0})
            entry["outcomes"][test.outcome] += 1
            entry["untrusted"] += test.untrusted
    for entry in found.values():
        runs = sum(entry["outcomes"].values())
        entry["runs"] = runs
        entry["pass_rate"] = entry["outcomes"]["passed"] / runs if runs else 0.0
        entry["worst"] = ", ".join(f"{n} {o}" for o, n in entry["outcomes"].most_common() if o != "passed")
    return list(found.values())


def _per_question(assignment, graded, tests):
    rows = []
    for question in assignment.autograded_questions:
        points = assignment.points(question)
        earned = [r.scores.get(question, 0.0) for r in graded]
        outcomes = Counter()
        for test in tests:
            if test["question"] == question:
                outcomes.update(test["outcomes"])
        runs = sum(outcomes.values())
        rows.append({"question": question, "points": points,
                     "mean": statistics.fmean(earned) if earned else 0.0,
                     "mean_rate": (statistics.fmean(earned) / points) if earned and points else 0.0,
                     "full": sum(e == points for e in earned),
                     "pass_rate": outcomes["passed"] / runs if runs else 0.0, "outcomes": outcomes})
    return rows


def _mistakes(graded, signatures):
    if signatures is None:
        return []
    counts, who = Counter(), defaultdict(list)
    for result in graded:
        for question, found in diagnose(result, signatures).items():
            for hint in found["hints"]:
                counts[(question, hint)] += 1
                who[(question, hint)].append(result.student)
    return [{"question": q, "hint": h, "count": n, "students": who[(q, h)]}
            for (q, h), n in counts.most_common(COMMON_MISTAKES)]


def _flags(results):
    """Everything that is not simply a wrong answer, one row per student and kind."""
    rows = []
    for result in results:
        student = result.student
        if not result.graded:
            what = result.reason if result.final else (
                f"{result.reason} (no score, not even 0: graded again by the next `course grade`)")
            rows.append({"student": student, "kind": "not graded", "what": what})
        for outcome in FLAG_OUTCOMES:
            hit = [t for t in result.tests if t.outcome == outcome]
            if hit:
                questions = ", ".join(dict.fromkeys(t.question for t in hit))
                what = f"{len(hit)} check(s) in {questions}"
                if outcome == "forbidden-call":
                    what += ": " + "; ".join(dict.fromkeys(t.message for t in hit))
                rows.append({"student": student, "kind": outcome, "what": what})
        raised = result.cells
        if raised:
            rows.append({"student": student, "kind": "cells raised",
                         "what": "; ".join(f"{name}: {info.get('message', '')[:80]}"
                                           for name, info in list(raised.items())[:3])
                         + (f" (+{len(raised) - 3} more)" if len(raised) > 3 else "")})
        untrusted = [t.question for t in result.tests if t.untrusted]
        if untrusted:
            rows.append({"student": student, "kind": "untrusted",
                         "what": f"{len(untrusted)} test cell(s) ran in the student's process, "
                                 f"their scores could be faked: {', '.join(untrusted)}"})
        for problem in result.problems:
            if "(untrusted)" in problem:
                continue  # (the row above says it)
            rows.append({"student": student, "kind": "notebook", "what": problem})
        if result.gradebook and result.gradebook.seconds_late:
            hours = result.gradebook.seconds_late / 3600
            rows.append({"student": student, "kind": "late",
                         "what": f"{hours:.1f} h late; penalty {result.gradebook.late_penalty:g}"})
    order = {"not graded": 0, "crashed": 1, "memory": 2, "timeout": 3, "forbidden-call": 4,
             "late": 5, "untrusted": 6, "notebook": 6, "cells raised": 7}
    return sorted(rows, key=lambda row: (order.get(row["kind"], 9), row["student"]))


def _slowest(graded):
    rows = sorted(graded, key=lambda r: -r.seconds)[:SLOWEST]
    out = []
    for result in rows:
        tests = sorted(result.tests, key=lambda t: -t.seconds)
        slow = tests[0] if tests else None
        out.append({"student": result.student, "seconds": result.seconds,
                    "slowest_test": f"{slow.question}::{slow.test} ({slow.seconds:.2f} s)"
                    if slow else ""})
    return out


# --------------------------------------------------------------------------------- plots

def _figure(width, height):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(width, height), dpi=110)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _png(figure):
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plot_distribution(assignment, graded):
    max_total = sum(assignment.points(q) for q in assignment.autograded_questions)
    totals = [r.total for r in graded]
    figure, axes = _figure(7.5, 3.2)
    bins = min(20, max(5, int(max_total)))
    axes.hist(totals, bins=bins, range=(0, max_total), color="#0969da", edgecolor="white")
    if totals:
        mean = statistics.fmean(totals)
        axes.axvline(mean, color="#cf222e", linestyle="--", linewidth=1.5, label=f"mean {mean:.1f}")
        axes.legend(frameon=False, loc="upper center")
    axes.set_xlabel(f"autograded score (of {max_total:g})")
    axes.set_ylabel("submissions")
    axes.set_title("Score distribution", loc="left", fontsize=11)
    return _png(figure)


def _plot_questions(per_question):
    figure, axes = _figure(7.5, 0.35 * len(per_question) + 1.2)
    names = [row["question"] for row in per_question][::-1]
    axes.barh(names, [100 * row["mean_rate"] for row in per_question][::-1], color="#2da44e",
              label="mean score (% of points)")
    axes.scatter([100 * row["pass_rate"] for row in per_question][::-1], names, color="#1f2328",
                 zorder=3, s=18, label="checks passed (%)")
    axes.set_xlim(0, 100)
    axes.set_xlabel("%")
    axes.legend(frameon=False, ncol=2, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    axes.set_title("Per question", loc="left", fontsize=11)
    return _png(figure)


def _plot_tests(tests, questions):
    import matplotlib
    figure, axes = _figure(7.5, 0.22 * len(tests) + 1.2)
    palette = matplotlib.colormaps["tab20"]
    colour = {q: palette(i % 20) for i, q in enumerate(questions)}
    labels = [f"{t['question']} · {t['test'].removeprefix('test_')}"[:60] for t in tests][::-1]
    axes.barh(labels, [100 * t["pass_rate"] for t in tests][::-1],
              color=[colour.get(t["question"], "#999") for t in tests][::-1])
    axes.set_xlim(0, 100)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("submissions passing (%)")
    axes.set_title("Per hidden test", loc="left", fontsize=11)
    return _png(figure)


def _plot_outcomes(per_question):
    figure, axes = _figure(7.5, 0.35 * len(per_question) + 1.4)
    names = [row["question"] for row in per_question][::-1]
    left = [0.0] * len(names)
    for outcome, colour in OUTCOME_COLOURS.items():
        values = []
        for row in per_question[::-1]:
            runs = sum(row["outcomes"].values()) or 1
            values.append(100 * row["outcomes"][outcome] / runs)
        if any(values):
            axes.barh(names, values, left=left, color=colour, label=outcome)
            left = [a + b for a, b in zip(left, values)]
    axes.set_xlim(0, 100)
    axes.set_xlabel("checks (%)")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(frameon=False, ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    axes.set_title("How checks ended, per question", loc="left", fontsize=11)
    return _png(figure)


# ------------------------------------------------------------------------------ template

@lru_cache(maxsize=1)
def _template():
    environment = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["pts"] = lambda value: f"{value:g}"
    environment.filters["pct"] = lambda value: f"{100 * value:.0f}%"
    return environment.from_string(_TEMPLATE)


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ assignment.name }} grading report</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 10px; }
.sub { color: #59636e; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(135px, 1fr)); gap: 10px; margin: 16px 0; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 24px; font-weight: 600; } .card .k { color: #59636e; font-size: 12px; }
.card.bad .v { color: #cf222e; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.panel { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 12px; }
.panel img { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.tag { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; color: #fff; background: #6e7781; white-space: nowrap; }
.tag.timeout { background: #8250df; } .tag.memory { background: #bf3989; } .tag.crashed { background: #57606a; }
.tag.forbidden-call { background: #0969da; } .tag.not-graded { background: #cf222e; } .tag.late { background: #9a6700; }
.tag.notebook { background: #bc4c00; } .tag.cells-raised { background: #fb8f44; }
.rate { display: inline-block; width: 80px; height: 8px; background: #eaeef2; border-radius: 4px; vertical-align: middle; }
.rate span { display: block; height: 8px; background: #2da44e; border-radius: 4px; }
.students { color: #59636e; font-size: 12px; }
table.tests code { overflow-wrap: anywhere; font-size: 12px; }
table.tests td:nth-child(2) { width: 24%; } table.tests td:nth-child(3) { width: 36%; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
footer { color: #59636e; font-size: 12px; margin: 30px 0; }
</style></head>
<body><main>
<h1>{{ assignment.name }} grading report</h1>
<div class="sub">{{ assignment.title }} · generated {{ generated }} · sandbox: {{ stats.isolation }}</div>

<div class="cards">
  <div class="card"><div class="v">{{ stats.submissions }}</div><div class="k">submissions</div></div>
  <div class="card{% if stats.ungraded %} bad{% endif %}"><div class="v">{{ stats.ungraded }}</div><div class="k">not graded</div></div>
  <div class="card"><div class="v">{{ '%.1f' % stats.mean }}</div><div class="k">mean of {{ stats.max_total | pts }} (median {{ stats.median | pts }}, sd {{ '%.1f' % stats.stdev }})</div></div>
  <div class="card"><div class="v">{{ stats.full }}</div><div class="k">full marks</div></div>
  <div class="card"><div class="v">{{ stats.zero }}</div><div class="k">zero</div></div>
  <div class="card"><div class="v">{{ stats.late }}</div><div class="k">late</div></div>
  <div class="card"><div class="v">{{ '%.1f' % stats.seconds_median }} s</div><div class="k">median grading time ({{ '%.0f' % stats.seconds_total }} s in all)</div></div>
</div>

<div class="grid">
  <div class="panel"><img alt="score distribution" class="plot" src="{{ plots.distribution }}"></div>
  <div class="panel"><img alt="per-question scores" class="plot" src="{{ plots.questions }}"></div>
  <div class="panel"><img alt="per-test pass rates" class="plot" src="{{ plots.tests }}"></div>
  <div class="panel"><img alt="outcomes per question" class="plot" src="{{ plots.outcomes }}"></div>
</div>

<h2>Most common diagnosed mistakes</h2>
{% if not diagnosed %}<p class="sub">No mutant signatures available: mistakes were not diagnosed.</p>
{% elif not mistakes %}<p class="sub">No failure matched a known mistake.</p>
{% else %}
<table><tr><th>Question</th><th>Mistake (the mutant's hint)</th><th class="num">Students</th><th>Who</th></tr>
{% for m in mistakes %}<tr><td>{{ m.question }}</td><td>{{ m.hint }}</td><td class="num">{{ m.count }}</td>
<td class="students">{{ m.students[:6] | join(', ') }}{% if m.students | length > 6 %}, …{% endif %}</td></tr>{% endfor %}
</table>
{% endif %}

<h2>Per question</h2>
<table><tr><th>Question</th><th class="num">Points</th><th class="num">Mean</th><th class="num">Full marks</th><th>Checks passed</th><th>Not passed</th></tr>
{% for row in per_question %}<tr><td>{{ row.question }}</td><td class="num">{{ row.points | pts }}</td><td class="num">{{ '%.2f' % row.mean }}</td>
<td class="num">{{ row.full }}</td><td><span class="rate"><span style="width: {{ (80 * row.pass_rate) | round | int }}px"></span></span> {{ row.pass_rate | pct }}</td>
<td class="students">{% for o, n in row.outcomes.most_common() if o != 'passed' %}{{ n }} {{ o }}{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>{% endfor %}
</table>

<h2>Per hidden test</h2>
<table class="tests"><tr><th>Question</th><th>Test</th><th>What it checks</th><th class="num">Points</th><th>Passing</th><th>Not passed</th></tr>
{% for t in tests %}<tr><td>{{ t.question }}</td><td><code>{{ t.test }}</code>{% if t.untrusted %} <span class="tag untrusted">untrusted</span>{% endif %}</td><td>{{ t.description }}</td><td class="num">{{ t.points | pts }}</td>
<td><span class="rate"><span style="width: {{ (80 * t.pass_rate) | round | int }}px"></span></span> {{ t.pass_rate | pct }}</td><td class="students">{{ t.worst }}</td></tr>{% endfor %}
</table>

<h2>Flags: not graded, timeouts, crashes, forbidden calls, late, untrusted test cells, notebook problems</h2>
{% if not flags %}<p class="sub">Nothing to flag.</p>{% else %}
<table><tr><th>Student</th><th>Kind</th><th>What</th></tr>
{% for f in flags %}<tr><td>{{ f.student }}</td><td><span class="tag {{ f.kind | replace(' ', '-') }}">{{ f.kind }}</span></td><td>{{ f.what }}</td></tr>{% endfor %}
</table>{% endif %}

<h2>Slowest submissions</h2>
<table><tr><th>Student</th><th class="num">Seconds</th><th>Slowest check</th></tr>
{% for s in slowest %}<tr><td>{{ s.student }}</td><td class="num">{{ '%.2f' % s.seconds }}</td><td><code>{{ s.slowest_test }}</code></td></tr>{% endfor %}
</table>
<footer>Autograded scores only (written answers are graded in the formgrader). Test descriptions are the hidden tests' docstrings; assertion details are in autograded/&lt;student&gt;/{{ assignment.name }}/results.json.</footer>
</main></body></html>
"""
