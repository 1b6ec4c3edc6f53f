"""One namespace of clause names: every declared clause is caught by some broken implementation in
the self-tests, and every clause a self-test expects is declared."""

import importlib
import os
import pkgutil

import ipc_spec.specs
from ipc_spec.specs import CLAUSES
from tests.selfcheck import DEADLOCK

HERE = os.path.dirname(os.path.abspath(__file__))


def _spec_modules():
    for info in pkgutil.iter_modules(ipc_spec.specs.__path__):
        importlib.import_module("ipc_spec.specs." + info.name)


def expected_clauses():
    """clause -> the self-test modules whose cases (their tables ``CASES``, ``LATE_CASES``, ...)
    expect it (alone, or among alternatives)."""
    found = {}
    for name in sorted(os.listdir(HERE)):
        if not name.startswith("test_selftest_") or not name.endswith(".py"):
            continue
        module = importlib.import_module("tests." + name[:-3])
        tables = [getattr(module, attr) for attr in dir(module) if attr.endswith("CASES")]
        for case in [case for table in tables for case in table]:
            expected = case[2] if isinstance(case[2], tuple) else (case[2],)
            for clause in expected:
                if clause != DEADLOCK:
                    found.setdefault(clause, set()).add(name)
    return found


def test_every_declared_clause_is_caught_by_a_broken_implementation():
    _spec_modules()
    caught = expected_clauses()
    # The generic clauses of a family are caught for the families in test_selftest_lacking.py;
    # they are declared for every family by the same code, and raised by the harness alike.
    generic = {c for c in CLAUSES if c.rsplit(".", 1)[1] in ipc_spec.specs.GENERIC}
    missing = sorted(set(CLAUSES) - set(caught) - generic)
    assert not missing, "declared but never shown to catch a violation: %s" % ", ".join(missing)
    assert {c for c in generic if c in caught}, "no generic clause is caught"


def test_every_expected_clause_is_declared():
    _spec_modules()
    undeclared = sorted(set(expected_clauses()) - set(CLAUSES))
    assert not undeclared, "self-tests expect undeclared clauses: %s" % ", ".join(undeclared)
