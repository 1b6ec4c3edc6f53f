"""Lock and RLock properties (see ``ipc_spec.specs.lock`` for the semantics checked).

The properties are methods of :class:`LockProperties`, bound to a *flavour*: an object that builds
the locks (``flavour.lock()``, ``flavour.rlock()``) and states what differs between implementations
of the same semantics (the error types of bad releases). :class:`TestLock` binds them to the native
``ctx.Lock`` and ``ctx.RLock``; another flavour (a Manager's proxies) subclasses with its own.

Most properties run in phases (``Env.allocate`` then several ``Env.run`` calls on the same lock):
every step of a phase is over before the next phase starts, so "process 0 holds the lock" is a fact
established by one phase and relied on by the next, without any sleep.
"""

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from ipc_spec.authoring import (Cells, Make, Ref, call, check_timed_out, checks, macro, on,
                                pauses, property_settings, raised, random_programs, read,
                                returned, timeouts, two_procs)
from ipc_spec.ops import manager
from ipc_spec.specs import lock as spec
from ipc_spec.specs.lock import (HOLDS, RANDOM_OPS, nonblocking_acquire, others, random_op,
                                 timed_acquire)

#: Most processes a Lock scenario uses.
PROCS = 4
#: Steps of the state machines per example.
MACHINE_STEPS = 12
#: The critical sections' counter: the kit's own shared memory, never the implementation's Value.
COUNTER = Cells(1)
#: The kinds of lock, as the scenarios draw them (``kind.lower()`` prefixes the clauses).
KINDS = ("Lock", "RLock")


class Native(object):
    """``ctx.Lock`` and ``ctx.RLock``, recycled by their documented reset (nobody holds them)."""

    name = "native"
    #: The type name of the error ``release()`` of an unlocked Lock raises (threading:
    #: RuntimeError).
    release_unlocked_error = "ValueError"
    #: The type name of the error ``release()`` of an RLock by a process that does not own it
    #: raises (threading: RuntimeError).
    rlock_not_owner_error = "AssertionError"
    #: The type name of the error ``release()`` of an RLock nobody owns raises (threading:
    #: RuntimeError).
    rlock_unowned_error = "AssertionError"

    @staticmethod
    def lock():
        return Make("Lock").recycled_by(spec.reset, often=False)

    @staticmethod
    def rlock():
        return Make("RLock").recycled_by(spec.reset, often=False)

    @classmethod
    def make(cls, kind):
        """The Make of ``kind`` (``"Lock"`` or ``"RLock"``)."""
        return cls.lock() if kind == "Lock" else cls.rlock()

    @classmethod
    def lock_model(cls):
        """The sequential model of this flavour's Lock."""
        return spec.Lock(cls.release_unlocked_error)

    @staticmethod
    def rlock_model():
        """The sequential model of this flavour's RLock (it accepts any error of a bad release)."""
        return spec.RLock()


# -- mutual exclusion ----------------------------------------------------------------------------


@st.composite
def exclusion_plans(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    procs = draw(st.integers(2, PROCS))
    section = st.tuples(pauses(), st.sampled_from(HOLDS), st.booleans())
    plan = draw(st.lists(st.lists(section, min_size=1, max_size=3), min_size=procs, max_size=procs))
    return kind, plan


# -- non-blocking acquire, release from another process -------------------------------------------


@st.composite
def nonblocking_plans(draw):
    procs = draw(st.integers(2, PROCS))
    holder, releaser = draw(two_procs(procs))
    forms = draw(st.lists(st.sampled_from(["positional", "keyword", "timeout"]),
                          min_size=procs, max_size=procs))
    return procs, holder, releaser, forms, draw(pauses())


# -- timeouts ------------------------------------------------------------------------------------

TIMEOUT_FORMS = ("keyword", "positional", "negative", "minus_one")


@st.composite
def timeout_plans(draw):
    kind = draw(st.sampled_from(sorted(KINDS)))
    procs = draw(st.integers(2, PROCS))
    holder, taker = draw(two_procs(procs))
    waits = draw(st.lists(st.tuples(st.sampled_from(TIMEOUT_FORMS), timeouts(high=0.1), pauses()),
                          min_size=procs - 1, max_size=procs - 1))
    return kind, procs, holder, taker, waits, draw(timeouts(high=0.1))


# -- release errors ------------------------------------------------------------------------------


@st.composite
def release_plans(draw):
    procs = draw(st.integers(2, PROCS))
    early = draw(st.lists(st.integers(0, procs - 1), min_size=1, max_size=procs, unique=True))
    owner, releaser = draw(two_procs(procs))
    late = draw(st.integers(0, procs - 1))
    return procs, early, owner, releaser, late, draw(pauses())


# -- RLock ---------------------------------------------------------------------------------------

REENTRY_FORMS = ("acquire", "nonblocking", "timeout", "negative", "enter")


def reentry(obj, form, timeout):
    return {"acquire": call(obj, "acquire"),
            "nonblocking": call(obj, "acquire", False),
            "timeout": call(obj, "acquire", timeout=timeout),
            "negative": call(obj, "acquire", True, -1),
            "enter": call(obj, "__enter__")}[form]


@st.composite
def reentry_plans(draw):
    procs = draw(st.integers(2, PROCS))
    owner, other = draw(two_procs(procs))
    depth = draw(st.integers(1, 5))
    acquires = draw(st.lists(st.sampled_from(REENTRY_FORMS), min_size=depth, max_size=depth))
    exits = draw(st.lists(st.booleans(), min_size=depth, max_size=depth))
    return procs, owner, other, acquires, exits, draw(timeouts(high=0.05))


@st.composite
def rlock_release_plans(draw):
    procs = draw(st.integers(2, PROCS))
    early = draw(st.lists(st.integers(0, procs - 1), min_size=1, max_size=procs, unique=True))
    owner = draw(st.integers(0, procs - 1))
    strangers = draw(st.lists(st.sampled_from(others(procs, owner)), min_size=1, unique=True))
    return procs, early, owner, strangers, draw(pauses())


# -- linearizability ------------------------------------------------------------------------------


@st.composite
def linearizable_plans(draw):
    procs = draw(st.integers(2, PROCS))
    # CPython's release of a Lock is not atomic: never race two (see the spec). Only an RLock's
    # owner can release it, and others' releases raise: any process may try.
    releaser = draw(st.integers(0, procs - 1))
    return draw(random_programs(procs, {"l": (RANDOM_OPS, [releaser]),
                                        "r": (RANDOM_OPS, range(procs))}, random_op))


# -- the properties ------------------------------------------------------------------------------


class LockProperties(object):
    """The Lock and RLock properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    @checks("lock.exclusion", "rlock.exclusion")
    @property_settings()
    @given(exclusion_plans())
    def test_exclusion(self, ipc_env, scenario):
        """N processes each run critical sections (``acquire()``/``release()`` or ``with``) that
        read-modify-write a shared unprotected counter: no two sections overlap in time, and the
        counter ends exact."""
        kind, plan = scenario
        ipc_env.provision([self.flavour.lock(), self.flavour.rlock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.make(kind), "n": COUNTER}, len(plan))
        programs = [[macro("l", "lock:critical", Ref("n"), hold=hold, use_with=with_, pause=pause)
                     for pause, hold, with_ in row] for row in plan]
        prop = kind.lower() + ".exclusion"
        history = ipc_env.run(objects, programs)
        spec.check_holders(history, "l", 1, prop)
        final = ipc_env.run(objects, [[read("n", "value")]])
        spec.check_counter(final, "n", sum(len(row) for row in plan), prop, "l")

    @checks("lock.nonblocking", "lock.release_any")
    @property_settings()
    @given(nonblocking_plans())
    def test_nonblocking(self, ipc_env, scenario):
        """``acquire(False)`` takes a free lock (True); while it is held it returns False at once in
        every process, the holder included, whatever its ``timeout``; a process other than the
        holder releases it, and then it can be taken again."""
        procs, holder, releaser, forms, pause = scenario
        ipc_env.provision([self.flavour.lock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.lock()}, procs)
        taken = ipc_env.run(objects, on({holder: [nonblocking_acquire("l", forms[holder])]}))
        spec.check_results(taken, taken.ops, True, "lock.nonblocking",
                           "acquire(False) of a free lock")
        refused = ipc_env.run(objects, [[nonblocking_acquire("l", form, pause)] for form in forms])
        spec.check_results(refused, refused.ops, False, "lock.nonblocking",
                           "acquire(False) while another step holds the lock")
        spec.check_prompt(refused, refused.ops, "lock.nonblocking", "acquire(False) does not block")
        released = ipc_env.run(objects, on({releaser: [call("l", "release", pause=pause)]}))
        spec.check_results(released, released.ops, None, "lock.release_any",
                           "release() by a process that did not acquire the lock")
        again = ipc_env.run(objects, on({holder: [call("l", "acquire", False),
                                                  call("l", "release")]}))
        spec.check_results(again, again.ops[:1], True, "lock.release_any",
                           "acquire(False) after another process released the lock")

    @checks("lock.timeout", "lock.negative_timeout", "rlock.timeout", "rlock.negative_timeout")
    @property_settings()
    @given(timeout_plans())
    def test_timeout(self, ipc_env, scenario):
        """While one process holds the lock, ``acquire(timeout=t)`` in the others returns False, not
        before t and not much after; a negative timeout counts as zero: False at once. Once the lock
        is free, ``acquire(True, -1)`` and ``acquire(timeout=t)`` take it at once (True)."""
        kind, procs, holder, taker, waits, timeout = scenario
        prefix = kind.lower()
        ipc_env.provision([self.flavour.lock(), self.flavour.rlock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.make(kind)}, procs)
        ipc_env.run(objects, on({holder: [call("l", "acquire")]}))
        waiters = others(procs, holder)
        history = ipc_env.run(objects, on({p: [timed_acquire("l", form, t, pause)]
                                           for p, (form, t, pause) in zip(waiters, waits)}))
        for p, (form, t, _) in zip(waiters, waits):
            op = history.of(p)[0]
            if form in ("keyword", "positional"):
                check_timed_out(history, [op], t, prefix + ".timeout",
                                "acquire(timeout=%g) of a lock another process holds" % t)
            else:
                what = "acquire() with a negative timeout, of a lock another process holds"
                spec.check_results(history, [op], False, prefix + ".negative_timeout", what)
                spec.check_prompt(history, [op], prefix + ".negative_timeout", what)
        ipc_env.run(objects, on({holder: [call("l", "release")]}))
        free = ipc_env.run(objects, on({taker: [
            timed_acquire("l", "minus_one", 0), call("l", "release"),
            timed_acquire("l", "keyword", timeout), call("l", "release")]}))
        first, _, second, _ = free.ops
        spec.check_results(free, [first], True, prefix + ".negative_timeout",
                           "acquire(True, -1) of a free lock")
        spec.check_prompt(free, [first], prefix + ".negative_timeout",
                          "acquire(True, -1) of a free lock")
        spec.check_results(free, [second], True, prefix + ".timeout",
                           "acquire(timeout=t) of a free lock")
        returned(free, free.ops, prefix + ".timeout", "releasing the lock taken")

    @checks("lock.release_unlocked")
    @property_settings()
    @given(release_plans())
    def test_release_unlocked(self, ipc_env, scenario):
        """``release()`` of a lock never acquired, or already released, raises ValueError (the
        flavour's ``release_unlocked_error``) in any process, and leaves it an unlocked lock:
        afterwards exactly one of two concurrent ``acquire(False)`` succeeds."""
        procs, early, owner, releaser, late, pause = scenario
        prop = "lock.release_unlocked"
        error = self.flavour.release_unlocked_error
        ipc_env.provision([self.flavour.lock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.lock()}, procs)
        fresh = ipc_env.run(objects, on({p: [call("l", "release", pause=pause)] for p in early}))
        raised(fresh, fresh.ops, error, prop, "release() of a lock never acquired")
        ipc_env.run(objects, on({owner: [call("l", "acquire")]}))
        ipc_env.run(objects, on({releaser: [call("l", "release")]}))
        again = ipc_env.run(objects, on({late: [call("l", "release")]}))
        raised(again, again.ops, error, prop, "release() of a lock already released")
        probe = ipc_env.run(objects, on({owner: [call("l", "acquire", False, pause=pause)],
                                         releaser: [call("l", "acquire", False)]}))
        spec.check_count(probe, probe.ops, 1, prop,
                         "two concurrent acquire(False) after the failed releases")

    @checks("lock.context")
    @property_settings()
    @given(st.integers(2, PROCS).flatmap(lambda n: st.tuples(st.just(n), two_procs(n))),
           st.booleans())
    def test_context(self, ipc_env, scenario, by_exception):
        """``__enter__`` acquires the lock (another process's ``acquire(False)`` is False) and
        ``__exit__`` releases it, also when the block ends by an exception."""
        procs, (inside, outside) = scenario
        prop = "lock.context"
        ipc_env.provision([self.flavour.lock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.lock()}, procs)
        entered = ipc_env.run(objects, on({inside: [call("l", "__enter__")]}))
        returned(entered, entered.ops, prop, "entering a with block")
        probe = ipc_env.run(objects, on({outside: [call("l", "acquire", False)]}))
        spec.check_results(probe, probe.ops, False, prop,
                           "acquire(False) while a with block holds the lock")
        exc = ((ValueError, ValueError("raised in the with block"), None) if by_exception
               else (None,) * 3)
        left = ipc_env.run(objects, on({inside: [call("l", "__exit__", *exc)]}))
        returned(left, left.ops, prop, "leaving a with block")
        probe = ipc_env.run(objects, on({outside: [call("l", "acquire", False),
                                                   call("l", "release")]}))
        spec.check_results(probe, probe.ops[:1], True, prop,
                           "acquire(False) after the with block ended")

    @checks("rlock.reentrant", "rlock.exclusion", "rlock.depth")
    @property_settings()
    @given(reentry_plans())
    def test_rlock_reentrant(self, ipc_env, scenario):
        """The owner of an RLock acquires it again, to any depth, without blocking (every acquire
        True); another process cannot take it until the owner has released it as many times, and
        can right after the last release."""
        procs, owner, other, acquires, exits, timeout = scenario
        depth = len(acquires)
        ipc_env.provision([self.flavour.rlock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.rlock()}, procs)
        nested = ipc_env.run(objects, on({owner: [reentry("l", form, timeout)
                                                  for form in acquires]}))
        for op, form in zip(nested.ops, acquires):
            if form == "enter":  # what __enter__ returns is not documented
                returned(nested, [op], "rlock.reentrant", "re-entering a with block")
            else:
                spec.check_results(nested, [op], True, "rlock.reentrant",
                                   "acquire by the process that owns the RLock")
        probe = ipc_env.run(objects, on({other: [call("l", "acquire", False)]}))
        spec.check_results(probe, probe.ops, False, "rlock.exclusion",
                           "acquire(False) by another process while the RLock is owned")
        for level in range(depth, 0, -1):
            step = (call("l", "__exit__", None, None, None) if exits[level - 1]
                    else call("l", "release"))
            released = ipc_env.run(objects, on({owner: [step]}))
            returned(released, released.ops, "rlock.depth", "release by the owner")
            probe = ipc_env.run(objects, on({other: [call("l", "acquire", False)]}))
            spec.check_results(probe, probe.ops, level == 1, "rlock.depth",
                               "acquire(False) by another process after %d of %d releases"
                               % (depth - level + 1, depth))
        ipc_env.run(objects, on({other: [call("l", "release")]}))

    @checks("rlock.unowned", "rlock.not_owner")
    @property_settings()
    @given(rlock_release_plans())
    def test_rlock_release(self, ipc_env, scenario):
        """``release()`` of an RLock nobody owns, or by a process that does not own it, raises
        AssertionError (the flavour's ``rlock_unowned_error``, ``rlock_not_owner_error``) and
        leaves the lock as it was: still owned (others' ``acquire(False)`` False) in the second
        case, free in the first."""
        procs, early, owner, strangers, pause = scenario
        unowned, not_owner = self.flavour.rlock_unowned_error, self.flavour.rlock_not_owner_error
        ipc_env.provision([self.flavour.rlock()], PROCS)
        objects = ipc_env.allocate({"l": self.flavour.rlock()}, procs)
        fresh = ipc_env.run(objects, on({p: [call("l", "release", pause=pause)] for p in early}))
        raised(fresh, fresh.ops, unowned, "rlock.unowned", "release() of an unowned RLock")
        ipc_env.run(objects, on({owner: [call("l", "acquire")]}))
        wrong = ipc_env.run(objects, on({p: [call("l", "release", pause=pause)]
                                         for p in strangers}))
        raised(wrong, wrong.ops, not_owner, "rlock.not_owner",
               "release() by a process that does not own the RLock")
        probe = ipc_env.run(objects, on({strangers[0]: [call("l", "acquire", False)]}))
        spec.check_results(probe, probe.ops, False, "rlock.not_owner",
                           "acquire(False) by another process after others' failed releases")
        done = ipc_env.run(objects, on({owner: [call("l", "release"), call("l", "release")]}))
        returned(done, done.ops[:1], "rlock.not_owner", "release() by the owner")
        raised(done, done.ops[1:], unowned, "rlock.unowned",
               "release() of an RLock its owner has just released")
        probe = ipc_env.run(objects, on({strangers[0]: [call("l", "acquire", False),
                                                         call("l", "release")]}))
        spec.check_results(probe, probe.ops[:1], True, "rlock.unowned",
                           "acquire(False) of the RLock after the failed releases")

    @checks("lock.linearizable", "rlock.linearizable")
    @property_settings()
    @given(linearizable_plans())
    def test_linearizable(self, ipc_env, programs):
        """Random concurrent programs of non-blocking, timed and negative-timeout acquires and of
        releases, on a Lock and an RLock, give a history that, for each of them, some order of its
        operations keeping their real-time order explains with its sequential model. (A Lock is
        released by one process only: two racing releases are not atomic in CPython.)"""
        ipc_env.provision([self.flavour.lock(), self.flavour.rlock()], PROCS)
        history = ipc_env.run({"l": self.flavour.lock(), "r": self.flavour.rlock()}, programs)
        spec.check_linearizable(history, "l", self.flavour.lock_model(), "lock.linearizable")
        spec.check_linearizable(history, "r", self.flavour.rlock_model(), "rlock.linearizable")

    @checks("lock.exclusion", "lock.nonblocking", "lock.negative_timeout", "lock.timeout",
            "lock.release_any", "lock.release_unlocked")
    def test_lock_machine(self, ipc_env):
        """Random sequences of acquire (blocking, non-blocking, timed, negative timeout), release
        and hand-over, each from a random process, agree with a model of the lock's state."""
        flavour = self.flavour
        ipc_env.provision([flavour.lock()], PROCS)
        run_state_machine_as_test(lambda: LockMachine(ipc_env, flavour),
                                  settings=property_settings(stateful_step_count=MACHINE_STEPS))


# -- a state machine: operations from any process on one Lock, against a model --------------------


class LockMachine(RuleBasedStateMachine):
    """One Lock of ``flavour``; each rule is one phase in which one or two workers act on it. The
    model is whether it is locked (a Lock has no owner: any process may release it)."""

    def __init__(self, env, flavour=Native):
        super().__init__()
        self.env = env
        self.flavour = flavour
        self.objects = env.allocate({"l": flavour.lock()}, PROCS)
        self.locked = False

    def run(self, steps):
        return self.env.run(self.objects, on(steps))

    @rule(p=st.integers(0, PROCS - 1), form=st.sampled_from(["nonblocking", "timeout", "negative"]),
          timeout=timeouts(high=0.05))
    def try_acquire(self, p, form, timeout):
        """``acquire(False)``, ``acquire(timeout=t)`` or ``acquire(True, -1)``: True (and the lock
        taken) if it was free, else False (after t, for a timeout)."""
        state = "locked" if self.locked else "free"
        if form == "nonblocking":
            history = self.run({p: [call("l", "acquire", False)]})
            spec.check_results(history, history.ops, not self.locked, "lock.nonblocking",
                               "acquire(False) of a %s lock" % state)
        elif form == "negative":
            history = self.run({p: [call("l", "acquire", True, -1)]})
            spec.check_results(history, history.ops, not self.locked, "lock.negative_timeout",
                               "acquire(True, -1) of a %s lock" % state)
        else:
            history = self.run({p: [call("l", "acquire", timeout=timeout)]})
            what = "acquire(timeout=%g) of a %s lock" % (timeout, state)
            if self.locked:
                check_timed_out(history, history.ops, timeout, "lock.timeout", what)
            else:
                spec.check_results(history, history.ops, True, "lock.timeout", what)
        self.locked = True

    @precondition(lambda self: not self.locked)
    @rule(p=st.integers(0, PROCS - 1))
    def acquire(self, p):
        history = self.run({p: [call("l", "acquire")]})
        spec.check_results(history, history.ops, True, "lock.exclusion", "acquire() of a free lock")
        self.locked = True

    @rule(p=st.integers(0, PROCS - 1))
    def release(self, p):
        """From any process: unlocks a locked lock; raises the flavour's
        ``release_unlocked_error`` (ValueError) on an unlocked one."""
        history = self.run({p: [call("l", "release")]})
        if self.locked:
            spec.check_results(history, history.ops, None, "lock.release_any",
                               "release() of a locked lock")
        else:
            raised(history, history.ops, self.flavour.release_unlocked_error,
                   "lock.release_unlocked", "release() of an unlocked lock")
        self.locked = False

    @precondition(lambda self: self.locked)
    @rule(procs=two_procs(PROCS), pause=pauses())
    def hand_over(self, procs, pause):
        """One process blocks in acquire() while another releases: the waiter gets the lock."""
        waiter, releaser = procs
        history = self.run({waiter: [call("l", "acquire")],
                            releaser: [call("l", "release", pause=pause)]})
        returned(history, history.select("l", "release"), "lock.release_any",
                 "release() of a locked lock")
        spec.check_results(history, history.select("l", "acquire"), True, "lock.exclusion",
                           "acquire() while another process releases")


class TestLock(LockProperties):
    """The native Lock and RLock."""

    flavour = Native


class Managed(Native):
    """``manager.Lock()`` and ``manager.RLock()`` of the context's ``SyncManager``: proxies of a
    ``threading.Lock`` and ``threading.RLock`` in the manager's process (the documentation:
    "Create a shared threading.Lock object and return a proxy for it"). ``threading`` documents
    RuntimeError for every bad release ("When invoked on an unlocked lock, a RuntimeError is
    raised"; an RLock released by a thread that does not own it, or by nobody's, likewise), and the
    manager serves each process on a thread of its own, so ownership is per process. threading's
    ``acquire(blocking=True, timeout=-1)`` differs from multiprocessing's in spelling and in its
    negative timeouts: the steps are respelt to their multiprocessing meaning
    (:func:`ipc_spec.specs.lock.threading_spelling`)."""

    name = "manager"
    respell = staticmethod(spec.threading_spelling)
    release_unlocked_error = "RuntimeError"
    rlock_not_owner_error = "RuntimeError"
    rlock_unowned_error = "RuntimeError"

    @staticmethod
    def lock():
        return Make(manager.managed_Lock)

    @staticmethod
    def rlock():
        return Make(manager.managed_RLock)


class TestManagerLock(LockProperties):
    """A Manager's Lock and RLock proxies."""

    flavour = Managed
