"""Condition properties (see ``ipc_spec.specs.condition`` for the semantics checked).

Every example uses ``Condition(lock)`` over a fresh ``Lock`` or ``RLock`` (objects ``c`` and
``c.lock``), and, where processes must know that others are already waiting, a shared counter
``count`` that each waiter bumps while it holds the lock, just before it waits: once another process
has seen the counter reach N and then acquired the lock itself, all N are inside ``wait()``.

The properties are methods of :class:`ConditionProperties`, bound to a *flavour*: an object that
builds the Conditions (``flavour.condition(kind)``) and states what differs between implementations
of the same semantics (the kinds of lock it is given, which exception types a call without the lock
may raise, which locks let the Condition know who holds them). :class:`TestCondition` binds them to
the native ``ctx.Condition``, :class:`TestManagerCondition` to a Manager's Condition proxy.
"""

import sys

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from ipc_spec.authoring import (TIMEOUTS, Cells, Make, Ref, call, checks, macro, pauses,
                                property_settings, timeouts)
from ipc_spec.ops import manager
from ipc_spec.specs import condition as spec
from ipc_spec.specs import lock as lock_spec

KINDS = ("Lock", "RLock")
MAX_WAITERS = 5
#: Seconds a waiter that notify(n) may leave waiting waits: what such an example costs.
SHORT_TIMEOUT = 0.1
#: Seconds a waiter that must be woken waits at most: only a broken implementation pays it. A
#: loaded machine that lets it run out before the notify weakens an example (the spec then checks
#: less), never fails it; short, as every shrinking step of a failure pays it.
LONG_TIMEOUT = 0.5


def condition(ctx, kind):
    """``Condition(lock)`` over a new ``Lock`` or ``RLock``: objects ``c`` and ``c.lock``."""
    lock = getattr(ctx, kind)()
    return {"": ctx.Condition(lock), "lock": lock}


class Native(object):
    """``ctx.Condition`` over a new ``ctx.Lock`` or ``ctx.RLock``; not recycled (no documented
    reset)."""

    name = "native"
    #: The kinds of lock the Conditions of the properties are built over.
    kinds = KINDS
    #: The types a call that needs the lock raises without it: ``threading``'s documented
    #: RuntimeError, or the AssertionError of ``multiprocessing``'s own checks.
    unlocked_errors = spec.UNLOCKED_ERRORS
    #: ``multiprocessing`` checks that the caller holds the lock with ``assert`` statements:
    #: under ``python -O`` nothing is checked.
    unlocked_checked_by_assert = True
    #: The kinds of lock whose holder the Condition knows, so that a call by a process that does
    #: not hold the lock raises even while another process holds it (``threading.Condition`` over
    #: a plain Lock cannot tell).
    holder_known = KINDS

    @staticmethod
    def condition(kind):
        return Make(condition, kind)


def kinds():
    """The kinds of lock of the flavour being drawn for (``st.runner()``: the test's instance)."""
    return st.runner().flatmap(lambda test: st.sampled_from(test.flavour.kinds))


#: A shared counter of the kit's own (never the implementation's Value: see ``Cells``).
COUNTER = Cells(1)


def provision(env, flavour, procs):
    """Ask for one crew for all the examples."""
    env.provision([flavour.condition(kind) for kind in flavour.kinds], procs)


def await_count(env, target):
    """The step that polls ``count`` until ``target`` waiters have registered."""
    return macro("count", "await_attr", "value", target, timeout=env.deadline / 4)


def waiter(timeout, pause):
    """Acquire, register, wait(timeout), release: steps 0..3."""
    return [call("c", "acquire", pause=pause), macro("count", "condition:register"),
            call("c", "wait", timeout), call("c", "release")]


def notify_example(env, make, plan, notify_step, timeout):
    """``len(plan) - 2`` waiters (``plan`` gives each one's pause) on the condition ``make``
    builds, and one notifier, the last process, which pauses ``plan[-2]`` before it acquires the
    lock and ``plan[-1]`` between the notify and the release; returns what the spec needs."""
    waiters = len(plan) - 2
    programs = [waiter(timeout, p) for p in plan[:-2]]
    programs.append([await_count(env, waiters), call("c", "acquire", pause=plan[-2]), notify_step,
                     call("c", "release", pause=plan[-1])])
    history = env.run({"c": make, "count": COUNTER}, programs)
    for i in range(waiters):
        spec.check_results(history, history.of(i)[:1], True, "condition.lock", "acquire()")
    watcher, _, notify, release = history.of(waiters)
    waits = [history.of(i)[2] for i in range(waiters)]
    releases = [history.of(i)[3] for i in range(waiters)]
    return history, waits, releases, notify, release, watcher.result is True


@st.composite
def notify_plans(draw):
    waiters = draw(st.integers(1, MAX_WAITERS))
    n = draw(st.integers(0, waiters + 1))
    plan = draw(st.lists(pauses(), min_size=waiters + 2, max_size=waiters + 2))
    return draw(kinds()), n, plan


@st.composite
def notify_all_plans(draw):
    waiters = draw(st.integers(1, MAX_WAITERS))
    plan = draw(st.lists(pauses(), min_size=waiters + 2, max_size=waiters + 2))
    return draw(kinds()), plan


MAX_TIMED = 4
WAIT_TIMEOUTS = (0.0,) + TIMEOUTS


@st.composite
def timeout_plans(draw):
    procs = draw(st.integers(1, MAX_TIMED))
    waits = st.tuples(st.sampled_from(WAIT_TIMEOUTS), st.booleans(), pauses())
    plan = draw(st.lists(st.lists(waits, min_size=1, max_size=2), min_size=procs, max_size=procs))
    return draw(kinds()), plan


MAX_WAIT_FOR = 3
MAX_STEPS = 4


@st.composite
def wait_for_plans(draw):
    kind = draw(kinds())
    steps = draw(st.integers(0, MAX_STEPS))
    waiters = draw(st.integers(1, MAX_WAIT_FOR))
    targets = draw(st.lists(st.integers(1, steps + 1), min_size=waiters, max_size=waiters))
    # A waiter whose target is reached must not time out first: LONG_TIMEOUT, only paid by a
    # broken implementation. One that can never be satisfied times out: keep it short.
    timeouts_ = [LONG_TIMEOUT if t <= steps else draw(timeouts(0.02, 0.1)) for t in targets]
    wait_pauses = draw(st.lists(pauses(), min_size=waiters, max_size=waiters))
    bump_pauses = draw(st.lists(pauses(), min_size=steps, max_size=steps))
    return kind, steps, targets, timeouts_, wait_pauses, bump_pauses


UNLOCKED_CALLS = {
    "wait": call("c", "wait", 0.01),
    "notify": call("c", "notify"),
    "notify(2)": call("c", "notify", 2),
    "notify_all": call("c", "notify_all"),
}


@st.composite
def unlocked_plans(draw):
    kind = draw(kinds())
    held_by_other = draw(st.booleans())
    calls = draw(st.lists(st.sampled_from(sorted(UNLOCKED_CALLS)), min_size=1, max_size=4))
    return kind, held_by_other, calls


@st.composite
def lock_plans(draw):
    kind = draw(kinds())
    depth = draw(st.integers(1, 3)) if kind == "RLock" else 1
    return kind, depth, draw(pauses()), draw(pauses())


class ConditionProperties(object):
    """The Condition properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    @checks("condition.notify", "condition.reacquire", "condition.wait_timeout", "condition.lock")
    @property_settings()
    @given(notify_plans())
    def test_notify(self, ipc_env, scenario):
        """notify(n) with K processes waiting wakes at most n of them, and exactly min(n, K) when
        all were surely waiting: those return True (once the notifier releases the lock), the
        others time out with False, not before their timeout."""
        kind, n, plan = scenario
        waiters = len(plan) - 2
        provision(ipc_env, self.flavour, MAX_WAITERS + 1)
        timeout = LONG_TIMEOUT if n >= waiters else SHORT_TIMEOUT
        history, waits, releases, notify, release, registered = notify_example(
            ipc_env, self.flavour.condition(kind), plan, call("c", "notify", n), timeout)
        spec.check_notify(history, waits, notify, release, n, timeout, registered)
        spec.check_released(history, releases + [release])

    @checks("condition.notify_all", "condition.reacquire", "condition.wait_timeout",
            "condition.lock")
    @property_settings()
    @given(notify_all_plans())
    def test_notify_all(self, ipc_env, scenario):
        """notify_all() with K processes waiting wakes all K: each returns True."""
        kind, plan = scenario
        provision(ipc_env, self.flavour, MAX_WAITERS + 1)
        history, waits, releases, notify, release, registered = notify_example(
            ipc_env, self.flavour.condition(kind), plan, call("c", "notify_all"), LONG_TIMEOUT)
        spec.check_notify(history, waits, notify, release, None, LONG_TIMEOUT, registered,
                          prop="condition.notify_all")
        spec.check_released(history, releases + [release])

    @checks("condition.wait_timeout", "condition.lock", "condition.reacquire")
    @property_settings()
    @given(timeout_plans())
    def test_wait_timeout(self, ipc_env, scenario):
        """wait(timeout) that nobody notifies returns False, not before the timeout and not grossly
        after it, with the lock held again (its release() succeeds); several processes may wait at
        once."""
        kind, plan = scenario
        provision(ipc_env, self.flavour, MAX_TIMED)
        programs = []
        for row in plan:
            steps = [call("c", "acquire")]
            for timeout, keyword, pause in row:
                steps.append(call("c", "wait", timeout=timeout, pause=pause) if keyword
                             else call("c", "wait", timeout, pause=pause))
            steps.append(call("c", "release"))
            programs.append(steps)
        history = ipc_env.run({"c": self.flavour.condition(kind)}, programs)
        spec.check_results(history, [history.of(p)[0] for p in range(len(plan))], True,
                           "condition.lock", "acquire()")
        waits = [op for p in range(len(plan)) for op in history.of(p)[1:-1]]
        spec.check_timed_out(history, waits)
        spec.check_released(history, [history.of(p)[-1] for p in range(len(plan))])

    @checks("condition.wait_for")
    @property_settings()
    @given(wait_for_plans())
    def test_wait_for(self, ipc_env, scenario):
        """wait_for(predicate, timeout) while another process raises a shared value one step at a
        time, under the lock, with notify_all() after each: it returns the predicate's last value,
        which is true (the value reached the target) unless the timeout expired; so the predicate
        is re-checked after every wake-up, and always with the lock held."""
        kind, steps, targets, timeouts_, wait_pauses, bump_pauses = scenario
        waiters = len(targets)
        provision(ipc_env, self.flavour, MAX_WAIT_FOR + 1)
        lock = Ref("c.lock") if kind == "Lock" else None  # a plain Lock shows whether it is held
        programs = [[macro("c", "condition:wait_for", Ref("v"), Ref("count"), lock, target,
                           timeout, pause=p)]
                    for target, timeout, p in zip(targets, timeouts_, wait_pauses)]
        programs.append([await_count(ipc_env, waiters)]
                        + [macro("c", "condition:bump", Ref("v"), pause=p) for p in bump_pauses])
        history = ipc_env.run({"c": self.flavour.condition(kind), "v": COUNTER, "count": COUNTER},
                              programs)
        spec.returned(history, history.of(waiters), "condition.wait_for",
                      "raising the value and notify_all(), under the lock")
        spec.check_wait_for(history, [history.of(i)[0] for i in range(waiters)], targets,
                            timeouts_)

    @checks("condition.unlocked", "condition.lock")
    @property_settings()
    @given(unlocked_plans())
    def test_unlocked(self, ipc_env, scenario):
        """wait(), notify() and notify_all() by a process that does not hold the lock raise (the
        documented RuntimeError, or multiprocessing's AssertionError: the flavour's
        ``unlocked_errors``), whether the lock is free or held by another process (for the kinds
        of lock whose holder the flavour's Condition knows)."""
        if sys.flags.optimize and self.flavour.unlocked_checked_by_assert:
            pytest.skip("under python -O multiprocessing's lock-ownership checks (assert "
                        "statements) are compiled out")
        kind, held_by_other, calls = scenario
        held_by_other = held_by_other and kind in self.flavour.holder_known
        provision(ipc_env, self.flavour, 2)
        objects = ipc_env.allocate({"c": self.flavour.condition(kind)}, 2)
        if held_by_other:
            held = ipc_env.run(objects, [[], [call("c", "acquire")]])
            spec.check_results(held, held.ops, True, "condition.lock", "acquire()")
        history = ipc_env.run(objects, [[UNLOCKED_CALLS[name] for name in calls]])
        seen = spec.check_unlocked(history, history.of(0), errors=self.flavour.unlocked_errors)
        for error in seen:
            event("condition.unlocked: %s raised %s" % ("lock held elsewhere" if held_by_other
                                                        else "lock free", error))
        if held_by_other:
            ipc_env.run(objects, [[], [call("c", "release")]])

    @checks("condition.rlock", "condition.reacquire")
    @property_settings()
    @given(st.integers(1, 3), st.sampled_from(WAIT_TIMEOUTS), pauses())
    def test_rlock_timeout(self, ipc_env, depth, timeout, pause):
        """Condition(RLock) held ``depth`` times: wait(timeout), which nobody notifies, returns
        False with the recursion level restored, so that ``depth - 1`` release()s leave the lock
        held (another process cannot take it) and one more frees it. (Run for every flavour's
        Condition over an RLock, even one whose other properties leave RLocks out.)"""
        ipc_env.provision([self.flavour.condition("RLock")], 2)
        objects = ipc_env.allocate({"c": self.flavour.condition("RLock")}, 2)
        held = ipc_env.run(objects, [[call("c", "acquire") for _ in range(depth)]
                                     + [call("c", "wait", timeout, pause=pause)]
                                     + [call("c", "release") for _ in range(depth - 1)]])
        spec.check_results(held, held.ops[:depth], True, "condition.lock", "acquire()")
        spec.check_results(held, held.ops[depth:depth + 1], False, "condition.rlock",
                           "wait(%r) over an RLock acquired %d times, with nobody notifying"
                           % (timeout, depth))
        spec.returned(held, held.ops[depth + 1:], "condition.rlock",
                      "release() of an RLock acquired %d times before wait()" % depth)
        still = ipc_env.run(objects, [[], [call("c.lock", "acquire", False)]])
        spec.check_results(still, still.ops, False, "condition.rlock",
                           "wait() restored the RLock's recursion level %d: after %d release()s "
                           "it is still held" % (depth, depth - 1))
        freed = ipc_env.run(objects, [[call("c", "release")],
                                      [call("c.lock", "acquire", False), call("c.lock", "release")]])
        spec.returned(freed, freed.of(0), "condition.rlock", "the last release()")

    @checks("condition.rlock", "condition.lock", "condition.reacquire")
    @property_settings()
    @given(lock_plans())
    def test_lock(self, ipc_env, scenario):
        """Condition(lock) uses that lock: holding the condition (acquired ``depth`` times, for an
        RLock) holds the lock, so another process cannot acquire either; wait() releases it
        completely, so another process can acquire the lock itself and notify() through it; wait()
        re-acquires it, with its recursion level restored, before it returns."""
        kind, depth, wait_pause, notify_pause = scenario
        provision(ipc_env, self.flavour, 2)
        objects = ipc_env.allocate({"c": self.flavour.condition(kind)}, 2)
        run = lambda programs: ipc_env.run(objects, programs)

        held = run([[call("c", "acquire") for _ in range(depth)]])
        spec.check_results(held, held.ops, True, "condition.lock", "acquire()")
        other = run([[], [call("c.lock", "acquire", False), call("c", "acquire", False)]])
        spec.check_results(other, other.ops, False, "condition.lock",
                           "while another process holds the condition, the lock is held")

        # No timeouts: the other process acquires the lock as soon as the wait releases it, and
        # its notify() wakes the waiter.
        history = run([[call("c", "wait", pause=wait_pause)],
                       [call("c.lock", "acquire", pause=notify_pause), call("c", "notify"),
                        call("c.lock", "release")]])
        wait = history.of(0)[0]
        acquire, notify, release = history.of(1)
        spec.check_results(history, [acquire], True,
                           "condition.rlock" if kind == "RLock" else "condition.lock",
                           "wait() released the lock completely")
        spec.returned(history, [notify, release], "condition.lock",
                      "notify() by a process holding the condition's lock itself")
        spec.check_results(history, [wait], True, "condition.lock",
                           "notify() through the lock woke the waiter")
        spec.expect(wait.end >= release.start, "condition.reacquire",
                    "wait() returned before the notifier released the lock", history,
                    [wait, release])

        after = run([[], [call("c.lock", "acquire", False), call("c", "acquire", False)]])
        spec.check_results(after, after.ops, False, "condition.reacquire",
                           "after wait() returned, its process holds the lock again")

        if depth > 1:
            partly = run([[call("c", "release") for _ in range(depth - 1)]])
            spec.returned(partly, partly.ops, "condition.rlock",
                          "release() of an RLock acquired %d times before wait()" % depth)
            still = run([[], [call("c.lock", "acquire", False)]])
            spec.check_results(still, still.ops, False, "condition.rlock",
                               "wait() restored the RLock's recursion level %d: after %d "
                               "release()s it is still held" % (depth, depth - 1))


class TestCondition(ConditionProperties):
    """The native Condition."""

    flavour = Native


def managed_condition(ctx, kind):
    """``manager.Condition(lock)`` over a new ``manager.Lock()`` or ``manager.RLock()`` of
    ``ctx``'s manager: objects ``c`` and ``c.lock``."""
    served = manager.manager(ctx)
    lock = getattr(served, kind)()
    return {"": served.Condition(lock), "lock": lock}


managed_condition.clause = "condition"  # what an implementation that cannot build it breaks
managed_condition.sent = True  # proxies: pickled to the workers with each example


class Managed(Native):
    """``manager.Condition(lock)`` over a ``manager.Lock()`` of the context's ``SyncManager``: a
    proxy of a ``threading.Condition`` in the manager's process (the documentation: "Create a
    shared threading.Condition object and return a proxy for it. If lock is supplied then it
    should be a proxy for a threading.Lock or threading.RLock object"). ``threading`` documents
    RuntimeError for a call without the lock, and ``threading.Condition`` over a lock that has no
    owner (a Lock, or a proxy) takes "the lock is held" for "the caller holds it", so a call by a
    process that does not hold the lock raises only while the lock is free. Its ``acquire`` is
    threading's, respelt (:func:`ipc_spec.specs.lock.threading_spelling`).

    The properties run over a Lock proxy; over an RLock proxy every ``wait()`` raises
    RuntimeError, a divergence (``known_divergences.ini``, ``manager:condition.rlock``), which
    :meth:`ConditionProperties.test_rlock_timeout` alone shows."""

    name = "manager"
    kinds = ("Lock",)
    #: Over a Lock only, what test_lock checks of condition.rlock is condition.lock.
    left_out = {"test_lock": ("condition.rlock",)}
    respell = staticmethod(lock_spec.threading_spelling)
    unlocked_errors = ("RuntimeError",)
    unlocked_checked_by_assert = False
    holder_known = ()

    @staticmethod
    def condition(kind):
        return Make(managed_condition, kind)


class TestManagerCondition(ConditionProperties):
    """A Manager's Condition proxy."""

    flavour = Managed
