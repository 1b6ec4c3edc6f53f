"""What survivors may count on when a participating process is killed (SIGKILL).

The documentation promises every blocking call with a timeout returns or raises within that timeout:
``Lock.acquire``, ``Semaphore.acquire``, ``Barrier.wait``, ``Event.wait``, ``Queue.get``,
``Connection.poll``. Nothing there makes an exception for a peer that died, so the kit checks that a
killed process does not make any of them overstay (by more than :data:`~ipc_spec.specs.LATE`) or
return early:

- a Lock, RLock or Semaphore held by a killed process stays held: ``acquire(timeout=t)`` in a survivor
  returns False, not before ``t``;
- a Barrier one of whose parties was killed before arriving never fills: every ``wait(timeout=t)``
  raises ``BrokenBarrierError``, not before ``t`` for the first waiter;
- an Event whose setter was killed stays clear: ``wait(t)`` returns False, not before ``t``;
- the end of a Pipe whose peer was killed (and whose every other copy is closed) yields what was sent,
  in order, then ``EOFError``; ``poll(t)`` returns True once the peer is dead;
- a Queue whose producer was killed right after its ``put`` calls: the consumer's ``get(timeout=t)``
  returns or raises ``Empty`` within its timeout, and yields each item at most once, only items that
  were put; checked apart for items that fit one atomic pipe write and for items larger than the
  pipe buffer, which the producer may leave half written. The documentation warns that killing a
  process "while it is trying to use a Queue" may corrupt the queue for the others (Programming
  guidelines, "Avoid terminating processes"): a violation here is reported, and a known one is
  listed in ``known_divergences.ini``.

Not promised, so not checked: what a killed process's own calls did after the kill; whether a
Queue a producer died in the middle of writing stays usable for further puts.
"""

from collections import Counter

from . import check_timed_out, declare, expect, not_late, returned  # noqa: F401 (check_timed_out)

CLAUSES = declare(
    "faults",
    lock_holder_killed="a Lock, RLock or Semaphore held by a killed process stays held: a "
                       "survivor's acquire(timeout=t) returns False, not before t, not after t + LATE",
    barrier_party_killed="a Barrier one of whose parties was killed never fills: every survivor's "
                         "wait(timeout=t) raises BrokenBarrierError, not before t",
    event_setter_killed="an Event whose setter was killed before set() stays clear: wait(t) "
                        "returns False, not before t",
    pipe_peer_killed="the end of a Pipe whose peer was killed yields what the peer sent, in order, "
                     "then EOFError; poll(t) returns True once the peer is dead",
    queue_producer_killed="once a producer was killed right after putting small items, every "
                          "get(timeout=t) returns or raises Empty within its timeout, and no item "
                          "arrives twice or unput",
    queue_producer_killed_mid_message="the same with items larger than the pipe buffer, which the "
                                      "producer may leave half written",
)


def check_bounded(history, ops, timeout, prop, what):
    """Each op returned or raised within ``timeout`` + LATE."""
    for op in ops:
        not_late(history, op, timeout, op.start, prop, what)


def check_no_duplicates(history, gets, put, prop):
    """Items got are distinct and each was put (``put``: the list of items put)."""
    got = [op.result for op in gets if op.ok]
    counts = Counter(got)
    for item, n in counts.items():
        expect(n == 1, prop, "item %r was delivered %d times" % (item, n), history,
               [op for op in gets if op.ok and op.result == item])
        expect(item in put, prop, "item %r was delivered but never put" % (item,), history,
               [op for op in gets if op.ok and op.result == item])


def check_eof_after(history, recvs, sent, prop):
    """``recvs`` yielded ``sent`` in order and then raised EOFError."""
    got = [op.result for op in recvs if op.ok]
    expect(got == list(sent), prop, "received %r, but the killed peer had sent %r"
           % (got, list(sent)), history, recvs)
    last = recvs[-1]
    expect(last.error == "EOFError", prop, "after the killed peer's messages, recv() gave %s, not "
           "EOFError" % last.outcome(), history, [last])


def check_polled(history, polls, timeout, prop):
    """Each ``poll(timeout)`` returned True (end of file is readable) within its timeout + LATE."""
    returned(history, polls, prop, "poll at end of file")
    for op in polls:
        expect(op.result is True, prop, "poll(%g) after the peer was killed returned %r, not True"
               % (timeout, op.result), history, [op])
    check_bounded(history, polls, timeout, prop, "poll at end of file")
