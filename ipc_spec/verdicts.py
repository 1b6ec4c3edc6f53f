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
import re
import sys
import time
from typing import Any, Dict, List, Optional

from . import evidence

#: From worst to best: the verdict of a clause is the first of these that any test gave it (a
#: known divergence one test showed is xfail, even if another test did not show it: xpass).
ORDER = ("fail", "error", "xfail", "xpass", "pass", "skip", "unchecked", "not run")
SCHEMA_VERSION = 2


def failed_clauses(error, declared) -> List[List[str]]:
    """``[[clause, message], ...]``: what ``error`` (a test's exception) says was broken."""
    from .errors import SpecViolation

    found = [[exc.prop, str(exc).split("\n", 1)[0]] for exc in _chain(error)
             if isinstance(exc, SpecViolation)]
    if not found and error is not None:
        first = str(error).strip().split("\n", 1)[0]
        clause = declared[0] if declared else "unnamed"
        found.append([clause, "%s: %s" % (type(error).__name__, first)])
    return found[:1]


def _chain(error):
    """``error``, the exceptions it groups (Hypothesis's Flaky*), and what it was raised from."""
    stack, seen = [error], set()
    while stack:
        exc = stack.pop(0)
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        stack.extend(getattr(exc, "exceptions", ()) or ())
        stack.extend((exc.__cause__, exc.__context__))


def _first(error, kind):
    return next((exc for exc in _chain(error) if isinstance(exc, kind)), None)


def timing_divergence(error, tally):
    """For a failure Hypothesis calls flaky (it did not fail again on a replay of the same example)
    whose violation is a broken timing bound: the violation of that clause, saying it is a timing
    divergence of the implementation with the figures of the test's :data:`~ipc_spec.specs.TALLY`
    (how often the bound was checked and broken, and by how much). None for any other error."""
    from hypothesis.errors import Flaky

    from .errors import SpecViolation, violation_type

    if not isinstance(error, Flaky):
        return None
    violation = _first(error, SpecViolation)
    kind = getattr(violation, "bound", None)
    if kind is None:
        return None
    figures = evidence.timing_summary(tally, violation.prop, kind) or {
        "bound": kind, "checked": 1, "broken": 1, "by_ms": None}
    by = figures["by_ms"]
    text = ("timing divergence of the implementation, not a flaky test: the %s was broken "
            "on some runs of the same example and kept on others; this test checked it %d times "
            "and it was broken %d times%s. First seen: %s" % (
                "lower bound (a timeout cut short)" if kind == "early" else "upper bound (a call late)",
                figures["checked"], figures["broken"],
                ", by %.3f ms at least, %.3f ms median, %.3f ms at most" % (
                    by["min"], by["median"], by["max"]) if by else "",
                str(violation).split("\n", 1)[0].split(": ", 1)[-1]))
    divergence = type("TimingDivergence[%s]" % violation.prop, (violation_type(violation.prop),), {})(
        violation.prop, text, violation.history, violation.ops)
    divergence.bound = kind
    divergence.limit_at = getattr(violation, "limit_at", None)
    divergence.timing = figures
    divergence.__notes__ = list(getattr(error, "__notes__", ()) or ())
    divergence.__cause__ = error
    return divergence


_BLOB = re.compile(r"@reproduce_failure\((['\"])[^'\"]+\1, b(['\"])[^'\"]+\2\)")


def _blob(error, report) -> Optional[str]:
    """Hypothesis's ``@reproduce_failure(...)`` decorator for this failure, if it printed one."""
    texts = [note for exc in _chain(error) for note in (getattr(exc, "__notes__", ()) or ())]
    texts.append(getattr(report, "longreprtext", "") or "")
    for text in texts:
        found = _BLOB.search(text)
        if found:
            return found.group(0)
    return None


def failure_detail(error, example: Dict[str, Any], report, replay: str, tally=(),
                   known: Optional[str] = None) -> Dict[str, Any]:
    """What the report keeps of one failing (or xfailing) test: the minimal example's scenario and
    history (the violation's own, with the operations it names; a deadlock's, with the steps still
    blocked and the deadline; else the last example's), Hypothesis's blob, the replay command, the
    timing figures of a timing divergence, and the known divergence's reason for an xfail."""
    from .errors import Deadlock, SpecViolation

    history = example.get("history")
    violation = _first(error, SpecViolation)
    if getattr(violation, "lack", False):  # the examples that needed the feature never ran
        example, history = {}, None
    deadlock = _first(error, Deadlock)
    if violation is not None and violation.history is not None:
        bounds = [(violation.ops[0], violation.bound, violation.limit_at)] if (
            getattr(violation, "limit_at", None) is not None and violation.ops) else []
        history = evidence.history_data(violation.history, violation.ops or (), bounds=bounds)
    elif deadlock is not None and getattr(deadlock, "history", None) is not None:
        history = evidence.history_data(deadlock.history, (), deadlock.blocked, deadlock.deadline)
    blob = _blob(error, report)
    if not hasattr(report, "wasxfail"):
        known = None  # a violation of a clause not known, in a test with known ones, fails
    elif not known:
        known = report.wasxfail or None  # a failure that names no known clause (a deadlock, flaky)
    timing = getattr(violation, "timing", None)
    if timing is None and getattr(violation, "bound", None):
        timing = evidence.timing_summary(list(tally), violation.prop, violation.bound)
    if known:
        replay += " --ipc-strict"  # a known divergence fails instead of being expected
    return {"scenario": example.get("scenario"), "history": history, "blob": blob,
            "replay": replay + (" (with the blob: add %s above the test)" % blob if blob else ""),
            "timing": timing, "known": known}


def _generic_verdict(row, outcome, broken) -> str:
    """The verdict a test gives a generic clause of its families (``<family>.construct``,
    ``.inherit``) that it did not break: a test that passed built the family's objects and handed
    them to processes; one that broke another clause of the family ran operations on them, so it
    did too; one that broke ``<family>.inherit`` had built them. Else it cannot tell."""
    if outcome in ("pass", "xpass", "skip"):
        return "pass" if outcome == "xpass" else outcome
    family, _, generic = row.rpartition(".")
    mine = [b for b in broken if b.rpartition(".")[0] == family]
    if any(b.rpartition(".")[2] not in ("construct", "inherit") for b in mine):
        return "pass"
    if generic == "construct" and family + ".inherit" in mine:
        return "pass"
    return "unchecked"


class Verdicts(object):
    """The records of one run: one per (property test, start method) and phase."""

    def __init__(self):
        self.records: Dict[tuple, dict] = {}

    def add(self, props: dict, outcome: str):
        key = (props["ipc_test"], props["ipc_start_method"])
        record = self.records.setdefault(key, {
            "test": props["ipc_test"], "method": props["ipc_start_method"],
            "rows": props["ipc_rows"], "known": props.get("ipc_known", []), "outcome": outcome,
            "promises": props.get("ipc_promises", {}), "generic": props.get("ipc_generic_rows", []),
            "failed": [], "program": "", "reason": "", "detail": None})
        if record["outcome"] not in ("fail", "error"):  # a test that failed in any phase stays failed
            record["outcome"] = outcome
        for clause, message in props.get("ipc_failed", ()):
            row = props.get("ipc_flavour_prefix", "") + clause
            record["failed"].append([row, message])
        record["program"] = props.get("ipc_program", record["program"])
        record["detail"] = props.get("ipc_detail", record["detail"])
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
            for row in record["generic"]:
                if row not in broken:
                    give(row, method, _generic_verdict(row, outcome, broken))
        used = [m for m in methods if any(m in cells for cells in rows.values())]
        return {row: {m: rows[row].get(m, "not run") for m in used}
                for row in sorted(rows, key=lambda r: (r.split(":")[-1].split(".")[0], r))}

    def failures(self):
        out = []
        for record in self.records.values():
            detail = record["detail"] or {}
            for row, message in record["failed"]:
                out.append({"clause": row, "method": record["method"], "test": record["test"],
                            "verdict": record["outcome"], "message": message,
                            "program": record["program"],
                            "scenario": detail.get("scenario"), "history": detail.get("history"),
                            "blob": detail.get("blob"), "replay": detail.get("replay", ""),
                            "timing": detail.get("timing"), "known": detail.get("known")})
        return sorted(out, key=lambda f: (f["clause"], f["method"]))


def report(kit) -> dict:
    """The JSON report of a run (``--ipc-report``)."""
    from .specs import CLAUSES

    table = kit.verdicts.table(kit.methods)
    promises = {row: text for record in kit.verdicts.records.values()
                for row, text in record["promises"].items()}
    methods = sorted({m for cells in table.values() for m in cells}, key=kit.methods.index)
    return {
        "schema": SCHEMA_VERSION,
        "run": identity(kit, methods),
        "verdicts": table,
        "clauses": {row: promises.get(row) or CLAUSES.get(row.split(":")[-1], "") for row in table},
        "failures": kit.verdicts.failures(),
    }


def identity(kit, methods) -> Dict[str, Any]:
    """Who ran what where: the interpreter, the implementation, the platform, the kit, Hypothesis."""
    import hypothesis

    from . import __version__

    config = kit.config
    seed = config.getoption("hypothesis_seed", None)
    profile = config.getoption("hypothesis_profile", None) or "dev"
    return {
        "interpreter": platform.python_implementation(),
        "python": platform.python_version(),
        "impl": kit.impl.spec,
        "impl_version": kit.impl.version,
        "platform": platform.platform(),
        "sys_platform": sys.platform,
        "machine": platform.machine(),
        "start_methods": methods,
        "kit_version": __version__,
        "hypothesis_version": hypothesis.__version__,
        "profile": profile,
        "seed": None if seed is None else str(seed),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.schema.json")


_VALIDATOR = []


def validate_report(data):
    """Raise ``jsonschema.ValidationError`` unless ``data`` is a report of the current schema (the
    validator is built once: merging many reports checks each)."""
    if not _VALIDATOR:
        import jsonschema

        with open(SCHEMA_PATH) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATOR.append(cls(schema))
    from jsonschema.exceptions import best_match

    error = best_match(_VALIDATOR[0].iter_errors(data))  # what jsonschema.validate would raise
    if error is not None:
        raise error


def write_summary(terminalreporter, kit):
    data = report(kit)
    table, methods = data["verdicts"], data["run"]["start_methods"]
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
        folder = os.path.dirname(os.path.abspath(kit.report_path))
        os.makedirs(folder, exist_ok=True)
        with open(kit.report_path, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
        terminalreporter.write_line("verdicts written to %s" % kit.report_path)
