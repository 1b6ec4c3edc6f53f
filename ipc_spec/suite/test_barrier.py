"""Barrier properties (see ``ipc_spec.specs.barrier`` for the semantics checked).

The properties are methods of :class:`BarrierProperties`, bound to a *flavour*: an object that
builds the Barriers (``flavour.barrier(parties, **kwargs)``) and states what differs between
implementations of the same semantics. :class:`TestBarrier` binds them to the native
``ctx.Barrier``; another flavour (a Manager's proxy) subclasses with its own.
"""

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.authoring import (NEVER, TIMEOUTS, Make, call, checks, macro, pauses,
                                property_settings, read, timeouts)
from ipc_spec.ops import barrier as ops
from ipc_spec.ops import manager
from ipc_spec.specs import barrier as spec

MAX_PARTIES = 8


class Native(object):
    """``ctx.Barrier``, recycled by its documented reset."""

    name = "native"
    #: The action drawn for a Barrier (None: the flavour's actions run where the kit cannot see
    #: them, and ``barrier.action`` is in its ``not_promised``).
    action = staticmethod(ops.action)

    @staticmethod
    def barrier(parties, **kwargs):
        return Make("Barrier", parties, **kwargs).recycled_by(spec.reset, often=True)


def full_generation(obj, parties, timeout=None):
    """Programs in which ``parties`` processes pass ``obj`` once (with ``wait(timeout)`` if given);
    checked as one generation."""
    wait = call(obj, "wait") if timeout is None else call(obj, "wait", timeout)
    return [[wait] for _ in range(parties)]


@st.composite
def generation_plans(draw):
    parties = draw(st.integers(1, MAX_PARTIES))
    generations = draw(st.integers(1, 3))
    plan = draw(st.lists(st.lists(pauses(), min_size=generations, max_size=generations),
                         min_size=parties, max_size=parties))
    return parties, generations, plan


@st.composite
def timeout_plans(draw):
    parties = draw(st.integers(2, MAX_PARTIES))
    waiting = draw(st.integers(1, parties - 1))
    timeout = draw(timeouts())
    in_constructor = draw(st.booleans())
    plan = draw(st.lists(pauses(), min_size=waiting, max_size=waiting))
    return parties, timeout, in_constructor, plan


@st.composite
def abort_plans(draw):
    parties = draw(st.integers(2, MAX_PARTIES))
    waiting = draw(st.integers(0, parties - 1))
    plan = draw(st.lists(pauses(), min_size=waiting + 1, max_size=waiting + 1))
    return parties, plan


@st.composite
def reset_plans(draw):
    parties = draw(st.integers(2, MAX_PARTIES))
    waiting = draw(st.integers(1, parties - 1))
    plan = draw(st.lists(pauses(), min_size=waiting, max_size=waiting))
    return parties, plan


class BarrierProperties(object):
    """The Barrier properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    @checks("barrier.release", "barrier.indices", "barrier.action")
    @property_settings()
    @given(generation_plans(), st.booleans())
    def test_generations(self, ipc_env, scenario, with_action):
        """Each generation releases all N waiters together, with indices a permutation of 0..N-1,
        and the action runs exactly once per generation between the last arrival and the first
        release."""
        parties, generations, plan = scenario
        with_action = with_action and self.flavour.action is not None
        kwargs = {"action": self.flavour.action} if with_action else {}
        actions = ({}, {"action": self.flavour.action}) if self.flavour.action is not None else ({},)
        ipc_env.provision([self.flavour.barrier(n, **kw) for n in range(1, MAX_PARTIES + 1)
                           for kw in actions], MAX_PARTIES)
        programs = [[call("b", "wait", pause=p) for p in row] for row in plan]
        history = ipc_env.run({"b": self.flavour.barrier(parties, **kwargs)}, programs)
        spec.check_generations(history, "b", parties, generations, action=with_action)

    @checks("barrier.timeout", "barrier.reset", "barrier.release", "barrier.indices")
    @property_settings()
    @given(timeout_plans())
    def test_timeout(self, ipc_env, scenario):
        """A wait whose timeout (its own or the constructor's) expires breaks the barrier: every
        waiter raises BrokenBarrierError, none before the timeout; the barrier stays broken,
        refusing every wait, until reset(); after reset() a full generation passes."""
        parties, timeout, in_constructor, plan = scenario
        barrier = self.flavour.barrier
        ipc_env.provision([barrier(n, timeout=t) for n in range(2, MAX_PARTIES + 1) for t in TIMEOUTS]
                          + [barrier(n) for n in range(2, MAX_PARTIES + 1)], MAX_PARTIES)
        make = barrier(parties, timeout=timeout) if in_constructor else barrier(parties)
        objects = ipc_env.allocate({"b": make}, parties)
        wait = (lambda p: call("b", "wait", pause=p)) if in_constructor else (
            lambda p: call("b", "wait", timeout, pause=p))
        history = ipc_env.run(objects, [[wait(p)] for p in plan])
        spec.check_broken_waits(history, "b", timeout)

        still_broken = ipc_env.run(objects, [[read("b", "broken"), call("b", "wait", timeout)]
                                             for _ in range(parties)])
        spec.check_state(still_broken, "b", "barrier.timeout", broken=True)
        spec.check_broken_waits(still_broken, "b", None)

        after = ipc_env.run(objects, [[call("b", "reset"), read("b", "broken")]])
        spec.check_state(after, "b", "barrier.reset", broken=False)
        # The generation that must fill overrides the short default timeout the barrier may have
        # been made with: a slow machine must not break it.
        spec.check_generations(ipc_env.run(objects, full_generation("b", parties, NEVER)), "b",
                               parties, 1)

    @checks("barrier.abort", "barrier.release", "barrier.indices")
    @property_settings()
    @given(abort_plans())
    def test_abort(self, ipc_env, scenario):
        """abort() breaks the barrier: every waiter, whether it came before or after, raises
        BrokenBarrierError and ``broken`` is True in every process, until reset()."""
        parties, plan = scenario
        ipc_env.provision([self.flavour.barrier(n) for n in range(2, MAX_PARTIES + 1)], MAX_PARTIES)
        objects = ipc_env.allocate({"b": self.flavour.barrier(parties)}, parties)
        *waiters, aborter = plan
        programs = ([[call("b", "wait", pause=p)] for p in waiters]
                    + [[call("b", "abort", pause=aborter)]])
        history = ipc_env.run(objects, programs)
        spec.check_broken_waits(history, "b", None, prop="barrier.abort")
        seen = ipc_env.run(objects, [[read("b", "broken"), call("b", "wait")] for _ in range(parties)])
        spec.check_state(seen, "b", "barrier.abort", broken=True)
        spec.check_broken_waits(seen, "b", None, prop="barrier.abort")
        ipc_env.run(objects, [[call("b", "reset")]])
        spec.check_generations(ipc_env.run(objects, full_generation("b", parties)), "b", parties, 1)

    @checks("barrier.reset", "barrier.attributes", "barrier.n_waiting", "barrier.release",
            "barrier.indices")
    @property_settings()
    @given(reset_plans())
    def test_reset(self, ipc_env, scenario):
        """``parties`` and ``n_waiting`` are seen by every process; reset() while processes wait
        makes each of them raise BrokenBarrierError and leaves the barrier empty and not broken."""
        parties, plan = scenario
        waiting = len(plan)
        ipc_env.provision([self.flavour.barrier(n) for n in range(2, MAX_PARTIES + 1)], MAX_PARTIES)
        objects = ipc_env.allocate({"b": self.flavour.barrier(parties)}, parties)
        fresh = ipc_env.run(objects, [[read("b", "parties"), read("b", "n_waiting"),
                                       read("b", "broken")] for _ in range(parties)])
        spec.check_state(fresh, "b", "barrier.attributes", broken=False, n_waiting=0, parties=parties)
        programs = [[call("b", "wait", pause=p)] for p in plan]
        programs.append([macro("b", "await_attr", "n_waiting", waiting, timeout=ipc_env.deadline / 4),
                         call("b", "reset")])
        history = ipc_env.run(objects, programs)
        watcher = history.of(waiting)[0]
        spec.expect(watcher.result is True, "barrier.n_waiting",
                    "n_waiting never reached %d while %d processes waited" % (waiting, waiting),
                    history, [watcher])
        spec.check_broken_waits(history, "b", None, prop="barrier.reset")
        after = ipc_env.run(objects, [[read("b", "n_waiting"), read("b", "broken")]
                                      for _ in range(parties)])
        spec.check_state(after, "b", "barrier.reset", broken=False, n_waiting=0)
        spec.check_generations(ipc_env.run(objects, full_generation("b", parties)), "b", parties, 1)


class TestBarrier(BarrierProperties):
    """The native Barrier."""

    flavour = Native


class Managed(Native):
    """``manager.Barrier(parties[, action[, timeout]])``: a proxy of a ``threading.Barrier`` in the
    manager's process (the documentation: "Create a shared threading.Barrier object and return a
    proxy for it"). Its ``action`` would run in the manager's process, where the kit observes
    nothing: the action is not drawn, and ``barrier.action`` not checked."""

    name = "manager"
    action = None
    not_promised = {"barrier.action": "a Manager's Barrier runs its action in the manager's "
                                      "process, out of the kit's sight"}

    @staticmethod
    def barrier(parties, **kwargs):
        return Make(manager.managed_Barrier, parties, **kwargs)


class TestManagerBarrier(BarrierProperties):
    """A Manager's Barrier proxy."""

    flavour = Managed
