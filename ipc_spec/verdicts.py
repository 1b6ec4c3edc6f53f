"""Verdicts: what each property test said about each clause, under each start method.

A property test declares the clauses it checks (``authoring.checks``). When it passes, each of them
holds in that test; when it fails, the clause its failure names (a :class:`SpecViolation`'s, or the
first declared one for a deadlock or a dead worker) is broken, and the others were not all checked
(``unchecked``: the failure stopped the test). A clause checked by several tests gets the worst of
their verdicts. Rows are clauses (prefixed with the flavour, ``manager:lock.exclusion``, for
flavours other than the native one), grouped by family; columns are start methods.
"""

import json
import os
import platform
import sys
from typing import Dict, List

#: From worst to best: the verdict of a clause is the first of these that any test gave it (a
#: known divergence one test showed is xfail, even if another test did not show it: xpass).
ORDER = ("fail", "error", "xfail", "xpass", "pass", "skip", "unchecked", "not run")
SCHEMA_VERSION = 1


def failed_clauses(error, declared) -> List[List[str]]:
    """``[[clause, message], ...]``: what ``error`` (a test's exception) says was broken."""
    from .errors import SpecViolation

    found = []
    stack, seen = [error], set()
    while stack:  # the error, the ones it groups (Hypothesis's Flaky*), and what it was raised from
        exc = stack.pop(0)
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, SpecViolation):
            found.append([exc.prop, str(exc).split("\n", 1)[0]])
        stack.extend(getattr(exc, "exceptions", ()) or ())
        stack.extend((exc.__cause__, exc.__context__))
    if not found and error is not None:
        first = str(error).strip().split("\n", 1)[0]
        clause = declared[0] if declared else "unnamed"
        found.append([clause, "%s: %s" % (type(error).__name__, first)])
    return found[:1]


class Verdicts(object):
    """The records of one run: one per (property test, start method) and phase."""

    def __init__(self):
        self.records: Dict[tuple, dict] = {}

    def add(self, props: dict, outcome: str):
        key = (props["ipc_test"], props["ipc_start_method"])
        record = self.records.setdefault(key, {
            "test": props["ipc_test"], "method": props["ipc_start_method"],
            "rows": props["ipc_rows"], "known": props.get("ipc_known", []), "outcome": outcome,
            "failed": [], "program": "", "reason": ""})
        if record["outcome"] not in ("fail", "error"):  # a test that failed in any phase stays failed
            record["outcome"] = outcome
        for clause, message in props.get("ipc_failed", ()):
            row = props.get("ipc_flavour_prefix", "") + clause
            record["failed"].append([row, message])
        record["program"] = props.get("ipc_program", record["program"])
        record["reason"] = props.get("ipc_reason", record["reason"])

    def table(self, methods) -> Dict[str, Dict[str, str]]:
        rows: Dict[str, Dict[str, str]] = {}

        def give(row, method, verdict):
            cell = rows.setdefault(row, {}).get(method, "not run")
            if ORDER.index(verdict) < ORDER.index(cell):
                rows[row][method] = verdict

        for record in self.records.values():
            method, outcome = record["method"], record["outcome"]
            broken = {row for row, _ in record["failed"]}
            for row in record["rows"]:
                if outcome == "xpass":  # a known divergence did not show: say so of its rows only
                    give(row, method, "xpass" if row in record["known"] else "pass")
                elif outcome in ("fail", "xfail"):
                    give(row, method, outcome if row in broken or not broken else "unchecked")
                else:
                    give(row, method, outcome)
            for row in broken:
                give(row, method, outcome if outcome in ("fail", "xfail", "error") else "fail")
        used = [m for m in methods if any(m in cells for cells in rows.values())]
        return {row: {m: rows[row].get(m, "not run") for m in used}
                for row in sorted(rows, key=lambda r: (r.split(":")[-1].split(".")[0], r))}

    def failures(self):
        out = []
        for record in self.records.values():
            for row, message in record["failed"]:
                out.append({"clause": row, "method": record["method"], "test": record["test"],
                            "verdict": record["outcome"], "message": message,
                            "program": record["program"]})
        return sorted(out, key=lambda f: (f["clause"], f["method"]))


def report(kit) -> dict:
    """The JSON report of a run (``--ipc-report``)."""
    from .specs import CLAUSES

    table = kit.verdicts.table(kit.methods)
    methods = sorted({m for cells in table.values() for m in cells}, key=kit.methods.index)
    return {
        "schema": SCHEMA_VERSION,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sys_platform": sys.platform,
        "impl": kit.impl.spec,
        "impl_version": kit.impl.version,
        "start_methods": methods,
        "verdicts": table,
        "clauses": {row: CLAUSES.get(row.split(":")[-1], "") for row in table},
        "failures": kit.verdicts.failures(),
    }


SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.schema.json")


def validate_report(data):
    """Raise ``jsonschema.ValidationError`` unless ``data`` is a report of the current schema."""
    import jsonschema

    with open(SCHEMA_PATH) as f:
        jsonschema.validate(data, json.load(f))


def write_summary(terminalreporter, kit):
    data = report(kit)
    table, methods = data["verdicts"], data["start_methods"]
    if not table:
        return
    width = max(len(row) for row in table)
    terminalreporter.section("ipc-spec conformance: %s (%s)" % (kit.impl.spec, kit.impl.version))
    terminalreporter.write_line("%-*s  %s" % (width, "clause", "  ".join("%-10s" % m for m in methods)))
    family = None
    for row, cells in table.items():
        this = row.split(":")[-1].split(".")[0]
        if family is not None and this != family:
            terminalreporter.write_line("")
        family = this
        terminalreporter.write_line("%-*s  %s" % (width, row, "  ".join("%-10s" % cells[m] for m in methods)))
    counts: Dict[str, int] = {}
    for cells in table.values():
        for verdict in cells.values():
            counts[verdict] = counts.get(verdict, 0) + 1
    terminalreporter.write_line(", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())))
    if data["failures"]:
        terminalreporter.write_line("broken clauses (xfail: a known divergence):")
        for failure in data["failures"]:
            terminalreporter.write_line("  %s [%s, %s]: %s" % (
                failure["clause"], failure["method"], failure["verdict"], failure["message"][:300]))
    if kit.report_path:
        with open(kit.report_path, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
        terminalreporter.write_line("verdicts written to %s" % kit.report_path)
