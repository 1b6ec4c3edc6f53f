"""Event, as documented for ``threading.Event``; ``multiprocessing.Event`` is documented as its clone.

An Event manages a flag shared by every process that holds it:

- The flag is initially false.
- ``is_set()`` returns True if and only if the flag is true.
- ``set()`` makes the flag true. Every process waiting for it to become true is awakened; a process
  that calls ``wait()`` once the flag is true does not block at all.
- ``clear()`` makes the flag false; afterwards ``wait()`` blocks until ``set()`` is called again.
- ``wait(timeout=None)`` blocks as long as the flag is false and the timeout, if one is given, has
  not expired. It returns True when it returns because the flag is true, and False only when a
  timeout was given and the flag did not become true within it (before Python 3.1 / 2.7 it always
  returned None).

What the kit checks, in real time across processes (``a.end < b.start``: *a* was over before *b*
began):

- ``event.wakes_all``: when processes wait (with no timeout, or one too long to expire) and another
  sets the event, ``set()`` returns and every wait returns True.
- ``event.wait_blocks``: in that same scenario, no wait returns before the ``set()`` has begun
  (with short timeouts, the same rule is part of ``event.timeout``).
- ``event.timeout``: a wait with a timeout returns True or False (it raises nothing); True only once
  a ``set()`` has begun; False never before the timeout has elapsed, nor after a ``set()`` that was
  over before the wait began; and the wait returns within the timeout plus
  :data:`~ipc_spec.specs.LATE`, whatever its result. A ``set()`` racing with the waits returns.
- ``event.already_set``: after a ``set()`` (in an earlier phase), every wait, in every process,
  returns True at once (within :data:`~ipc_spec.specs.LATE`), with or without a timeout.
- ``event.is_set``: ``is_set()`` is False in every process before any ``set()``, and True in every
  process after one (in an earlier phase, with no ``clear()`` since).
- ``event.clear``: after a ``clear()`` (in an earlier phase, with no ``set()`` since), ``is_set()``
  is False in every process and ``wait(timeout)`` returns False (its timing is checked as
  ``event.timeout``).

Documented reset: ``clear()`` resets the flag to false, the Event's only state (:func:`reset`).
Sequentially, an Event is :class:`Event` (the linearizability checker's model).

Not promised, so not checked: whether a wait that is woken by ``set()`` still returns True when the
event is cleared before it wakes up. ``threading.Event.wait`` returns True there; the CPython
implementation of ``multiprocessing.Event.wait`` returns the flag as it finds it on waking, so it may
return False (its own documentation once said it returns the state of the internal semaphore on
exit). The kit never clears an event while a wait on it is pending. Nor is the time ``set()`` takes
checked (CPython's waits for every woken waiter to wake up).
"""

from ..errors import HarnessError
from ..models import Model
from . import check_timed_out, declare, expect, not_before, not_late

CLAUSES = declare(
    "event",
    wakes_all="when processes wait and another sets the event, set() returns and every wait "
              "returns True",
    wait_blocks="a wait (with no timeout, or one too long to expire) does not return before a "
                "set() has begun",
    timeout="a wait with a timeout returns True only once a set() has begun, False only once its "
            "timeout has elapsed and if no set() was over before it began, and either within the "
            "timeout plus LATE",
    already_set="once the event is set, every wait in every process returns True at once, with "
                "or without a timeout",
    is_set="is_set() is False in every process before any set(), and True in every process after "
           "one",
    clear="after clear(), is_set() is False in every process and wait(timeout) returns False",
)


def reset(event, *args, **kwargs) -> bool:
    """``clear()`` resets an Event's flag to false, its only state: an Event that is not set after
    it is back in its initial state."""
    event.clear()
    return not event.is_set()


def timeout_of(op):
    """The ``timeout`` a ``wait`` step passed (None if none)."""
    if op.step.args:
        return op.step.args[0]
    return op.step.kwargs.get("timeout")


def _sets(history, obj, prop):
    """The ``set()`` calls on ``obj``, by start time; each must have returned."""
    sets = history.select(obj, "set")
    for op in sets:
        expect(op.ok, prop, "%s %s" % (op.step.describe(), op.outcome()), history, [op])
    return sets


def check_wakes_all(history, obj, prop_wakes="event.wakes_all", prop_blocks="event.wait_blocks"):
    """Every ``wait`` on ``obj`` returned True, and none before the first ``set()`` began."""
    sets = _sets(history, obj, prop_wakes)
    first = sets[0] if sets else None
    for op in history.select(obj, "wait"):
        what = op.step.describe()
        expect(op.ok and op.result is True, prop_wakes,
               "%s %s, though the event was set while it waited; expected True"
               % (what, op.outcome()), history, [op] + sets)
        expect(first is not None and op.end >= first.start, prop_blocks,
               "%s returned before any set() had begun" % what, history, [op] + sets)


def check_timed_waits(history, obj, prop="event.timeout"):
    """Every ``wait(timeout)`` on ``obj`` returned True or False; True only once a ``set()`` had
    begun; False never before its timeout elapsed, nor when a ``set()`` was over before it began;
    either within the timeout plus LATE."""
    sets = _sets(history, obj, prop)
    first = sets[0] if sets else None
    for op in history.select(obj, "wait"):
        what = op.step.describe()
        timeout = timeout_of(op)
        if timeout is None:
            raise HarnessError("check_timed_waits: %s has no timeout" % what)
        expect(op.ok and (op.result is True or op.result is False), prop,
               "%s %s; expected True or False" % (what, op.outcome()), history, [op])
        if op.result is True:
            expect(first is not None and op.end >= first.start, prop,
                   "%s returned True, but no set() had begun" % what, history, [op] + sets)
        else:
            not_before(history, op, timeout, op.start, prop, what + " returned False")
            done = [s for s in sets if s.end < op.start]
            expect(not done, prop, "%s returned False, though a set() was over before it began"
                   % what, history, [op] + done)
        not_late(history, op, timeout, op.start, prop, what)


def check_already_set(history, obj, prop="event.already_set"):
    """Every ``wait`` on ``obj`` (the event was set in an earlier phase) returned True at once."""
    for op in history.select(obj, "wait"):
        what = op.step.describe()
        expect(op.ok and op.result is True, prop, "%s %s on an event set before it began; "
               "expected True" % (what, op.outcome()), history, [op])
        not_late(history, op, 0.0, op.start, prop, what + " on an event already set")


def check_is_set(history, obj, want, prop, why):
    """Every ``is_set()`` on ``obj`` returned ``want``."""
    for op in history.select(obj, "is_set"):
        expect(op.ok and op.result is want, prop, "is_set() in process %d %s %s; expected %r"
               % (op.proc, why, op.outcome(), want), history, [op])


def check_cleared_waits(history, obj, prop="event.clear"):
    """Every ``wait(timeout)`` on ``obj`` (cleared in an earlier phase, not set since) timed out
    with False (``prop``), not before its timeout nor later than LATE after it
    (``event.timeout``)."""
    for op in history.select(obj, "wait"):
        what = op.step.describe()
        timeout = timeout_of(op)
        if timeout is None:
            raise HarnessError("check_cleared_waits: %s has no timeout" % what)
        expect(op.ok and op.result is False, prop, "%s on a cleared event %s; expected False"
               % (what, op.outcome()), history, [op])
        check_timed_out(history, [op], timeout, "event.timeout", what + " on a cleared event")


# -- the sequential model (ipc_spec.linearizability) ----------------------------------------------


class Event(Model):
    """``multiprocessing.Event``: a flag, initially false.

    ``set()`` and ``clear()`` set and clear it; ``is_set()`` returns it; ``wait(timeout=None)``
    returns True when the flag is set (at a point of the call), False only when it is clear and a
    ``timeout`` was given.
    """

    name = "Event"

    def __init__(self):
        Model.__init__(self)

    def init(self):
        return False

    def show(self, flag):
        return "set" if flag else "clear"

    def step(self, flag, op):
        call = op.call
        if call in ("set", "clear"):
            if self.bind(op, (), flag) is None:
                return True, flag
            return op.error is None, call == "set"
        if call == "is_set":
            if self.bind(op, (), flag) is None:
                return True, flag
            return op.error is None and op.result is flag, flag
        if call == "wait":
            bound = self.bind(op, (("timeout", None),), flag)
            if bound is None:
                return True, flag
            if op.error is not None:
                return False, flag
            if op.result is True:
                return flag, flag
            return op.result is False and not flag and bound["timeout"] is not None, flag
        raise self.unknown(op)
