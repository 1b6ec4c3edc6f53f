"""The inheritance rule: synchronization objects reach a process only when it starts.

The docs' programming guidelines ("Better to inherit than pickle/unpickle") say shared objects
should not be sent to other processes through pipes or queues but inherited from an ancestor. What
happens when a program does it anyway is the implementation's, not the docs' wording: CPython
3.8-3.13 refuse to pickle a Lock, RLock, Semaphore, BoundedSemaphore, Condition or Event outside
process start with RuntimeError ("... objects should only be shared between processes through
inheritance"). The kit's brief (issue 3) makes that the contract:

- ``Connection.send(sync_object)`` after the processes started raises **RuntimeError**
  (``inheritance.pipe``).
- ``Queue.put(sync_object)`` does not raise: a Queue pickles in its feeder thread (documented: "the
  object is pickled and a background thread later flushes the pickled data to an underlying
  pipe"), where the error is raised, printed and the item dropped. The item **never arrives**:
  once the putting process has flushed its queue (``close()`` then ``join_thread()``, documented
  to return once all buffered data is flushed to the pipe), ``get(timeout)`` raises queue.Empty
  (``inheritance.queue``). Whether the queue still carries later items is not documented: not
  asserted.

Documented resets: the properties only try to send a synchronization object, never call it, so a
passing example leaves it as it was made; each kind's own family tells that it is
(:data:`RESETS`: ``ipc_spec.specs.lock.reset`` for a Lock or RLock, ``ipc_spec.specs.semaphore``'s
for a Semaphore or BoundedSemaphore, ``ipc_spec.specs.event``'s for an Event). A Condition is not
reused: nothing documented tells that it has no waiter.

Not promised, so not checked: the exception's message; whether a Queue still carries the items put
after the refused one; what a process may do with an object it received anyway.
"""

from . import declare, event, expect, lock, raised, returned, semaphore

#: The synchronization objects the rule covers: ``multiprocessing.synchronize``'s, which refuse to
#: be pickled outside process start.
KINDS = ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event")

CLAUSES = declare(
    "inheritance",
    pipe="Connection.send of a synchronization object after the processes started raises "
         "RuntimeError: such objects are shared only through inheritance",
    queue="a synchronization object put on a Queue after the processes started never arrives "
          "(the feeder thread cannot pickle it)",
)


#: kind -> its documented reset; a kind missing here (Condition) serves one example only.
RESETS = {"Lock": lock.reset, "RLock": lock.reset, "Semaphore": semaphore.reset,
          "BoundedSemaphore": semaphore.reset, "Event": event.reset}


def check_pipe_refused(history, ops, kind):
    """Every op in ``ops`` (``send`` of a ``kind`` object) raised RuntimeError."""
    raised(history, ops, "RuntimeError", "inheritance.pipe",
           "sending a %s through a Pipe after the processes started" % kind)


def check_queue_dropped(history, puts, flushes, gets, kind):
    """``puts`` (``put`` of a ``kind`` object) and ``flushes`` returned; every op in ``gets`` (a
    ``get(timeout)`` once the putter had flushed) raised Empty: the object never arrived."""
    prop = "inheritance.queue"
    returned(history, puts, prop, "Queue.put of a %s (the feeder thread pickles it)" % kind)
    returned(history, flushes, prop, "flushing the queue after putting a %s" % kind)
    for op in gets:
        expect(op.error == "Empty", prop, "a %s put on a Queue after the processes started "
               "arrived: get() %s" % (kind, op.outcome()), history, [op])
