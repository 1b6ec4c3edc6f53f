"""The matrix as text: a terminal summary and Markdown (for a README or an issue)."""

import time
from typing import Dict, List, Optional

from .matrix import Column, Matrix, family_of

#: One character per verdict, for cells of several start methods side by side.
SYMBOLS = {"pass": "✓", "fail": "✗", "error": "E", "xfail": "x", "xpass": "X", "skip": "–",
           "unchecked": "?", "not run": "·"}
LEGEND = ("✓ pass · ✗ fail · x known divergence (expected failure) · X known divergence that did "
          "not show (xpass) · E error · – skipped · ? not checked (another clause of its test "
          "failed first) · · not run · a/b two runs disagree (a conflict)")


def symbol(verdicts: List[str]) -> str:
    if not verdicts:
        return SYMBOLS["not run"]
    return "/".join(SYMBOLS[v] for v in verdicts)


def verdict_text(verdicts: List[str]) -> str:
    if not verdicts:
        return "not run"
    return verdicts[0] if len(verdicts) == 1 else "conflict: " + " / ".join(verdicts)


def explanation(matrix: Matrix, row: str, column: Column, method: str) -> str:
    """What a reader is told about a divergent cell: the known divergence's reason, else the
    failure's message."""
    failure = matrix.failure(row, column, method)
    verdicts = matrix.cell(row, column, method)
    if failure is None:
        if verdicts == ["xpass"]:
            return "a known divergence that did not show in this run"
        return "no failure recorded (%s)" % verdict_text(verdicts)
    if failure.get("known"):
        return failure["known"].replace("known divergence: ", "", 1)
    return failure["message"]


def _groups(matrix: Matrix):
    """Divergent cells grouped by clause, then by what explains them: ``[(row, [(text, cells)])]``."""
    out: Dict[str, Dict[str, list]] = {}
    for row, column, method in matrix.divergent():
        text = explanation(matrix, row, column, method)
        out.setdefault(row, {}).setdefault(text, []).append((column, method))
    return [(row, list(by_text.items())) for row, by_text in out.items()]


def _where(cells) -> str:
    by_column: Dict[Column, List[str]] = {}
    for column, method in cells:
        by_column.setdefault(column, []).append(method)
    return "; ".join("%s (%s)" % (column.label, ", ".join(methods)) for column, methods in by_column.items())


def terminal(matrix: Matrix) -> str:
    """A summary a terminal shows: each column's counts, then each divergent cell."""
    lines = ["ipc-spec conformance matrix: %d reports, %d columns, %d clauses" % (
        len(matrix.sources), len(matrix.columns), len(matrix.rows))]
    for number, column in enumerate(matrix.columns, 1):
        counts = matrix.counts(column)
        lines.append("  c%-3d %-60s %s: %s" % (number, column.label, " ".join(matrix.methods[column]),
                                               ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items()))))
    groups = _groups(matrix)
    if groups:
        lines.append("divergent cells:")
    for row, by_text in groups:
        for text, cells in by_text:
            kinds = sorted({verdict_text(matrix.cell(row, c, m)) for c, m in cells})
            lines.append("  %s [%s] in %s" % (row, ", ".join(kinds), _where(cells)))
            lines.append("      %s" % text[:300])
    conflicts = [cell for cell in matrix.divergent() if len(matrix.cell(*cell)) > 1]
    if conflicts:
        lines.append("%d cells where runs disagree (conflicts)" % len(conflicts))
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(matrix: Matrix, reproducers: Optional[Dict] = None, html: Optional[str] = None,
             refused: Optional[Dict] = None) -> str:
    """The matrix as Markdown: the columns, the verdicts (one symbol per start method), and every
    divergence with its explanation, link, replay command and reproducer (``reproducers``: cell ->
    relative path of a standalone script)."""
    reproducers = reproducers or {}
    refused = refused or {}
    out = ["# ipc-spec conformance matrix", "",
           "Merged from %d reports by `python -m ipc_spec.report` on %s.%s" % (
               len(matrix.sources), time.strftime("%Y-%m-%d"),
               " The same matrix, with each failure's history drawn as a timeline: [%s](%s)." % (
                   html, html) if html else ""),
           "", LEGEND, "", "## Columns", "",
           "| | interpreter, implementation, platform | start methods (in cell order) | verdicts |",
           "|---|---|---|---|"]
    for number, column in enumerate(matrix.columns, 1):
        counts = matrix.counts(column)
        out.append("| c%d | %s | %s | %s |" % (number, _md(column.label), " ".join(matrix.methods[column]),
                                              ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items()))))
    out += ["", "## Verdicts", "",
            "| clause | %s |" % " | ".join("c%d" % n for n in range(1, len(matrix.columns) + 1)),
            "|---|" + "---|" * len(matrix.columns)]
    family = None
    for row in matrix.rows:
        if family_of(row) != family:
            family = family_of(row)
            out.append("| **%s** |%s" % (family, " |" * len(matrix.columns)))
        cells = [" ".join(symbol(matrix.cell(row, column, m)) for m in matrix.methods[column])
                 for column in matrix.columns]
        out.append("| %s | %s |" % (row, " | ".join(cells)))
    groups = _groups(matrix)
    out += ["", "## Divergences", ""]
    if not groups:
        out.append("None: every clause held wherever it ran.")
    for row, by_text in groups:
        out += ["### %s" % row, "", "*Promised:* %s" % _md(matrix.clauses.get(row.split(":")[-1], "")), ""]
        for text, cells in by_text:
            kinds = sorted({verdict_text(matrix.cell(row, c, m)) for c, m in cells})
            out.append("- **%s** in %s: %s" % (", ".join(kinds), _md(_where(cells)), _md(text)))
            failure = next((matrix.failure(row, c, m) for c, m in cells if matrix.failure(row, c, m)), None)
            if failure is not None and failure.get("known") and failure["message"]:
                out.append("  - seen: %s" % _md(failure["message"][:400]))
            if failure is not None and failure.get("timing"):
                out.append("  - timing: %s" % _md(timing_text(failure["timing"])))
            script = next((reproducers[(row, c, m)] for c, m in cells if (row, c, m) in reproducers), None)
            if script:
                out.append("  - reproducer: [%s](%s) (`python %s`; exits 1 when the divergence shows)"
                           % (script, script, script.rsplit("/", 1)[-1]))
            else:
                why = next((refused[(row, c, m)] for c, m in cells if (row, c, m) in refused), None)
                if why:
                    out.append("  - no generated reproducer: %s" % _md(why[:300]))
            if failure is not None and failure.get("replay"):
                out.append("  - replay: `%s`" % failure["replay"].split(" (with the blob")[0])
        out.append("")
    return "\n".join(out) + "\n"


def timing_text(timing) -> str:
    by = timing.get("by_ms")
    return "the %s bound was checked %d times and broken %d times%s" % (
        timing["bound"], timing["checked"], timing["broken"],
        " (by %.3f ms at least, %.3f ms median, %.3f ms at most)" % (by["min"], by["median"], by["max"])
        if by else "")
