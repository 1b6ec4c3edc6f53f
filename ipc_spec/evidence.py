"""What a failing example leaves for the report: its scenario and its history as plain data.

Pure: no ``multiprocessing``, no pytest (``_child`` and ``objects``, for ``Ref`` and ``Cells``,
import neither). The report (``--ipc-report``, schema in
``report.schema.json``) carries, for each failure, the scenario (objects and programs, every value
written as Python source, so that ``python -m ipc_spec.report --reproducer`` can turn it into a
standalone script) and the history (each process's operations with their start and end times in
milliseconds from the example's start, their outcomes, the steps still blocked at the deadline, and
the marks such as a planned death).
"""

from typing import Any, Dict, List, Optional, Sequence

from ._child import Ref
from .history import History, Op
from .objects import Cells


def pysource(value: Any) -> str:
    """``value`` as Python source a reproducer can paste: plain data as ``repr``; a
    :class:`~ipc_spec._child.Ref` as ``Ref('name')``; a module-level function as
    ``Function('module:name')``; anything else as its ``repr`` (marked ``Unknown(...)``)."""
    if isinstance(value, (str, bytes)) and len(value) > 200:
        return _runs(value)
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return repr(value)
    if type(value) in (list, tuple):
        inner = ", ".join(pysource(v) for v in value)
        if type(value) is tuple:
            return "(%s%s)" % (inner, "," if len(value) == 1 else "")
        return "[%s]" % inner
    if type(value) is dict:
        return "{%s}" % ", ".join("%s: %s" % (pysource(k), pysource(v)) for k, v in value.items())
    if type(value) is slice:
        return "slice(%s, %s, %s)" % (pysource(value.start), pysource(value.stop), pysource(value.step))
    if isinstance(value, Ref):
        return "Ref(%r)" % value.name
    module, name = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if callable(value) and module and name and "<" not in name:
        return "Function(%r)" % ("%s:%s" % (module, name))
    return "Unknown(%r)" % repr(value)


def _runs(value) -> str:
    """A long ``str`` or ``bytes`` as a sum of runs (``b'0:' + b'x' * 300000``): payloads that
    fill a pipe buffer are repetitive, and their source stays short."""
    parts, i = [], 0  # [literal, repeats]: the literal once, or one item repeated
    while i < len(value):
        j = i
        while j < len(value) and value[j] == value[i]:
            j += 1
        if j - i >= 8:
            parts.append([value[i:i + 1], j - i])
        elif parts and parts[-1][1] == 1 and len(parts[-1][0]) < 60:
            parts[-1][0] += value[i:j]
        else:
            parts.append([value[i:j], 1])
        i = j
    return " + ".join(repr(text) if n == 1 else "%r * %d" % (text, n) for text, n in parts)


def make_data(make) -> Dict[str, Any]:
    """One scenario object: a :class:`~ipc_spec.objects.Make` (``factory`` is a context attribute,
    or ``module:name`` of a factory function) or kit :class:`~ipc_spec.objects.Cells`."""
    if isinstance(make, Cells):
        return {"cells": make.count}
    factory = make.factory
    if callable(factory):
        factory = "%s:%s" % (factory.__module__, factory.__qualname__)
    return {"factory": factory, "args": pysource(tuple(make.args)), "kwargs": pysource(dict(make.kwargs)),
            "text": repr(make)}


def step_data(step) -> Dict[str, Any]:
    return {"obj": step.obj, "call": step.call, "args": pysource(tuple(step.args)),
            "kwargs": pysource(dict(step.kwargs)), "pause": step.pause, "text": step.describe()}


def scenario(objects: Dict[str, Any], phases: Sequence[Any]) -> Dict[str, Any]:
    """The example as run: its objects and, per phase, each process's program."""
    return {"objects": {name: make_data(make) for name, make in objects.items()},
            "phases": [dict({"fresh": bool(phase[0]), "programs": [[step_data(s) for s in program]
                                                                    for program in phase[1]]},
                            **({"faults": [fault_data(f) for f in phase[2]]}
                               if len(phase) > 2 and phase[2] else {}))
                       for phase in phases]}


def fault_data(fault) -> Dict[str, Any]:
    """One :class:`~ipc_spec.history.Fault` of a phase."""
    return {"proc": fault.proc, "step": fault.step, "signal": fault.signal, "when": fault.when,
            "delay": fault.delay, "text": fault.describe()}


def _ms(t: float, origin: float) -> float:
    return round((t - origin) * 1e3, 3)


def op_data(op: Op, origin: float, named: bool) -> Dict[str, Any]:
    return {"proc": op.proc, "index": op.index, "call": op.step.describe(),
            "start_ms": _ms(op.start, origin), "end_ms": _ms(op.end, origin),
            "outcome": op.outcome(), "error": op.error, "named": named}


def history_data(history: Optional[History], named: Sequence[Op] = (), blocked=(),
                 deadline: Optional[float] = None, bounds=()) -> Optional[Dict[str, Any]]:
    """``history`` as data; ``named`` are the operations the broken clause names (highlighted);
    ``blocked`` the ``(proc, step index, step text)`` still running at ``deadline`` (a clock time);
    ``bounds`` the timing bounds broken, ``(op, "early" or "late", clock time of the bound)``."""
    if history is None:
        return None
    origin = history.origin
    named_ids = {(o.proc, o.index, o.start) for o in named}
    procs = max([history.procs] + [b[0] + 1 for b in blocked])
    return {
        "procs": procs,
        "ops": [op_data(o, origin, (o.proc, o.index, o.start) in named_ids)
                for o in sorted(history.ops, key=lambda o: (o.proc, o.start))],
        "marks": [{"proc": m.proc, "label": m.label, "at_ms": _ms(m.time, origin)}
                  for m in history.marks],
        "blocked": [{"proc": p, "index": i, "call": text} for p, i, text in blocked],
        "deadline_ms": None if deadline is None else _ms(deadline, origin),
        "bounds": [{"proc": op.proc, "index": op.index, "kind": kind, "at_ms": _ms(at, origin)}
                   for op, kind, at in bounds],
    }


def timing_summary(tally: List[tuple], prop: str, kind: str) -> Optional[Dict[str, Any]]:
    """How often the ``kind`` bound (``"early"``: a timeout cut short; ``"late"``: more than
    ``LATE`` past it) of clause ``prop`` was checked and broken in one test, and by how much (ms)."""
    seen = [(measured, bound) for p, k, measured, bound in tally if p == prop and k == kind]
    if not seen:
        return None
    misses = sorted(abs(measured - bound) * 1e3 for measured, bound in seen
                    if (measured < bound if kind == "early" else measured > bound))
    return {"bound": kind, "checked": len(seen), "broken": len(misses),
            "by_ms": {"min": round(misses[0], 3), "median": round(misses[len(misses) // 2], 3),
                      "max": round(misses[-1], 3)} if misses else None}
