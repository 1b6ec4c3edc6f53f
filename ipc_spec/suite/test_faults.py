"""Fault injection: a participating process is killed with SIGKILL at a point Hypothesis chooses, and
the survivors' documented guarantees are checked (see ``ipc_spec.specs.faults``)."""

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.harness import Make
from ipc_spec.history import call, die
from ipc_spec.plugin import property_settings
from ipc_spec.specs import LATE, barrier
from ipc_spec.specs import faults as spec
from ipc_spec.strategies import pauses, timeouts

#: Seconds a fault example may run before it counts as a deadlock: the longest timeout, plus LATE,
#: plus room for a loaded machine. A survivor stuck past this has overstayed its timeout.
FAULT_DEADLINE = 5.0 + LATE + 5.0


def pipe(ctx, duplex=True):
    """A Pipe as two named ends, ``p.a`` and ``p.b``."""
    a, b = ctx.Pipe(duplex)
    return {"a": a, "b": b}


HELD = {
    "Lock": Make("Lock"),
    "RLock": Make("RLock"),
    "Semaphore": Make("Semaphore", 1),
    "BoundedSemaphore": Make("BoundedSemaphore", 1),
}


@property_settings()
@given(st.sampled_from(sorted(HELD)), st.integers(1, 3), timeouts(), pauses(),
       st.lists(pauses(), min_size=3, max_size=3))
def test_lock_holder_killed(ipc_env, kind, survivors, timeout, death, waits):
    """A lock whose holder was killed stays held: survivors' acquire(timeout=t) return False, not
    before t and not grossly after."""
    ipc_env.provision(HELD.values(), 4)
    objects = ipc_env.allocate({"l": HELD[kind]}, 1 + survivors)
    ipc_env.run(objects, [[call("l", "acquire"), die(death)]], deadline=FAULT_DEADLINE)
    history = ipc_env.run(objects, [[]] + [[call("l", "acquire", timeout=timeout, pause=p)]
                                           for p in waits[:survivors]], deadline=FAULT_DEADLINE)
    spec.check_timed_out(history, history.select("l", "acquire"), timeout, False,
                         "faults.lock_holder_killed", "%s held by a killed process" % kind)


@property_settings()
@given(st.integers(2, 4), timeouts(), pauses(), st.lists(pauses(), min_size=3, max_size=3))
def test_barrier_party_killed(ipc_env, parties, timeout, death, waits):
    """A Barrier one of whose parties was killed never fills: every survivor's wait(timeout=t) raises
    BrokenBarrierError, the first not before t, none grossly after."""
    ipc_env.provision([Make("Barrier", n) for n in range(2, 5)], 4)
    programs = [[die(death)]] + [[call("b", "wait", timeout, pause=p)] for p in waits[:parties - 1]]
    history = ipc_env.run({"b": Make("Barrier", parties)}, programs, deadline=FAULT_DEADLINE)
    barrier.check_broken_waits(history, "b", timeout, prop="faults.barrier_party_killed")


@property_settings()
@given(st.integers(1, 3), timeouts(), pauses(), st.lists(pauses(), min_size=3, max_size=3))
def test_event_setter_killed(ipc_env, waiters, timeout, death, waits):
    """An Event whose setter was killed before setting stays clear: wait(t) returns False, not
    before t and not grossly after."""
    ipc_env.provision([Make("Event")], 4)
    programs = [[die(death)]] + [[call("e", "wait", timeout, pause=p)] for p in waits[:waiters]]
    history = ipc_env.run({"e": Make("Event")}, programs, deadline=FAULT_DEADLINE)
    spec.check_timed_out(history, history.select("e", "wait"), timeout, False,
                         "faults.event_setter_killed", "an Event whose setter was killed")


#: A poll timeout the peer's death always comes well within.
POLL_TIMEOUT = 5.0


@property_settings()
@given(st.lists(st.binary(max_size=8), max_size=4), pauses())
def test_pipe_peer_killed(ipc_env, messages, death):
    """The end of a Pipe whose peer was killed yields what the peer sent, in order, then EOFError;
    poll(timeout) returns True once the peer is dead (end of file is something to read)."""
    sender = [call("p.b", "close")] + [call("p.a", "send", m) for m in messages] + [die(death)]
    receiver = [call("p.a", "close")] + [call("p.b", "recv") for _ in messages] + [
        call("p.b", "poll", POLL_TIMEOUT), call("p.b", "recv")]
    history = ipc_env.run({"p": Make(pipe)}, [sender, receiver], deadline=FAULT_DEADLINE, fresh=True)
    recvs = history.select("p.b", "recv")
    spec.check_eof_after(history, recvs, messages, "faults.pipe_peer_killed")
    poll = history.select("p.b", "poll")
    spec.check_polled(history, poll, POLL_TIMEOUT, "faults.pipe_peer_killed")


#: Payload sizes: small ones fit the pipe buffer; the large ones (above 64 KiB) leave a message
#: half written when the producer dies before its feeder thread is done.
SIZES = (0, 100, 70000, 300000)


@property_settings()
@given(st.lists(st.sampled_from(SIZES), min_size=1, max_size=3), pauses(), timeouts())
def test_queue_producer_killed(ipc_env, sizes, death, timeout):
    """A Queue whose producer was killed right after its puts: every get(timeout=t) of the consumer
    returns or raises Empty within its timeout, and no item arrives twice or unput."""
    ipc_env.provision([Make("Queue")], 2)
    items = [b"%d:" % i + b"x" * size for i, size in enumerate(sizes)]
    objects = ipc_env.allocate({"q": Make("Queue")}, 2)
    ipc_env.run(objects, [[call("q", "put", item) for item in items] + [die(death)]],
                deadline=FAULT_DEADLINE)
    gets = [call("q", "get", timeout=timeout) for _ in range(len(items) + 1)]
    history = ipc_env.run(objects, [[], gets], deadline=FAULT_DEADLINE)
    ops = history.select("q", "get")
    spec.check_bounded(history, ops, timeout, "faults.queue_producer_killed", "get after the "
                       "producer was killed")
    spec.check_no_duplicates(history, ops, items, "faults.queue_producer_killed")
