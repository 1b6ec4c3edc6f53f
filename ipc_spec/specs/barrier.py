"""Barrier, as documented for ``threading.Barrier`` and ``multiprocessing.Barrier``.

``Barrier(parties, action=None, timeout=None)`` lets a fixed number of processes wait for each other:

- ``wait(timeout=None)`` blocks until ``parties`` processes have called it; then all are released
  together, each returning a different index in ``range(parties)``. Released means: none returns
  before the last of them has called ``wait``. The barrier can then be used again (a new
  *generation*).
- ``action``, if given, is called by one of the processes once per generation, after all have
  arrived and before any is released.
- A ``wait`` whose timeout (its own, else the constructor's) expires puts the barrier in the broken
  state; then every pending and every later ``wait`` raises ``BrokenBarrierError``, and ``broken`` is
  True, until ``reset()``.
- ``abort()`` puts the barrier in the broken state.
- ``reset()`` returns it to the empty state: processes waiting at that moment get
  ``BrokenBarrierError``; ``broken`` is False afterwards.
- ``parties`` is the number of parties, ``n_waiting`` the number of processes waiting.

Documented reset: "the barrier can be reused any number of times" once a generation is over, so a
Barrier that is not broken and has no waiter is back in its initial state (:func:`reset`).

Not promised, so not checked: which waiter gets which index, or which one runs the action; the
order in which waiters are released.
"""

from . import bound, declare, expect, late, raised, returned

CLAUSES = declare(
    "barrier",
    release="no waiter of a full generation returns before the last one has called wait(), and "
            "every wait of a full generation returns",
    indices="the waits of a generation return a permutation of 0..parties-1",
    action="the action runs once per generation, after the last arrival and before any release",
    timeout="a wait whose timeout (its own or the constructor's) expires breaks the barrier: every "
            "waiter raises BrokenBarrierError, none before the timeout, and later waits too, until "
            "reset()",
    abort="abort() breaks the barrier: pending and later waits raise BrokenBarrierError and "
          "broken is True, until reset()",
    reset="reset() makes pending waits raise BrokenBarrierError and leaves the barrier empty, not "
          "broken, and usable",
    attributes="parties, n_waiting and broken are the same in every process",
    n_waiting="n_waiting counts the processes blocked in wait()",
)


def reset(barrier, *args, **kwargs) -> bool:
    """A Barrier is back in its initial state once its last generation is over; one that is
    broken, or has a waiter, is not reused."""
    return not barrier.broken and barrier.n_waiting == 0


def check_generations(history, obj, parties, generations, action=False):
    """Process ``p``'s ``k``-th ``wait()`` on ``obj`` belongs to generation ``k``; check each one."""
    waits = [[op for op in history.of(p) if op.obj == obj and op.call == "wait"]
             for p in range(parties)]
    for p in range(parties):
        returned(history, waits[p], "barrier.release", "every wait of a complete generation returns")
    actions = history.times("action")
    if action:
        expect(len(actions) == generations, "barrier.action",
               "the action ran %d times in %d generations, not once per generation"
               % (len(actions), generations), history)
    for g in range(generations):
        gen = [waits[p][g] for p in range(parties)]
        indices = sorted(op.result for op in gen)
        expect(indices == list(range(parties)), "barrier.indices",
               "generation %d of Barrier(%d) returned indices %s, not a permutation of 0..%d"
               % (g, parties, indices, parties - 1), history, gen)
        last_in = max(gen, key=lambda op: op.start)
        first_out = min(gen, key=lambda op: op.end)
        expect(first_out.end >= last_in.start, "barrier.release",
               "generation %d: process %d returned from wait() before process %d had called it"
               % (g, first_out.proc, last_in.proc), history, [first_out, last_in])
        if action:
            at = actions[g]
            expect(last_in.start <= at <= first_out.end, "barrier.action",
                   "generation %d: the action ran at %.1f ms, not between the last arrival (%.1f ms) "
                   "and the first release (%.1f ms)" % (
                       g, (at - history.origin) * 1e3, (last_in.start - history.origin) * 1e3,
                       (first_out.end - history.origin) * 1e3), history, gen)


def check_broken_waits(history, obj, timeout=None, prop="barrier.timeout"):
    """Every ``wait`` on ``obj`` raised BrokenBarrierError; with a ``timeout``, none before it
    expired for the earliest waiter, and none much later."""
    waits = history.select(obj, "wait")
    raised(history, waits, "BrokenBarrierError", prop, "a barrier that never fills breaks")
    if timeout is not None and waits:
        first = min(op.start for op in waits)
        last = max(op.start for op in waits)
        for op in waits:
            bound("early", op.end - first, timeout, prop,
                  "wait() raised %.4f s after the first wait began, before the %.4f s timeout"
                  % (op.end - first, timeout), history, op)
            bound("late", op.end - last, timeout + late(), prop,
                  "wait() raised %.3f s after the last wait began, more than %.3f s + %.0f s"
                  % (op.end - last, timeout, late()), history, op)


def check_state(history, obj, prop, broken=None, n_waiting=None, parties=None):
    """Every read of ``broken`` / ``n_waiting`` / ``parties`` on ``obj`` saw the given value."""
    for attr, want in (("broken", broken), ("n_waiting", n_waiting), ("parties", parties)):
        if want is None:
            continue
        for op in history.select(obj, "." + attr):
            returned(history, [op], prop, "reading %s" % attr)
            expect(op.result == want, prop, "%s.%s was %r, expected %r" % (obj, attr, op.result, want),
                   history, [op])
