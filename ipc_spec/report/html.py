"""The matrix as one self-contained HTML page (no script, no network): the verdict table, and for
each divergent cell a panel that opens when the cell is clicked (CSS ``:target``), with the clause,
its promise, the message, the known divergence's reason, the minimal program, the replay command, and
the history drawn as a timeline (SVG): one lane per process, each operation a bar from its start to
its end labelled with the call and its outcome, the operations the clause names highlighted, planned
kills, steps still blocked and the deadline marked.
"""

import html
import time
from typing import Any, Dict, List, Optional

from .matrix import Column, Matrix, family_of
from .render import LEGEND, explanation, symbol, timing_text, verdict_text

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 0; }
table.matrix { border-collapse: collapse; }
.matrix th, .matrix td { border: 1px solid #ccc; padding: 1px 5px; text-align: center; }
.matrix th.clause { text-align: left; font-weight: normal; font-family: monospace; white-space: nowrap; }
.matrix tr.family th { background: #eee; text-align: left; }
.matrix thead th { background: #f6f6f6; position: sticky; top: 0; }
td.v-pass { background: #e6f4e6; } td.v-fail, td.v-error { background: #f8c8c8; font-weight: bold; }
td.v-xfail { background: #fbe7c0; } td.v-xpass { background: #d8e4fb; } td.v-skip { color: #888; }
td.v-unchecked { background: #f2f2f2; } td.v-conflict { background: #e3c8f8; font-weight: bold; }
td a { color: inherit; text-decoration: none; display: block; }
.detail { display: none; }
.detail:target { display: block; position: fixed; top: 0; right: 0; bottom: 0; width: 62%;
  overflow: auto; background: #fff; border-left: 3px solid #444; padding: 1em 1.5em;
  box-shadow: -4px 0 16px rgba(0,0,0,.2); }
.detail .close { float: right; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; white-space: pre-wrap; }
.promise { font-style: italic; } .known { background: #fbe7c0; padding: .3em; }
svg.timeline { background: #fcfcfc; border: 1px solid #ddd; }
svg .lane { fill: #f3f3f3; } svg .lane-label { font: 12px sans-serif; fill: #333; }
svg .op { fill: #7aa6d8; } svg .op.error { fill: #e0a050; }
svg .op.named { fill: #d33; stroke: #600; stroke-width: 2; }
svg .op-label { font: 11px monospace; fill: #222; } svg .op-label.inside { fill: #000; } svg .op-label.named.inside { fill: #fff; }
svg .op-label.blocked-label { fill: #900; font-weight: bold; } svg .op-label.named { font-weight: bold; fill: #900; }
svg .blocked { fill: url(#hatch); stroke: #900; stroke-dasharray: 3 2; }
svg .deadline { stroke: #900; stroke-dasharray: 6 3; stroke-width: 1.5; }
svg .kill { stroke: #c00; stroke-width: 3; } svg .bound { stroke: #060; stroke-width: 3; } svg .mark { stroke: #555; stroke-width: 2; }
svg .axis { stroke: #999; } svg .tick { font: 10px sans-serif; fill: #666; }
"""

ROW = 22       # px per operation row
LEFT = 90      # px for the lane labels
WIDTH = 1000   # px of the drawing


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _nice_step(span: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000):
        if span / step <= 10:
            return step
    return span / 10


def timeline(history: Optional[Dict[str, Any]]) -> str:
    """The SVG drawing of one history (see the module docstring)."""
    if not history or not (history["ops"] or history["blocked"] or history["marks"]):
        return "<p>(no history: the example failed before any operation ran)</p>"
    ops, marks, blocked = history["ops"], history["marks"], history["blocked"]
    deadline = history.get("deadline_ms")
    end = max([o["end_ms"] for o in ops] + [m["at_ms"] for m in marks]
              + [b["at_ms"] for b in history.get("bounds", ())]
              + ([deadline] if deadline is not None else []) + [1.0])
    span = end * 1.04

    def x(ms: float) -> float:
        return LEFT + max(0.0, ms) / span * (WIDTH - LEFT - 10)

    parts: List[str] = []
    y = 24
    for proc in range(history["procs"]):
        mine = [o for o in ops if o["proc"] == proc and o["index"] >= 0]
        stuck = [b for b in blocked if b["proc"] == proc]
        # a fault the harness sent (index -1) is drawn as a kill, where it was sent
        mine_marks = [m for m in marks if m["proc"] == proc] + [
            {"proc": proc, "label": o["call"], "at_ms": o["start_ms"], "fault": True}
            for o in ops if o["proc"] == proc and o["index"] < 0]
        rows = max(1, len(mine) + len(stuck) + (1 if mine_marks else 0))
        height = rows * ROW + 6
        parts.append('<g class="lane-group" data-proc="%d">' % proc)
        parts.append('<rect class="lane" x="0" y="%d" width="%d" height="%d"/>' % (y, WIDTH, height))
        parts.append('<text class="lane-label" x="6" y="%d">process %d</text>' % (y + 15, proc))
        for row, o in enumerate(mine):
            top = y + 4 + row * ROW
            x0, x1 = x(o["start_ms"]), x(o["end_ms"])
            cls = "op" + (" error" if o["error"] else "") + (" named" if o["named"] else "")
            parts.append('<rect class="%s" data-op="%d:%d" data-start-ms="%s" data-end-ms="%s" x="%.1f" '
                         'y="%d" width="%.1f" height="14"><title>%s %s [%.3f .. %.3f ms]</title></rect>'
                         % (cls, proc, o["index"], o["start_ms"], o["end_ms"], x0, top, max(2.0, x1 - x0),
                            _e(o["call"]), _e(o["outcome"]), o["start_ms"], o["end_ms"]))
            parts.append(_label(x0, max(x0 + 2, x1), top + 11, "%s %s" % (o["call"], o["outcome"]),
                                "op-label" + (" named" if o["named"] else "")))
        for b in history.get("bounds", ()):  # a broken timing bound, on its operation's row
            row = next((i for i, o in enumerate(mine) if o["index"] == b["index"]), None)
            if b["proc"] != proc or row is None:
                continue
            top = y + 4 + row * ROW
            bx = x(b["at_ms"])
            parts.append('<line class="bound" data-op="%d:%d" x1="%.1f" x2="%.1f" y1="%d" y2="%d"><title>%s at '
                         '%.3f ms</title></line>' % (proc, b["index"], bx, bx, top - 3, top + 17,
                                                     "the timeout" if b["kind"] == "early" else "the latest end",
                                                     b["at_ms"]))
        for row, b in enumerate(stuck, len(mine)):
            top = y + 4 + row * ROW
            since = max([o["end_ms"] for o in mine] + [0.0])
            until = deadline if deadline is not None else end
            parts.append('<rect class="blocked" data-op="%d:%d" x="%.1f" y="%d" width="%.1f" height="14">'
                         '<title>still running at the deadline: %s</title></rect>'
                         % (proc, b["index"], x(since), top, max(2.0, x(until) - x(since)), _e(b["call"])))
            parts.append(_label(x(since), x(until), top + 11, "blocked: %s" % b["call"], "op-label blocked-label"))
        for m in mine_marks:  # on the lane's last row, which no bar uses
            mx = x(m["at_ms"])
            kill = m["label"] == "died" or m.get("fault", False)
            parts.append('<line class="%s" data-mark="%s" x1="%.1f" x2="%.1f" y1="%d" y2="%d"><title>%s at '
                         '%.3f ms</title></line>' % ("kill" if kill else "mark", _e(m["label"]), mx, mx, y,
                                                     y + height, _e(m["label"]), m["at_ms"]))
            parts.append(_label(mx, mx + 1, y + height - 7, m["label"] if m.get("fault") else
                                "SIGKILL (fault)" if kill else m["label"],
                                "op-label named"))
        parts.append("</g>")
        y += height + 8
    axis_y = y + 4
    step = _nice_step(span)
    tick = 0.0
    parts.append('<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>' % (LEFT, WIDTH - 10, axis_y, axis_y))
    while tick <= span:
        parts.append('<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s ms</text>' % (
            x(tick), axis_y + 14, ("%g" % tick)))
        tick += step
    if deadline is not None:
        parts.append('<line class="deadline" x1="%.1f" x2="%.1f" y1="10" y2="%d"/>' % (x(deadline), x(deadline), axis_y))
        parts.append('<text class="op-label named" x="%.1f" y="18" text-anchor="end">deadline %.0f ms</text>'
                     % (x(deadline) - 3, deadline))
    defs = ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f8d0d0"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#c66" stroke-width="3"/></pattern></defs>')
    legend = ["bars: operations, from start to end"]
    if any(o["named"] for o in ops):
        legend.append("red: the operations the clause names")
    if any(m["label"] == "died" for m in marks) or any(o["index"] < 0 for o in ops):
        legend.append("red line: a fault (a signal sent to the process)")
    if history.get("bounds"):
        legend.append("green line: the timing bound broken (where the timeout fell, or the latest end allowed)")
    if blocked:
        legend.append("hatched: a step still running at the deadline (dashed)")
    return ('<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d">%s%s</svg><p class="legend"><small>%s</small></p>' % (
                WIDTH, axis_y + 22, WIDTH, axis_y + 22, defs, "".join(parts), _e("; ".join(legend))))


#: px per character of a label (11 px monospace), to place labels where they fit.
CHAR = 6.7


def _label(x0: float, x1: float, baseline: int, text: str, cls: str) -> str:
    """A bar's label: after the bar; inside it when the bar is long enough and ends far to the
    right; else before it, where that leaves the lane label clear; else after it anyway."""
    text = text if len(text) <= 100 else text[:97] + "..."
    need = len(text) * CHAR + 8
    if x1 + need <= WIDTH:
        return '<text class="%s" x="%.1f" y="%d">%s</text>' % (cls, x1 + 4, baseline, _e(text))
    if x1 - x0 >= need:
        return '<text class="%s inside" x="%.1f" y="%d">%s</text>' % (cls, x0 + 4, baseline, _e(text))
    if x0 - need >= LEFT:
        return '<text class="%s" x="%.1f" y="%d" text-anchor="end">%s</text>' % (cls, x0 - 4, baseline, _e(text))
    return '<text class="%s" x="%.1f" y="%d">%s</text>' % (cls, x1 + 4, baseline, _e(text))


def _detail(matrix: Matrix, ident: str, row: str, column: Column, method: str,
            reproducer: Optional[str]) -> str:
    verdicts = matrix.cell(row, column, method)
    failure = matrix.failure(row, column, method)
    out = ['<article class="detail" id="%s" data-clause="%s" data-method="%s">' % (ident, _e(row), _e(method)),
           '<a class="close" href="#">close</a>',
           "<h2>%s</h2>" % _e(row),
           '<p class="where">%s, start method <b>%s</b>: <b class="verdict">%s</b></p>' % (
               _e(column.label), _e(method), _e(verdict_text(verdicts))),
           '<p class="promise">Promised: %s</p>' % _e(matrix.clauses.get(row.split(":")[-1], ""))]
    if failure is None:
        out.append("<p>%s</p>" % _e(explanation(matrix, row, column, method)))
    else:
        if failure.get("known"):
            out.append('<p class="known">%s</p>' % _e(failure["known"]))
        out.append('<p class="message"><b>%s</b>: %s</p>' % (_e(failure["verdict"]), _e(failure["message"])))
        if failure.get("timing"):
            out.append('<p class="timing">Timing divergence: %s.</p>' % _e(timing_text(failure["timing"])))
        out.append("<h3>The minimal example</h3><pre class=\"program\">%s</pre>" % _e(failure["program"] or "(none ran)"))
        out.append("<h3>What each process did</h3>")
        out.append(timeline(failure.get("history")))
        if failure.get("replay"):
            out.append('<h3>Replay</h3><pre class="replay">%s</pre>' % _e(failure["replay"]))
        others = matrix.failures.get((row, column, method), [])[1:]
        for other in others:
            out.append('<p class="other">Also reported (%s): %s</p>' % (_e(other.get("source", "")), _e(other["message"])))
    if reproducer:
        out.append('<p class="reproducer">Standalone reproducer: <a href="%s">%s</a></p>' % (_e(reproducer), _e(reproducer)))
    out.append("</article>")
    return "\n".join(out)


def page(matrix: Matrix, reproducers: Optional[Dict] = None, title: str = "ipc-spec conformance matrix") -> str:
    """The whole page."""
    reproducers = reproducers or {}
    divergent = set(matrix.divergent())
    details: List[str] = []
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', "<title>%s</title>" % _e(title),
           "<style>%s</style></head><body>" % STYLE, "<h1>%s</h1>" % _e(title),
           "<p>Merged from %d reports on %s. Click a coloured cell to see why.</p>" % (
               len(matrix.sources), time.strftime("%Y-%m-%d")),
           "<p>%s</p>" % _e(LEGEND),
           '<table class="matrix" id="matrix"><thead><tr><th rowspan="2">clause</th>']
    for number, column in enumerate(matrix.columns, 1):
        out.append('<th colspan="%d" title="%s">c%d<br><small>%s</small></th>' % (
            len(matrix.methods[column]), _e(column.label), number, _e(column.short)))
    out.append("</tr><tr>")
    for column in matrix.columns:
        out.extend("<th>%s</th>" % _e(m) for m in matrix.methods[column])
    out.append("</tr></thead><tbody>")
    width = 1 + sum(len(matrix.methods[c]) for c in matrix.columns)
    family = None
    for row in matrix.rows:
        if family_of(row) != family:
            family = family_of(row)
            out.append('<tr class="family"><th colspan="%d">%s</th></tr>' % (width, _e(family)))
        out.append('<tr data-clause="%s"><th class="clause" title="%s">%s</th>' % (
            _e(row), _e(matrix.clauses.get(row.split(":")[-1], "")), _e(row)))
        for column in matrix.columns:
            for method in matrix.methods[column]:
                verdicts = matrix.cell(row, column, method)
                kind = "conflict" if len(verdicts) > 1 else (verdicts[0] if verdicts else "not-run")
                text = _e(symbol(verdicts))
                if (row, column, method) in divergent:
                    ident = "d-%d" % (len(details) + 1)
                    details.append(_detail(matrix, ident, row, column, method,
                                           reproducers.get((row, column, method))))
                    text = '<a href="#%s">%s</a>' % (ident, text)
                out.append('<td class="v-%s" title="%s, %s: %s">%s</td>' % (
                    kind, _e(column.label), _e(method), _e(verdict_text(verdicts)), text))
        out.append("</tr>")
    out.append("</tbody></table>")
    out.append('<h2>Columns</h2><ol class="columns">')
    for column in matrix.columns:
        runs = matrix.runs[column]
        out.append("<li>%s: %s; %s</li>" % (_e(column.label), _e(" ".join(matrix.methods[column])), _e(
            "; ".join("kit %s, Hypothesis %s, profile %s, %s" % (r.get("kit_version"), r.get("hypothesis_version"),
                                                                 r.get("profile"), r.get("platform")) for r in runs))))
    out.append("</ol>")
    out.append('<section id="details">%s</section>' % "\n".join(details))
    out.append("</body></html>")
    return "\n".join(out)

