"""Executable specifications: each primitive's documented semantics as checks over a
:class:`~ipc_spec.history.History`.

One module per primitive, pure (no ``multiprocessing``): a check takes a history and raises
:class:`~ipc_spec.errors.SpecViolation` naming the property it breaks.
"""

from ..errors import SpecViolation, violation_type

#: Seconds a blocked call may take beyond its timeout before the kit calls it late. Generous on
#: purpose: a loaded machine can delay a wake-up by a lot, and a conformance kit must never cry wolf.
LATE = 5.0


def expect(condition, prop, message, history=None, ops=None):
    """Raise :class:`SpecViolation` for ``prop`` unless ``condition`` holds."""
    if not condition:
        raise violation_type(prop)(prop, message, history, ops)


def returned(history, ops, prop, what):
    """Every op in ``ops`` returned (raised nothing)."""
    for op in ops:
        expect(op.ok, prop, "%s: %s raised %s: %s" % (what, op.step.describe(), op.error, op.message),
               history, [op])


def raised(history, ops, error, prop, what):
    """Every op in ``ops`` raised ``error`` (a type name)."""
    for op in ops:
        expect(op.error == error, prop, "%s: expected %s from %s, got %s" % (
            what, error, op.step.describe(), op.outcome()), history, [op])


def not_before(history, op, seconds, since, prop, what):
    """``op`` ended no earlier than ``seconds`` after ``since``: a timeout is never cut short."""
    expect(op.end - since >= seconds, prop, "%s: returned after %.4f s, before its %.4f s timeout" % (
        what, op.end - since, seconds), history, [op])


def not_late(history, op, seconds, since, prop, what):
    """``op`` ended within ``seconds`` + :data:`LATE` after ``since``."""
    expect(op.end - since <= seconds + LATE, prop, "%s: took %.3f s, more than %.3f s + %.0f s" % (
        what, op.end - since, seconds, LATE), history, [op])
