"""Semaphore and BoundedSemaphore properties (see ``ipc_spec.specs.semaphore`` for the semantics
checked). Phased like the Lock properties: each ``Env.run`` is over before the next begins."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, precondition, rule,
                                 run_state_machine_as_test)

from ipc_spec.harness import Make
from ipc_spec.history import call, macro, on
from ipc_spec.linearizability import check_linearizable
from ipc_spec.models import MODELS
from ipc_spec.plugin import property_settings
from ipc_spec.specs import semaphore as spec
from ipc_spec.strategies import pauses, timeouts
from ipc_spec.suite.test_lock import (HOLDS, MACHINE_STEPS, RANDOM_OPS, nonblocking_acquire,
                                      others, random_programs, timed_acquire, two_procs)

#: Most processes a scenario uses, and the largest initial value.
PROCS = 5
MAX_VALUE = 3
#: The counter of the state machine's semaphore is released no higher than this.
MACHINE_CEILING = 5

SEMAPHORES = [Make("Semaphore", v) for v in range(MAX_VALUE + 1)]
BOUNDED = [Make("BoundedSemaphore", v) for v in range(MAX_VALUE + 1)]


def procs_subset(procs, min_size=0, max_size=None):
    return st.lists(st.integers(0, procs - 1), min_size=min_size,
                    max_size=procs if max_size is None else max_size, unique=True)


# -- never more than value holders ---------------------------------------------------------------


@st.composite
def bound_plans(draw):
    value = draw(st.integers(1, MAX_VALUE))
    procs = draw(st.integers(value + 1, min(PROCS, value + 2)))
    section = st.tuples(pauses(), st.sampled_from(HOLDS))
    plan = draw(st.lists(st.lists(section, min_size=1, max_size=3), min_size=procs, max_size=procs))
    return value, plan


@property_settings()
@given(bound_plans())
def test_bound(ipc_env, scenario):
    """More processes than the semaphore's value run critical sections under it: at no instant
    are more than ``value`` of them inside."""
    value, plan = scenario
    ipc_env.provision(SEMAPHORES, PROCS)
    programs = [[macro("s", "critical", hold=hold, pause=pause) for pause, hold in row]
                for row in plan]
    history = ipc_env.run({"s": SEMAPHORES[value]}, programs)
    spec.check_holders(history, "s", value, "semaphore.bound")


# -- get_value -----------------------------------------------------------------------------------


@st.composite
def value_plans(draw):
    value = draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(2, PROCS - 1))
    acquirers = draw(procs_subset(procs, max_size=min(value, procs)))
    releasers = draw(procs_subset(procs))
    return value, procs, acquirers, releasers, draw(pauses())


@property_settings()
@given(value_plans())
def test_value(ipc_env, scenario):
    """``get_value()``, read by every process when no operation is in progress, is the initial
    value, less the acquires, plus the releases, whichever processes made them. Skipped where
    ``get_value()`` raises NotImplementedError (no ``sem_getvalue``)."""
    value, procs, acquirers, releasers, pause = scenario
    prop = "semaphore.value"
    ipc_env.provision(SEMAPHORES, PROCS)
    objects = ipc_env.allocate({"s": SEMAPHORES[value]}, procs)
    read_all = [[call("s", "get_value")] for _ in range(procs)]
    first = ipc_env.run(objects, read_all)
    reason = spec.unsupported(first, "s")
    if reason is not None:
        pytest.skip("Semaphore.get_value() is not implemented here: %s" % reason)
    spec.check_values(first, "s", value, prop)
    if acquirers:
        taken = ipc_env.run(objects, on({p: [call("s", "acquire", pause=pause)] for p in acquirers}))
        spec.check_results(taken, taken.ops, True, prop, "acquire() with the counter above zero")
    spec.check_values(ipc_env.run(objects, read_all), "s", value - len(acquirers), prop)
    if releasers:
        given_back = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)]
                                              for p in releasers}))
        spec.check_results(given_back, given_back.ops, None, prop, "release()")
    spec.check_values(ipc_env.run(objects, read_all), "s",
                      value - len(acquirers) + len(releasers), prop)


# -- non-blocking acquire, release from any process ------------------------------------------------


@st.composite
def nonblocking_plans(draw):
    value = draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(max(2, value + 1), PROCS))
    forms = draw(st.lists(st.sampled_from(["positional", "keyword", "timeout"]),
                          min_size=procs, max_size=procs))
    return value, procs, forms, draw(pauses())


@property_settings()
@given(nonblocking_plans())
def test_nonblocking(ipc_env, scenario):
    """``value`` processes take the semaphore with ``acquire(False)`` (all True); at zero, every
    process's ``acquire(False)`` returns False at once, whatever its ``timeout``; a process that
    took nothing releases it, and then exactly one of N concurrent ``acquire(False)`` succeeds."""
    value, procs, forms, pause = scenario
    ipc_env.provision(SEMAPHORES, PROCS)
    objects = ipc_env.allocate({"s": SEMAPHORES[value]}, procs)
    if value:
        taken = ipc_env.run(objects, on({p: [nonblocking_acquire("s", forms[p], pause)]
                                         for p in range(value)}))
        spec.check_results(taken, taken.ops, True, "semaphore.nonblocking",
                           "acquire(False) with the counter above zero")
    refused = ipc_env.run(objects, [[nonblocking_acquire("s", form, pause)] for form in forms])
    what = "acquire(False) with the counter at zero"
    spec.check_results(refused, refused.ops, False, "semaphore.nonblocking", what)
    spec.check_prompt(refused, refused.ops, "semaphore.nonblocking", what)
    released = ipc_env.run(objects, on({value: [call("s", "release", pause=pause)]}))
    spec.check_results(released, released.ops, None, "semaphore.release_any",
                       "release() by a process that acquired nothing")
    race = ipc_env.run(objects, [[call("s", "acquire", False, pause=pause)] for _ in range(procs)])
    spec.check_winners(race, race.ops, 1, "semaphore.release_any", "semaphore.nonblocking",
                       "concurrent acquire(False) after one release")


# -- timeouts ------------------------------------------------------------------------------------


@st.composite
def timeout_plans(draw):
    value = draw(st.integers(0, 2))
    procs = draw(st.integers(2, PROCS - 1))
    holder, taker = draw(two_procs(procs))
    waits = draw(st.lists(st.tuples(st.sampled_from(["keyword", "positional", "negative",
                                                     "minus_one"]),
                                    timeouts(high=0.1), pauses()),
                          min_size=procs - 1, max_size=procs - 1))
    return value, procs, holder, taker, waits, draw(timeouts(high=0.1))


@property_settings()
@given(timeout_plans())
def test_timeout(ipc_env, scenario):
    """At zero, ``acquire(timeout=t)`` returns False, not before t and not much after; a negative
    timeout counts as zero (False at once). Above zero, ``acquire(True, -1)`` and
    ``acquire(timeout=t)`` succeed at once."""
    value, procs, holder, taker, waits, timeout = scenario
    ipc_env.provision(SEMAPHORES, PROCS)
    objects = ipc_env.allocate({"s": SEMAPHORES[value]}, procs)
    if value:
        ipc_env.run(objects, on({holder: [call("s", "acquire")] * value}))
    waiters = others(procs, holder)
    history = ipc_env.run(objects, on({p: [timed_acquire("s", form, t, pause)]
                                       for p, (form, t, pause) in zip(waiters, waits)}))
    for p, (form, t, _) in zip(waiters, waits):
        op = history.of(p)[0]
        if form in ("keyword", "positional"):
            spec.check_timed_out(history, [op], t, "semaphore.timeout",
                                 "acquire(timeout=%g) with the counter at zero" % t)
        else:
            what = "acquire() with a negative timeout, the counter at zero"
            spec.check_results(history, [op], False, "semaphore.negative_timeout", what)
            spec.check_prompt(history, [op], "semaphore.negative_timeout", what)
    free = ipc_env.run(objects, on({taker: [
        call("s", "release"), timed_acquire("s", "minus_one", 0),
        call("s", "release"), timed_acquire("s", "keyword", timeout)]}))
    _, first, _, second = free.ops
    spec.check_results(free, [first], True, "semaphore.negative_timeout",
                       "acquire(True, -1) with the counter above zero")
    spec.check_prompt(free, [first], "semaphore.negative_timeout",
                      "acquire(True, -1) with the counter above zero")
    spec.check_results(free, [second], True, "semaphore.timeout",
                       "acquire(timeout=t) with the counter above zero")


# -- BoundedSemaphore ----------------------------------------------------------------------------


@st.composite
def bounded_plans(draw):
    value = draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(max(2, value + 1), PROCS - 1))
    over = draw(procs_subset(procs, min_size=1))
    acquirers = draw(procs_subset(procs, max_size=value))
    releasers = draw(procs_subset(procs, len(acquirers), len(acquirers)))
    again = draw(procs_subset(procs, min_size=1))
    return value, procs, over, acquirers, releasers, again, draw(pauses())


@property_settings()
@given(bounded_plans())
def test_bounded(ipc_env, scenario):
    """A BoundedSemaphore at its initial value refuses every release with ValueError, for any
    initial value and from any process; releases below it pass; and its counter never exceeds it:
    of ``value + 1`` concurrent ``acquire(False)``, exactly ``value`` succeed."""
    value, procs, over, acquirers, releasers, again, pause = scenario
    prop = "boundedsemaphore.over_release"
    ipc_env.provision(BOUNDED, PROCS)
    objects = ipc_env.allocate({"s": BOUNDED[value]}, procs)
    full = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)] for p in over}))
    spec.raised(full, full.ops, "ValueError", prop, "release() of a BoundedSemaphore(%d) at %d"
                % (value, value))
    if acquirers:
        ipc_env.run(objects, on({p: [call("s", "acquire")] for p in acquirers}))
        below = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)] for p in releasers}))
        spec.check_results(below, below.ops, None, prop, "release() below the initial value")
    full = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)] for p in again}))
    spec.raised(full, full.ops, "ValueError", prop, "release() of a BoundedSemaphore(%d) back at %d"
                % (value, value))
    race = ipc_env.run(objects, [[call("s", "acquire", False, pause=pause)]
                                 for _ in range(value + 1)])
    spec.check_count(race, race.ops, value, "boundedsemaphore.bound",
                     "%d concurrent acquire(False) of a BoundedSemaphore(%d) after the failed "
                     "releases" % (value + 1, value))


# -- linearizability ------------------------------------------------------------------------------


@st.composite
def linearizable_plans(draw):
    value, bound = draw(st.integers(0, MAX_VALUE)), draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(2, PROCS - 1))
    # CPython's bound check is not atomic: a BoundedSemaphore is released by one process only.
    releaser = draw(st.integers(0, procs - 1))
    ops = RANDOM_OPS + ("get_value",)
    return value, bound, draw(random_programs(procs, {"s": (ops, range(procs)),
                                                      "b": (ops, [releaser])}))


@property_settings()
@given(linearizable_plans())
def test_linearizable(ipc_env, scenario):
    """Random concurrent programs of non-blocking, timed and negative-timeout acquires, releases
    and ``get_value()``, on a Semaphore and a BoundedSemaphore, give a history that, for each of
    them, some order of its operations keeping their real-time order explains with its sequential
    model. (A BoundedSemaphore is released by one process only: racing releases near the bound are
    not atomic in CPython.)"""
    value, bound, programs = scenario
    ipc_env.provision(SEMAPHORES + BOUNDED, PROCS)
    history = ipc_env.run({"s": SEMAPHORES[value], "b": BOUNDED[bound]}, programs)
    check_linearizable(history, {"s": MODELS["Semaphore"](value)}, "semaphore.linearizable")
    check_linearizable(history, {"b": MODELS["BoundedSemaphore"](bound)},
                       "boundedsemaphore.linearizable")


# -- a state machine: operations from any process on one Semaphore, against a model ---------------


class SemaphoreMachine(RuleBasedStateMachine):
    """One Semaphore; each rule is one phase in which some workers act on it at once. The model is
    its counter."""

    def __init__(self, env):
        super().__init__()
        self.env = env
        self.objects = None
        self.count = 0

    def run(self, steps):
        return self.env.run(self.objects, on(steps))

    @initialize(value=st.integers(0, MAX_VALUE))
    def create(self, value):
        self.objects = self.env.allocate({"s": SEMAPHORES[value]}, PROCS)
        self.count = value

    @rule(procs=procs_subset(PROCS, 1, 3), form=st.sampled_from(["positional", "timeout", "negative"]))
    def try_acquire(self, procs, form):
        """Concurrent ``acquire(False)`` (or ``acquire(True, -1)``): exactly ``min(count, N)``
        succeed."""
        if form == "negative":
            steps = {p: [call("s", "acquire", True, -1)] for p in procs}
            prop = "semaphore.negative_timeout"
        else:
            steps = {p: [nonblocking_acquire("s", form)] for p in procs}
            prop = "semaphore.nonblocking"
        history = self.run(steps)
        spec.check_winners(history, history.ops, self.count, prop, prop,
                           "%d concurrent non-blocking acquires with the counter at %d"
                           % (len(procs), self.count))
        self.count -= min(self.count, len(procs))

    @precondition(lambda self: self.count > 0)
    @rule(p=st.integers(0, PROCS - 1))
    def acquire(self, p):
        history = self.run({p: [call("s", "acquire")]})
        spec.check_results(history, history.ops, True, "semaphore.bound",
                           "acquire() with the counter at %d" % self.count)
        self.count -= 1

    @precondition(lambda self: self.count == 0)
    @rule(p=st.integers(0, PROCS - 1), timeout=timeouts(high=0.05))
    def time_out(self, p, timeout):
        history = self.run({p: [call("s", "acquire", timeout=timeout)]})
        spec.check_timed_out(history, history.ops, timeout, "semaphore.timeout",
                             "acquire(timeout=%g) with the counter at zero" % timeout)

    @precondition(lambda self: self.count < MACHINE_CEILING)
    @rule(procs=procs_subset(PROCS, 1, 3))
    def release(self, procs):
        """Concurrent releases from any processes, above the initial value too."""
        history = self.run({p: [call("s", "release")] for p in procs})
        spec.check_results(history, history.ops, None, "semaphore.release_any", "release()")
        self.count += len(procs)

    @rule(p=st.integers(0, PROCS - 1))
    def value(self, p):
        history = self.run({p: [call("s", "get_value")]})
        if spec.unsupported(history, "s") is None:  # get_value() is optional: see the spec
            spec.check_values(history, "s", self.count, "semaphore.value")

    @precondition(lambda self: self.count == 0)
    @rule(procs=two_procs(PROCS), pause=pauses())
    def hand_over(self, procs, pause):
        """One process blocks in acquire() at zero while another releases: it gets the unit."""
        waiter, releaser = procs
        history = self.run({waiter: [call("s", "acquire")],
                            releaser: [call("s", "release", pause=pause)]})
        spec.check_results(history, history.select("s", "release"), None, "semaphore.release_any",
                           "release()")
        spec.check_results(history, history.select("s", "acquire"), True, "semaphore.bound",
                           "acquire() while another process releases")


def test_semaphore_machine(ipc_env):
    """Random sequences of concurrent non-blocking acquires, blocking and timed acquires, releases
    from any process, hand-overs and ``get_value()`` agree with a model of the counter."""
    ipc_env.provision(SEMAPHORES, PROCS)
    run_state_machine_as_test(lambda: SemaphoreMachine(ipc_env),
                              settings=property_settings(stateful_step_count=MACHINE_STEPS))
