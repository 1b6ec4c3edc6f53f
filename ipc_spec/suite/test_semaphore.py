"""Semaphore and BoundedSemaphore properties (see ``ipc_spec.specs.semaphore`` for the semantics
checked). Phased like the Lock properties: each ``Env.run`` is over before the next begins.

The properties are methods of :class:`SemaphoreProperties`, bound to a *flavour*: an object that
builds the semaphores (``flavour.semaphore(value)``, ``flavour.bounded(value)``) and states what
differs between implementations of the same semantics. :class:`TestSemaphore` binds them to the
native ``ctx.Semaphore`` and ``ctx.BoundedSemaphore``; another flavour subclasses with its own.
"""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, precondition, rule,
                                 run_state_machine_as_test)

from ipc_spec.authoring import (Make, call, check_timed_out, checks, macro, on, pauses,
                                property_settings, raised, random_programs, timeouts, two_procs)
from ipc_spec.ops import manager
from ipc_spec.specs import semaphore as spec
from ipc_spec.specs.lock import (HOLDS, RANDOM_OPS, nonblocking_acquire, others, random_op,
                                 threading_spelling, timed_acquire)

#: Most processes a scenario uses, and the largest initial value.
PROCS = 5
MAX_VALUE = 3
#: The counter of the state machine's semaphore is released no higher than this.
MACHINE_CEILING = 5
#: Steps of the state machine per example.
MACHINE_STEPS = 12


class Native(object):
    """``ctx.Semaphore`` and ``ctx.BoundedSemaphore``, recycled by their documented reset (the
    counter back at its initial value)."""

    name = "native"
    #: Whether the semaphores have ``get_value()`` (which may still raise NotImplementedError where
    #: the platform lacks ``sem_getvalue``).
    get_value = True
    #: The type name of the error ``release()`` of a BoundedSemaphore at its initial value raises
    #: (ValueError for ``threading.BoundedSemaphore`` too).
    over_release_error = "ValueError"

    @staticmethod
    def semaphore(value):
        return Make("Semaphore", value).recycled_by(spec.reset, often=False)

    @staticmethod
    def bounded(value):
        return Make("BoundedSemaphore", value).recycled_by(spec.reset, often=False)

    @classmethod
    def semaphores(cls):
        """One Semaphore of each initial value the properties use, indexed by it."""
        return [cls.semaphore(v) for v in range(MAX_VALUE + 1)]

    @classmethod
    def bounded_semaphores(cls):
        """One BoundedSemaphore of each initial value the properties use, indexed by it."""
        return [cls.bounded(v) for v in range(MAX_VALUE + 1)]

    @staticmethod
    def semaphore_model(value):
        return spec.Semaphore(value)

    @staticmethod
    def bounded_model(value):
        return spec.BoundedSemaphore(value)


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


# -- get_value -----------------------------------------------------------------------------------


@st.composite
def value_plans(draw):
    value = draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(2, PROCS - 1))
    acquirers = draw(procs_subset(procs, max_size=min(value, procs)))
    releasers = draw(procs_subset(procs))
    return value, procs, acquirers, releasers, draw(pauses())


# -- non-blocking acquire, release from any process ------------------------------------------------


@st.composite
def nonblocking_plans(draw):
    value = draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(max(2, value + 1), PROCS))
    forms = draw(st.lists(st.sampled_from(["positional", "keyword", "timeout"]),
                          min_size=procs, max_size=procs))
    return value, procs, forms, draw(pauses())


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


# -- linearizability ------------------------------------------------------------------------------


@st.composite
def linearizable_plans(draw):
    value, bound = draw(st.integers(0, MAX_VALUE)), draw(st.integers(0, MAX_VALUE))
    procs = draw(st.integers(2, PROCS - 1))
    # CPython's bound check is not atomic: a BoundedSemaphore is released by one process only.
    releaser = draw(st.integers(0, procs - 1))
    ops = RANDOM_OPS + ("get_value",)
    return value, bound, draw(random_programs(procs, {"s": (ops, range(procs)),
                                                      "b": (ops, [releaser])}, random_op))


# -- the properties ------------------------------------------------------------------------------


class SemaphoreProperties(object):
    """The Semaphore and BoundedSemaphore properties, for any flavour (class attribute
    ``flavour``)."""

    flavour = Native

    @checks("semaphore.bound")
    @property_settings()
    @given(bound_plans())
    def test_bound(self, ipc_env, scenario):
        """More processes than the semaphore's value run critical sections under it: at no instant
        are more than ``value`` of them inside."""
        value, plan = scenario
        ipc_env.provision(self.flavour.semaphores(), PROCS)
        programs = [[macro("s", "lock:critical", hold=hold, pause=pause) for pause, hold in row]
                    for row in plan]
        history = ipc_env.run({"s": self.flavour.semaphore(value)}, programs)
        spec.check_holders(history, "s", value, "semaphore.bound")

    @checks("semaphore.value")
    @property_settings()
    @given(value_plans())
    def test_value(self, ipc_env, scenario):
        """``get_value()``, read by every process when no operation is in progress, is the initial
        value, less the acquires, plus the releases, whichever processes made them. Skipped where
        ``get_value()`` raises NotImplementedError (no ``sem_getvalue``)."""
        value, procs, acquirers, releasers, pause = scenario
        prop = "semaphore.value"
        ipc_env.provision(self.flavour.semaphores(), PROCS)
        objects = ipc_env.allocate({"s": self.flavour.semaphore(value)}, procs)
        read_all = [[call("s", "get_value")] for _ in range(procs)]
        first = ipc_env.run(objects, read_all)
        reason = spec.unsupported(first, "s")
        if reason is not None:
            pytest.skip("Semaphore.get_value() is not implemented here: %s" % reason)
        spec.check_values(first, "s", value, prop)
        if acquirers:
            taken = ipc_env.run(objects, on({p: [call("s", "acquire", pause=pause)]
                                             for p in acquirers}))
            spec.check_results(taken, taken.ops, True, prop,
                               "acquire() with the counter above zero")
        spec.check_values(ipc_env.run(objects, read_all), "s", value - len(acquirers), prop)
        if releasers:
            given_back = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)]
                                                  for p in releasers}))
            spec.check_results(given_back, given_back.ops, None, prop, "release()")
        spec.check_values(ipc_env.run(objects, read_all), "s",
                          value - len(acquirers) + len(releasers), prop)

    @checks("semaphore.nonblocking", "semaphore.release_any")
    @property_settings()
    @given(nonblocking_plans())
    def test_nonblocking(self, ipc_env, scenario):
        """``value`` processes take the semaphore with ``acquire(False)`` (all True); at zero, every
        process's ``acquire(False)`` returns False at once, whatever its ``timeout``; a process that
        took nothing releases it, and then exactly one of N concurrent ``acquire(False)``
        succeeds."""
        value, procs, forms, pause = scenario
        ipc_env.provision(self.flavour.semaphores(), PROCS)
        objects = ipc_env.allocate({"s": self.flavour.semaphore(value)}, procs)
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
        race = ipc_env.run(objects, [[call("s", "acquire", False, pause=pause)]
                                     for _ in range(procs)])
        spec.check_winners(race, race.ops, 1, "semaphore.release_any", "semaphore.nonblocking",
                           "concurrent acquire(False) after one release")

    @checks("semaphore.timeout", "semaphore.negative_timeout")
    @property_settings()
    @given(timeout_plans())
    def test_timeout(self, ipc_env, scenario):
        """At zero, ``acquire(timeout=t)`` returns False, not before t and not much after; a
        negative timeout counts as zero (False at once). Above zero, ``acquire(True, -1)`` and
        ``acquire(timeout=t)`` succeed at once."""
        value, procs, holder, taker, waits, timeout = scenario
        ipc_env.provision(self.flavour.semaphores(), PROCS)
        objects = ipc_env.allocate({"s": self.flavour.semaphore(value)}, procs)
        if value:
            ipc_env.run(objects, on({holder: [call("s", "acquire")] * value}))
        waiters = others(procs, holder)
        history = ipc_env.run(objects, on({p: [timed_acquire("s", form, t, pause)]
                                           for p, (form, t, pause) in zip(waiters, waits)}))
        for p, (form, t, _) in zip(waiters, waits):
            op = history.of(p)[0]
            if form in ("keyword", "positional"):
                check_timed_out(history, [op], t, "semaphore.timeout",
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

    @checks("boundedsemaphore.over_release", "boundedsemaphore.bound")
    @property_settings()
    @given(bounded_plans())
    def test_bounded(self, ipc_env, scenario):
        """A BoundedSemaphore at its initial value refuses every release with ValueError (the
        flavour's ``over_release_error``), for any initial value and from any process; releases
        below it pass; and its counter never exceeds it: of ``value + 1`` concurrent
        ``acquire(False)``, exactly ``value`` succeed."""
        value, procs, over, acquirers, releasers, again, pause = scenario
        prop = "boundedsemaphore.over_release"
        error = self.flavour.over_release_error
        ipc_env.provision(self.flavour.bounded_semaphores(), PROCS)
        objects = ipc_env.allocate({"s": self.flavour.bounded(value)}, procs)
        full = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)] for p in over}))
        raised(full, full.ops, error, prop, "release() of a BoundedSemaphore(%d) at %d"
               % (value, value))
        if acquirers:
            ipc_env.run(objects, on({p: [call("s", "acquire")] for p in acquirers}))
            below = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)]
                                             for p in releasers}))
            spec.check_results(below, below.ops, None, prop, "release() below the initial value")
        full = ipc_env.run(objects, on({p: [call("s", "release", pause=pause)] for p in again}))
        raised(full, full.ops, error, prop, "release() of a BoundedSemaphore(%d) back at %d"
               % (value, value))
        race = ipc_env.run(objects, [[call("s", "acquire", False, pause=pause)]
                                     for _ in range(value + 1)])
        spec.check_count(race, race.ops, value, "boundedsemaphore.bound",
                         "%d concurrent acquire(False) of a BoundedSemaphore(%d) after the failed "
                         "releases" % (value + 1, value))

    @checks("semaphore.linearizable", "boundedsemaphore.linearizable")
    @property_settings()
    @given(linearizable_plans())
    @example(scenario=(0, 0, [[call("s", "acquire", False)], [call("b", "acquire", False)]]))
    @example(scenario=(1, 1, [[call("s", "acquire", False)], [call("b", "release")]]))
    def test_linearizable(self, ipc_env, scenario):
        """Random concurrent programs of non-blocking, timed and negative-timeout acquires,
        releases and ``get_value()``, on a Semaphore and a BoundedSemaphore, give a history that,
        for each of them, some order of its operations keeping their real-time order explains with
        its sequential model. (A BoundedSemaphore is released by one process only: racing releases
        near the bound are not atomic in CPython.)"""
        value, bound, programs = scenario
        if not self.flavour.get_value:
            programs = [[s for s in program if s.call != "get_value"] for program in programs]
        ipc_env.provision(self.flavour.semaphores() + self.flavour.bounded_semaphores(), PROCS)
        history = ipc_env.run({"s": self.flavour.semaphore(value),
                               "b": self.flavour.bounded(bound)}, programs)
        spec.check_linearizable(history, "s", self.flavour.semaphore_model(value),
                                "semaphore.linearizable")
        spec.check_linearizable(history, "b", self.flavour.bounded_model(bound),
                                "boundedsemaphore.linearizable")

    @checks("semaphore.bound", "semaphore.nonblocking", "semaphore.negative_timeout",
            "semaphore.timeout", "semaphore.release_any", "semaphore.value")
    def test_semaphore_machine(self, ipc_env):
        """Random sequences of concurrent non-blocking acquires, blocking and timed acquires,
        releases from any process, hand-overs and ``get_value()`` agree with a model of the
        counter."""
        flavour = self.flavour
        ipc_env.provision(flavour.semaphores(), PROCS)
        run_state_machine_as_test(lambda: SemaphoreMachine(ipc_env, flavour),
                                  settings=property_settings(stateful_step_count=MACHINE_STEPS))


# -- a state machine: operations from any process on one Semaphore, against a model ---------------


class SemaphoreMachine(RuleBasedStateMachine):
    """One Semaphore of ``flavour``; each rule is one phase in which some workers act on it at
    once. The model is its counter."""

    def __init__(self, env, flavour=Native):
        super().__init__()
        self.env = env
        self.flavour = flavour
        self.objects = None
        self.count = 0

    def run(self, steps):
        return self.env.run(self.objects, on(steps))

    @initialize(value=st.integers(0, MAX_VALUE))
    def create(self, value):
        self.objects = self.env.allocate({"s": self.flavour.semaphore(value)}, PROCS)
        self.count = value

    @rule(procs=procs_subset(PROCS, 1, 3),
          form=st.sampled_from(["positional", "timeout", "negative"]))
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
        check_timed_out(history, history.ops, timeout, "semaphore.timeout",
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
        if not self.flavour.get_value:
            return
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


class TestSemaphore(SemaphoreProperties):
    """The native Semaphore and BoundedSemaphore."""

    flavour = Native


class Managed(Native):
    """``manager.Semaphore(value)`` and ``manager.BoundedSemaphore(value)``: proxies of a
    ``threading.Semaphore`` and ``threading.BoundedSemaphore`` in the manager's process (the
    documentation: "Create a shared threading.Semaphore object and return a proxy for it"). A
    BoundedSemaphore released too often raises ValueError there too; the proxy offers ``acquire``
    and ``release`` only, so no ``get_value()``; acquire is threading's
    (:func:`ipc_spec.specs.lock.threading_spelling`)."""

    name = "manager"
    respell = staticmethod(threading_spelling)
    get_value = False
    not_promised = {"semaphore.value": "a Manager's Semaphore proxy has no get_value(): it "
                                       "exposes threading.Semaphore's acquire() and release()"}

    @staticmethod
    def semaphore(value):
        return Make(manager.managed_Semaphore, value)

    @staticmethod
    def bounded(value):
        return Make(manager.managed_BoundedSemaphore, value)


class TestManagerSemaphore(SemaphoreProperties):
    """A Manager's Semaphore and BoundedSemaphore proxies."""

    flavour = Managed
    test_value = None
