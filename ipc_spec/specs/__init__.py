"""Executable specifications: each primitive's documented semantics as checks over a
:class:`~ipc_spec.history.History`.

One module per family, pure (no ``multiprocessing``): it declares its *clauses* (:func:`declare`:
one name and one sentence each, the documented promise), and its checks take a history and raise
:class:`~ipc_spec.errors.SpecViolation` naming the clause broken. These names are the kit's only
names for what it checks: the verdict table, the JSON report, the expectations file and the
self-tests all use them, and :func:`expect` refuses a clause nobody declared.
"""

from ..errors import HarnessError, violation_type

#: Seconds a blocked call may take beyond its timeout before the kit calls it late. Generous on
#: purpose: a loaded machine can delay a wake-up by a lot, and a conformance kit must never cry wolf.
#: Read when a check runs (a self-test may lower it), never copied.
LATE = 5.0

#: clause name -> the promise it states, for every declared clause.
CLAUSES = {}
#: Clauses every family has: what an implementation breaks when it cannot give an object at all.
GENERIC = {
    "construct": "the implementation builds every object of this family the properties use",
    "inherit": "those objects can be handed to a process at its start (inheritance)",
}


def declare(family, **statements):
    """Declare the clauses of ``family``: ``declare("barrier", indices="...", ...)`` registers
    ``barrier.indices`` and the rest (and ``barrier.construct``, ``barrier.inherit``); returns
    ``{short name: full name}``."""
    names = {}
    for short, statement in list(GENERIC.items()) + list(statements.items()):
        name = "%s.%s" % (family, short)
        if CLAUSES.get(name, statement) != statement:
            raise HarnessError("clause %s declared twice, differently" % name)
        CLAUSES[name] = statement
        names[short] = name
    return names


def late() -> float:
    """:data:`LATE`, as it is now (a self-test may have lowered it)."""
    return LATE


def declared(name) -> bool:
    return name in CLAUSES


def expect(condition, prop, message, history=None, ops=None):
    """Raise :class:`SpecViolation` for the clause ``prop`` unless ``condition`` holds."""
    if prop not in CLAUSES:
        raise HarnessError("clause %r is not declared (ipc_spec.specs.declare)" % (prop,))
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


#: Every timing bound checked since the plugin last cleared it (at the start of each test):
#: ``(clause, "early" or "late", measured seconds, bound seconds)``. A bound broken on some runs of
#: an example and kept on others is a timing divergence of the implementation, reported with these
#: figures (how often, by how much), not a flaky test.
TALLY = []


def bound(kind, measured, limit, prop, message, history, op):
    """Raise the violation of ``prop`` unless ``measured`` seconds keep the ``kind`` bound
    ``limit`` (``"early"``: at least ``limit``; ``"late"``: at most); recorded in :data:`TALLY`."""
    if len(TALLY) < 100000:
        TALLY.append((prop, kind, measured, limit))
    broken = measured < limit if kind == "early" else measured > limit
    if broken:
        if prop not in CLAUSES:
            raise HarnessError("clause %r is not declared (ipc_spec.specs.declare)" % (prop,))
        exc = violation_type(prop)(prop, message, history, [op])
        exc.bound = kind
        exc.limit_at = op.end - measured + limit  # the clock time the bound fell at
        raise exc


def not_before(history, op, seconds, since, prop, what):
    """``op`` ended no earlier than ``seconds`` after ``since``: a timeout is never cut short."""
    bound("early", op.end - since, seconds, prop, "%s: returned after %.4f s, before its %.4f s "
           "timeout" % (what, op.end - since, seconds), history, op)


def check_timed_out(history, ops, timeout, prop, what, result=False, error=None, since=None):
    """Every op in ``ops`` is a call whose ``timeout`` must expire: it returned ``result`` (or
    raised ``error``, a type name), not before ``timeout`` seconds after ``since`` (its own start
    if None), and not more than :data:`LATE` after."""
    for op in ops:
        if error is None:
            expect(op.ok, prop, "%s: %s raised %s: %s" % (what, op.step.describe(), op.error,
                                                          op.message), history, [op])
            expect(op.result == result and type(op.result) is type(result), prop,
                   "%s: %s returned %r, not %r" % (what, op.step.describe(), op.result, result),
                   history, [op])
        else:
            expect(op.error == error, prop, "%s: expected %s from %s, got %s" % (
                what, error, op.step.describe(), op.outcome()), history, [op])
        start = op.start if since is None else since
        not_before(history, op, timeout, start, prop, what)
        not_late(history, op, timeout, start, prop, what)


def not_late(history, op, seconds, since, prop, what):
    """``op`` ended within ``seconds`` + :data:`LATE` after ``since``."""
    bound("late", op.end - since, seconds + LATE, prop, "%s: took %.3f s, more than %.3f s + %g s"
           % (what, op.end - since, seconds, LATE), history, op)
