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
"""

from . import expect, raised, returned


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
