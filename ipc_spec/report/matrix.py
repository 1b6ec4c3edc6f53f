"""Reports of several runs merged into one matrix.

A *report* is what one run writes with ``--ipc-report`` (schema: ``ipc_spec/report.schema.json``;
versions 1 and 2 are read). The *matrix* has one row per clause (``[flavour:]family.clause``), grouped
by family, and one column per (interpreter and version, implementation and version, platform), with
a sub-column per start method. Several reports of the same column (tox envs of one interpreter run
one after another, or the same run twice) fill it together; when two of them give one cell
different verdicts, the cell is a *conflict* and shows every verdict, never one of them.
"""

import json
import os
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ..verdicts import ORDER, SCHEMA_VERSION, validate_report

#: Verdicts a cell shows when they disagree, and what a reader must look at.
DIVERGENT = ("fail", "error", "xfail", "xpass")


class ReportError(Exception):
    """A path that is not a readable report (the message names it and says why)."""


def _v1_to_v2(data: Dict[str, Any]) -> Dict[str, Any]:
    """A schema 1 report (run identity at the top level, failures without evidence) as schema 2."""
    run = {key: data.get(key, "") for key in ("python", "impl", "impl_version", "platform",
                                              "sys_platform")}
    run.update(interpreter=data.get("implementation", ""), machine="", kit_version="",
               hypothesis_version="", profile="", seed=None, finished="",
               start_methods=data.get("start_methods", []))
    failures = [dict(f, scenario=None, history=None, blob=None, replay="", timing=None, known=None)
                for f in data.get("failures", [])]
    return {"schema": 2, "run": run, "verdicts": data.get("verdicts", {}),
            "clauses": data.get("clauses", {}), "failures": failures}


def load(path: str, validate: bool = True) -> Dict[str, Any]:
    """The report at ``path``, as schema 2; :class:`ReportError` if it is not one."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as exc:
        raise ReportError("%s: cannot read it (%s)" % (path, exc.strerror or exc)) from None
    except ValueError as exc:
        raise ReportError("%s: not JSON (%s)" % (path, exc)) from None
    if not isinstance(data, dict) or data.get("schema") not in (1, SCHEMA_VERSION):
        raise ReportError("%s: not an ipc-spec report (no \"schema\": 1 or %d; write one with "
                          "--ipc-report)" % (path, SCHEMA_VERSION))
    if data["schema"] == 1:
        data = _v1_to_v2(data)
    elif validate:
        try:
            validate_report(data)
        except Exception as exc:  # jsonschema.ValidationError: say where, in one line
            where = "/".join(str(p) for p in getattr(exc, "absolute_path", ())) or "(top)"
            raise ReportError("%s: does not follow the report schema at %s: %s" % (
                path, where, getattr(exc, "message", exc))) from None
    return data


def report_paths(paths) -> List[str]:
    """``paths``, with each directory replaced by the ``*.json`` files in it (sorted)."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            found.extend(sorted(os.path.join(path, name) for name in os.listdir(path)
                                if name.endswith(".json")))
        else:
            found.append(path)
    if not found:
        raise ReportError("no reports in %s" % ", ".join(paths))
    return found


class Column(NamedTuple):
    """One (interpreter, implementation, platform) of the matrix."""

    interpreter: str
    python: str
    impl: str
    impl_version: str
    platform: str

    @property
    def label(self) -> str:
        impl = self.impl
        if self.impl_version and not self.impl_version.startswith("stdlib"):
            impl += " " + self.impl_version
        return "%s %s, %s, %s" % (self.interpreter, self.python, impl, self.platform)

    @property
    def short(self) -> str:
        impl = self.impl.split(".")[0].split(":")[0]
        return "%s %s %s" % ({"CPython": "cp", "PyPy": "pypy"}.get(self.interpreter, self.interpreter),
                             ".".join(self.python.split(".")[:2]), impl)


def column_of(run: Dict[str, Any]) -> Column:
    where = " ".join(p for p in (run.get("sys_platform", ""), run.get("machine", "")) if p)
    return Column(run.get("interpreter", ""), run.get("python", ""), run.get("impl", ""),
                  run.get("impl_version", ""), where)


def family_of(row: str) -> str:
    return row.split(":")[-1].split(".")[0]


class Matrix(object):
    """Reports merged: ``cell(row, column, method)`` is the list of distinct verdicts given."""

    def __init__(self):
        self.columns: List[Column] = []
        self.methods: Dict[Column, List[str]] = {}
        self.runs: Dict[Column, List[Dict[str, Any]]] = {}
        self.verdicts: Dict[Tuple[str, Column, str], List[str]] = {}
        self.failures: Dict[Tuple[str, Column, str], List[Dict[str, Any]]] = {}
        self.clauses: Dict[str, str] = {}
        self.sources: List[str] = []

    def add(self, data: Dict[str, Any], source: str = ""):
        column = column_of(data["run"])
        if column not in self.methods:
            self.columns.append(column)
            self.methods[column] = []
            self.runs[column] = []
        self.runs[column].append(dict(data["run"], source=source))
        methods = self.methods[column]
        for method in data["run"].get("start_methods", []):
            if method not in methods:
                methods.append(method)
        for row, cells in data["verdicts"].items():
            for method, verdict in cells.items():
                if method not in methods:
                    methods.append(method)
                if verdict == "not run":
                    continue
                seen = self.verdicts.setdefault((row, column, method), [])
                if verdict not in seen:
                    seen.append(verdict)
                    seen.sort(key=ORDER.index)
        for failure in data["failures"]:
            key = (failure["clause"], column, failure["method"])
            self.failures.setdefault(key, []).append(dict(failure, source=source))
        self.clauses.update(data.get("clauses", {}))
        self.sources.append(source)

    def order(self):
        """Columns in a reading order: CPython first, by version, the standard library first."""
        def key(column):
            version = tuple(int(p) if p.isdigit() else 0 for p in column.python.split("."))
            return (column.interpreter != "CPython", column.interpreter, version,
                    column.impl != "multiprocessing", column.impl, column.platform)
        self.columns.sort(key=key)

    @property
    def rows(self) -> List[str]:
        rows = {row for row, _, _ in self.verdicts}
        return sorted(rows, key=lambda r: (family_of(r), r))

    def cell(self, row: str, column: Column, method: str) -> List[str]:
        """The verdicts the reports gave this cell, worst first; ``[]``: not run."""
        return self.verdicts.get((row, column, method), [])

    def divergent(self) -> List[Tuple[str, Column, str]]:
        """The cells a reader must look at: any verdict but pass, skip and unchecked, or a conflict."""
        found = []
        for row in self.rows:
            for column in self.columns:
                for method in self.methods[column]:
                    verdicts = self.cell(row, column, method)
                    if len(verdicts) > 1 or any(v in DIVERGENT for v in verdicts):
                        found.append((row, column, method))
        return found

    def counts(self, column: Column) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for row in self.rows:
            for method in self.methods[column]:
                verdicts = self.cell(row, column, method)
                name = "conflict" if len(verdicts) > 1 else (verdicts[0] if verdicts else "not run")
                out[name] = out.get(name, 0) + 1
        return out

    def failure(self, row: str, column: Column, method: str) -> Optional[Dict[str, Any]]:
        """The first failure recorded for the cell (its evidence), or None."""
        found = self.failures.get((row, column, method))
        return found[0] if found else None


def merge(paths, validate: bool = True) -> Matrix:
    """The matrix of the reports at ``paths`` (files, or directories of ``*.json``)."""
    matrix = Matrix()
    for path in report_paths(paths):
        matrix.add(load(path, validate), path)
    matrix.order()
    return matrix
