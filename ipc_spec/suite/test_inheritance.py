"""The inheritance rule (see ``ipc_spec.specs.inheritance`` for the semantics checked): Lock, RLock,
Semaphore, BoundedSemaphore, Condition and Event, inherited by the workers at their start, sent
through a Pipe or put on a Queue afterwards."""

from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec._child import Ref
from ipc_spec.harness import Make
from ipc_spec.history import call
from ipc_spec.plugin import property_settings
from ipc_spec.specs import inheritance as spec
from ipc_spec.strategies import pauses, timeouts
from ipc_spec.suite.test_connection import DUPLEX

KINDS = ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event")
SYNC = [Make(kind) for kind in KINDS]


@property_settings()
@given(st.sampled_from(KINDS), st.sampled_from(["a", "b"]), pauses())
@example(kind="Lock", end="a", pause=0.0)
def test_pipe(ipc_env, kind, end, pause):
    """Connection.send of a synchronization object after the processes started raises
    RuntimeError."""
    ipc_env.provision([DUPLEX] + SYNC, 1)
    history = ipc_env.run({"p": DUPLEX, "sync": Make(kind)},
                          [[call("p." + end, "send", Ref("sync"), pause=pause)]])
    spec.check_pipe_refused(history, history.ops, kind)


@property_settings()
@given(st.sampled_from(KINDS), timeouts(high=0.05), pauses())
@example(kind="Lock", timeout=0.01, pause=0.0)
def test_queue(ipc_env, kind, timeout, pause):
    """Queue.put of a synchronization object after the processes started returns (the feeder
    thread pickles, and fails), and the object never arrives: once the putter flushed the queue,
    get(timeout) in another process raises queue.Empty."""
    ipc_env.provision([Make("Queue")] + SYNC, 2)
    objects = ipc_env.allocate({"q": Make("Queue"), "sync": Make(kind)}, 2)
    put = ipc_env.run(objects, [[call("q", "put", Ref("sync"), pause=pause), call("q", "close"),
                                 call("q", "join_thread")]])
    got = ipc_env.run(objects, [[], [call("q", "get", True, timeout)]])
    spec.check_queue_dropped(put, put.ops[:1], put.ops[1:], got.ops, kind)
