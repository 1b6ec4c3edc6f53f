"""The inheritance rule (see ``ipc_spec.specs.inheritance`` for the semantics checked): Lock, RLock,
Semaphore, BoundedSemaphore, Condition and Event, inherited by the workers at their start, sent
through a Pipe or put on a Queue afterwards.

The properties are methods of :class:`InheritanceProperties`, bound to a *flavour* that builds the
synchronization objects (``flavour.sync(kind)``), the pipe (``flavour.pipe()``) and the queue
(``flavour.queue()``); :class:`TestInheritance` binds them to the native context.
"""

from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import Make, Ref, call, checks, pauses, property_settings, timeouts
from ipc_spec.specs import connection
from ipc_spec.specs import inheritance as spec


class Native(object):
    """The context's own objects; the synchronization objects are recycled by their documented
    resets (:data:`ipc_spec.specs.inheritance.RESETS`), a pipe and a queue serve one example."""

    name = "native"

    @staticmethod
    def sync(kind):
        make = Make(kind)
        reset = spec.RESETS.get(kind)
        return make if reset is None else make.recycled_by(reset, often=kind == "Event")

    @staticmethod
    def pipe():
        return Make(connection.pipe, True)

    @staticmethod
    def queue():
        return Make("Queue")


class InheritanceProperties(object):
    """The inheritance-rule properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def every_sync(self):
        """One Make of each kind the rule covers, to provision."""
        return [self.flavour.sync(kind) for kind in spec.KINDS]

    @checks("inheritance.pipe")
    @property_settings()
    @given(st.sampled_from(spec.KINDS), st.sampled_from(["a", "b"]), pauses())
    @example(kind="Lock", end="a", pause=0.0)
    def test_pipe(self, ipc_env, kind, end, pause):
        """Connection.send of a synchronization object after the processes started raises
        RuntimeError."""
        ipc_env.provision([self.flavour.pipe()] + self.every_sync(), 1)
        history = ipc_env.run({"p": self.flavour.pipe(), "sync": self.flavour.sync(kind)},
                              [[call("p." + end, "send", Ref("sync"), pause=pause)]])
        spec.check_pipe_refused(history, history.ops, kind)

    @checks("inheritance.queue")
    @property_settings()
    @given(st.sampled_from(spec.KINDS), timeouts(high=0.05), pauses())
    @example(kind="Lock", timeout=0.01, pause=0.0)
    def test_queue(self, ipc_env, kind, timeout, pause):
        """Queue.put of a synchronization object after the processes started returns (the feeder
        thread pickles, and fails), and the object never arrives: once the putter flushed the
        queue, get(timeout) in another process raises queue.Empty."""
        ipc_env.provision([self.flavour.queue()] + self.every_sync(), 2)
        objects = ipc_env.allocate({"q": self.flavour.queue(), "sync": self.flavour.sync(kind)}, 2)
        put = ipc_env.run(objects, [[call("q", "put", Ref("sync"), pause=pause), call("q", "close"),
                                     call("q", "join_thread")]])
        got = ipc_env.run(objects, [[], [call("q", "get", True, timeout)]])
        spec.check_queue_dropped(put, put.ops[:1], put.ops[1:], got.ops, kind)


class TestInheritance(InheritanceProperties):
    """The native synchronization objects, Pipe and Queue."""

    flavour = Native
