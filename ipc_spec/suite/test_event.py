"""Event properties (see ``ipc_spec.specs.event`` for the semantics checked).

The properties are methods of :class:`EventProperties`, bound to a *flavour*: an object that
builds the Events (``flavour.event()``) and states what differs between implementations of the
same semantics. :class:`TestEvent` binds them to the native ``ctx.Event``; another flavour (a
Manager's proxy) subclasses with its own.
"""

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.authoring import (NEVER, Cells, Make, call, checks, macro, merged, on, pauses,
                                property_settings, timeouts)
from ipc_spec.ops import manager
from ipc_spec.specs import event as spec

MAX_WAITERS = 8
#: Seconds the setter pauses before set() once every waiter has announced itself, so that most
#: are blocked in wait() by then (a broken set() that wakes too few is caught). No check depends on
#: it: a waiter that is not blocked yet sees the flag set.
SETTLE = 0.005
#: Pauses of a process that sets the event while others wait with short timeouts: some waits
#: time out before the set, some see it. They perturb the schedule; no check depends on them.
SET_PAUSES = (0.0, 0.002, 0.01, 0.05, 0.1)
#: A setter that sets the event in a phase of its own, over before the waits begin.
BEFORE = "before"

#: Cells (the kit's own shared memory) in which each waiter announces that it is about to wait, so
#: that the setter can set the event once they are (nearly all) blocked in ``wait()``.
ANNOUNCED = Cells(MAX_WAITERS)


class Native(object):
    """``ctx.Event``, recycled by its documented reset (``clear()``)."""

    name = "native"

    @staticmethod
    def event():
        return Make("Event").recycled_by(spec.reset, often=True)


def wait_step(timeout, pause=0.0):
    if timeout is None:
        return call("e", "wait", pause=pause)
    return call("e", "wait", timeout=timeout, pause=pause)


@st.composite
def wakeup_plans(draw):
    waiters = draw(st.integers(1, MAX_WAITERS))
    plan = draw(st.lists(st.tuples(st.sampled_from([None, NEVER]), pauses()),
                         min_size=waiters, max_size=waiters))
    return plan, draw(pauses())


@st.composite
def timeout_plans(draw):
    waiters = draw(st.integers(1, MAX_WAITERS))
    plan = draw(st.lists(st.tuples(timeouts(), pauses()), min_size=waiters, max_size=waiters))
    setter = draw(st.sampled_from((None, BEFORE) + SET_PAUSES))
    return plan, setter


@st.composite
def already_set_plans(draw):
    waiters = draw(st.integers(1, MAX_WAITERS))
    setter = draw(st.integers(0, waiters - 1))
    sets = draw(st.integers(1, 2))
    # Short timeouts first: Hypothesis shrinks towards them, and a wait that should not block
    # fails fastest with one (False) rather than by hanging until the deadline.
    plan = draw(st.lists(st.tuples(st.sampled_from([0.01, 0.25, None, NEVER]), pauses()),
                         min_size=waiters, max_size=waiters))
    return setter, sets, plan


@st.composite
def flag_plans(draw):
    procs = draw(st.integers(1, MAX_WAITERS))
    rounds = draw(st.integers(1, 2))
    who = st.integers(0, procs - 1)
    plan = draw(st.lists(st.tuples(who, who, timeouts()), min_size=rounds, max_size=rounds))
    return procs, plan, draw(pauses())


class EventProperties(object):
    """The Event properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    @checks("event.wakes_all", "event.wait_blocks")
    @property_settings()
    @given(wakeup_plans())
    def test_set_wakes_all(self, ipc_env, scenario):
        """N processes wait(), with no timeout or a long one; once they have announced that they
        are about to wait, another sets the event: every wait returns True, none before set()
        began."""
        plan, setter_pause = scenario
        event = self.flavour.event()
        ipc_env.provision([event], MAX_WAITERS + 1)
        programs = [[macro("n", "cell_mark", i, pause=pause), wait_step(timeout)]
                    for i, (timeout, pause) in enumerate(plan)]
        programs.append([macro("n", "cells_await", len(plan), ipc_env.deadline / 4),
                         call("e", "set", pause=SETTLE + setter_pause)])
        history = ipc_env.run({"e": event, "n": ANNOUNCED}, programs)
        spec.check_wakes_all(history, "e")

    @checks("event.timeout")
    @property_settings()
    @given(timeout_plans())
    def test_wait_timeout(self, ipc_env, scenario):
        """N processes wait(timeout) on an event that is never set, that was set before, or that
        another process sets at some moment while they wait: a wait returns False only once its
        timeout has elapsed and if no set() was over before it began, True only once a set() has
        begun, and never much after its timeout."""
        plan, setter = scenario
        event = self.flavour.event()
        ipc_env.provision([event], MAX_WAITERS + 1)
        objects = ipc_env.allocate({"e": event}, len(plan) + 1)
        programs = [[wait_step(timeout, pause)] for timeout, pause in plan]
        if setter == BEFORE:
            before = ipc_env.run(objects, [[call("e", "set")]])
            history = merged(before, ipc_env.run(objects, programs))
        else:
            if setter is not None:
                programs.append([call("e", "set", pause=setter)])
            history = ipc_env.run(objects, programs)
        spec.check_timed_waits(history, "e")

    @checks("event.already_set")
    @property_settings()
    @given(already_set_plans())
    def test_set_before_wait(self, ipc_env, scenario):
        """Once one process has set the event (once or twice), a wait in any process, the setter's
        too, with or without a timeout, returns True at once."""
        setter, sets, plan = scenario
        event = self.flavour.event()
        ipc_env.provision([event], MAX_WAITERS)
        objects = ipc_env.allocate({"e": event}, len(plan))
        ipc_env.run(objects, [[] for _ in range(setter)] + [[call("e", "set")] * sets])
        history = ipc_env.run(objects, [[wait_step(timeout, pause)] for timeout, pause in plan])
        spec.check_already_set(history, "e")

    @checks("event.timeout", "event.is_set", "event.clear")
    @property_settings()
    @given(flag_plans())
    def test_clear_and_is_set(self, ipc_env, scenario):
        """is_set() is False everywhere at first; after one process sets the event it is True in
        every process; after one clears it, it is False in every process and wait(timeout) times
        out with False; and again, for a second round."""
        procs, plan, pause = scenario
        event = self.flavour.event()
        ipc_env.provision([event], MAX_WAITERS)
        objects = ipc_env.allocate({"e": event}, procs)
        everyone = lambda steps: [list(steps) for _ in range(procs)]
        initial = ipc_env.run(objects, everyone([call("e", "is_set", pause=pause)]))
        spec.check_is_set(initial, "e", False, "event.is_set", "before any set()")
        for setter, clearer, timeout in plan:
            ipc_env.run(objects, on({setter: [call("e", "set", pause=pause)]}))
            seen = ipc_env.run(objects, everyone([call("e", "is_set", pause=pause)]))
            spec.check_is_set(seen, "e", True, "event.is_set",
                              "after process %d set the event" % setter)
            ipc_env.run(objects, on({clearer: [call("e", "clear", pause=pause)]}))
            cleared = ipc_env.run(objects, everyone([call("e", "is_set", pause=pause),
                                                     wait_step(timeout)]))
            spec.check_is_set(cleared, "e", False, "event.clear",
                              "after process %d cleared the event" % clearer)
            spec.check_cleared_waits(cleared, "e")


class TestEvent(EventProperties):
    """The native Event."""

    flavour = Native


class Managed(Native):
    """``manager.Event()``: a proxy of a ``threading.Event`` in the manager's process (the
    documentation: "Create a shared threading.Event object and return a proxy for it"), whose
    ``set``, ``clear``, ``is_set`` and ``wait(timeout)`` are the ones multiprocessing.Event
    documents as threading.Event's."""

    name = "manager"

    @staticmethod
    def event():
        return Make(manager.managed_Event)


class TestManagerEvent(EventProperties):
    """A Manager's Event proxy."""

    flavour = Managed
