"""Fault injection: a participating process is killed with SIGKILL at a point Hypothesis chooses, and
the survivors' documented guarantees are checked (see ``ipc_spec.specs.faults``)."""

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.authoring import (TIMEOUTS, Make, call, checks, die, late, pauses, property_settings,
                                timeouts)
from ipc_spec.specs import barrier
from ipc_spec.specs import faults as spec
from ipc_spec.specs.connection import pipe as new_pipe

#: Seconds a fault example may run beyond its longest timeout + LATE before it counts as a deadlock
#: (room for a loaded machine): a survivor stuck past that has overstayed its timeout.
SLACK = 2.0
#: The longest timeout the fault properties draw (``strategies.timeouts()``).
LONGEST = max(TIMEOUTS)


def deadline(env, longest=LONGEST):
    """The deadline of a fault example whose longest timeout is ``longest``, or the env's own
    deadline if shorter (a self-test's)."""
    return min(longest + late() + SLACK, env.deadline)


class Native(object):
    """The native objects. Nothing is recycled: a killed process leaves them held or broken."""

    name = "native"
    held = {
        "Lock": Make("Lock"),
        "RLock": Make("RLock"),
        "Semaphore": Make("Semaphore", 1),
        "BoundedSemaphore": Make("BoundedSemaphore", 1),
    }

    @staticmethod
    def barrier(parties):
        return Make("Barrier", parties)

    event = Make("Event")
    queue = Make("Queue")
    pipe = Make(new_pipe, True)


#: A poll timeout the peer's death always comes well within.
POLL_TIMEOUT = 5.0


#: Payload sizes a pipe takes in one atomic write (at most PIPE_BUF, 4096 bytes on Linux), and sizes
#: above the pipe buffer (64 KiB), which leave a message half written when the producer dies before
#: its feeder thread is done.
SMALL = (0, 1, 100, 4000)
LARGE = (70000, 300000)


def _producer_killed(ipc_env, flavour, sizes, death, timeout, prop):
    ipc_env.provision([flavour.queue], 2)
    items = [b"%d:" % i + b"x" * size for i, size in enumerate(sizes)]
    objects = ipc_env.allocate({"q": flavour.queue}, 2)
    ipc_env.run(objects, [[call("q", "put", item) for item in items] + [die(death)]],
                deadline=deadline(ipc_env))
    gets = [call("q", "get", timeout=timeout) for _ in range(len(items) + 1)]
    history = ipc_env.run(objects, [[], gets], deadline=deadline(ipc_env))
    ops = history.select("q", "get")
    spec.check_bounded(history, ops, timeout, prop, "get after the producer was killed")
    spec.check_no_duplicates(history, ops, items, prop)


class FaultProperties(object):
    """The fault properties, for any flavour."""

    flavour = Native

    @checks("faults.lock_holder_killed")
    @property_settings()
    @given(st.sampled_from(sorted(Native.held)), st.integers(1, 3), timeouts(), pauses(),
           st.lists(pauses(), min_size=3, max_size=3))
    def test_lock_holder_killed(self, ipc_env, kind, survivors, timeout, death, waits):
        """A lock whose holder was killed stays held: survivors' acquire(timeout=t) return False,
        not before t and not grossly after."""
        ipc_env.provision(self.flavour.held.values(), 4)
        objects = ipc_env.allocate({"l": self.flavour.held[kind]}, 1 + survivors)
        ipc_env.run(objects, [[call("l", "acquire"), die(death)]], deadline=deadline(ipc_env))
        history = ipc_env.run(objects, [[]] + [[call("l", "acquire", timeout=timeout, pause=p)]
                                               for p in waits[:survivors]],
                              deadline=deadline(ipc_env))
        spec.check_timed_out(history, history.select("l", "acquire"), timeout,
                             "faults.lock_holder_killed", "%s held by a killed process" % kind)

    @checks("faults.barrier_party_killed")
    @property_settings()
    @given(st.integers(2, 4), timeouts(), pauses(), st.lists(pauses(), min_size=3, max_size=3))
    def test_barrier_party_killed(self, ipc_env, parties, timeout, death, waits):
        """A Barrier one of whose parties was killed never fills: every survivor's wait(timeout=t)
        raises BrokenBarrierError, the first not before t, none grossly after."""
        ipc_env.provision([self.flavour.barrier(n) for n in range(2, 5)], 4)
        programs = [[die(death)]] + [[call("b", "wait", timeout, pause=p)]
                                     for p in waits[:parties - 1]]
        history = ipc_env.run({"b": self.flavour.barrier(parties)}, programs,
                              deadline=deadline(ipc_env))
        barrier.check_broken_waits(history, "b", timeout, prop="faults.barrier_party_killed")

    @checks("faults.event_setter_killed")
    @property_settings()
    @given(st.integers(1, 3), timeouts(), pauses(), st.lists(pauses(), min_size=3, max_size=3))
    def test_event_setter_killed(self, ipc_env, waiters, timeout, death, waits):
        """An Event whose setter was killed before setting stays clear: wait(t) returns False, not
        before t and not grossly after."""
        ipc_env.provision([self.flavour.event], 4)
        programs = [[die(death)]] + [[call("e", "wait", timeout, pause=p)] for p in waits[:waiters]]
        history = ipc_env.run({"e": self.flavour.event}, programs, deadline=deadline(ipc_env))
        spec.check_timed_out(history, history.select("e", "wait"), timeout,
                             "faults.event_setter_killed", "an Event whose setter was killed")

    @checks("faults.pipe_peer_killed")
    @property_settings()
    @given(st.lists(st.binary(max_size=8), max_size=4), pauses())
    def test_pipe_peer_killed(self, ipc_env, messages, death):
        """The end of a Pipe whose peer was killed yields what the peer sent, in order, then
        EOFError; poll(timeout) returns True once the peer is dead (end of file is readable)."""
        sender = [call("p.b", "close")] + [call("p.a", "send", m) for m in messages] + [die(death)]
        receiver = [call("p.a", "close")] + [call("p.b", "recv") for _ in messages] + [
            call("p.b", "poll", POLL_TIMEOUT), call("p.b", "recv")]
        history = ipc_env.run({"p": self.flavour.pipe}, [sender, receiver],
                              deadline=deadline(ipc_env, POLL_TIMEOUT), fresh=True)
        recvs = history.select("p.b", "recv")
        spec.check_eof_after(history, recvs, messages, "faults.pipe_peer_killed")
        poll = history.select("p.b", "poll")
        spec.check_polled(history, poll, POLL_TIMEOUT, "faults.pipe_peer_killed")

    @checks("faults.queue_producer_killed")
    @property_settings()
    @given(st.lists(st.sampled_from(SMALL), min_size=1, max_size=3), pauses(), timeouts())
    def test_queue_producer_killed(self, ipc_env, sizes, death, timeout):
        """A Queue whose producer was killed right after putting small items: every get(timeout=t)
        of the consumer returns or raises Empty within its timeout, and no item arrives twice or
        unput."""
        _producer_killed(ipc_env, self.flavour, sizes, death, timeout,
                         "faults.queue_producer_killed")

    @checks("faults.queue_producer_killed_mid_message")
    @property_settings()
    @given(st.lists(st.sampled_from(LARGE), min_size=1, max_size=2), pauses(), timeouts())
    def test_queue_producer_killed_mid_message(self, ipc_env, sizes, death, timeout):
        """The same with items larger than the pipe buffer, so that the producer may die with a
        message half written: the consumer's gets must still return or raise Empty within their
        timeouts."""
        _producer_killed(ipc_env, self.flavour, sizes, death, timeout,
                         "faults.queue_producer_killed_mid_message")


class TestFaults(FaultProperties):
    """Faults in the native objects."""

    flavour = Native
