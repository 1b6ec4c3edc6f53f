"""What the processes that survive may count on when another is killed inside a call.

A *fault* (``ipc_spec.nemesis``) sends a process SIGKILL (as ``Process.kill()`` does), SIGTERM (as
``Process.terminate()`` does) or SIGINT (a ``KeyboardInterrupt`` inside its call) before a step,
some time into it, or once it is blocked there. The checks below read the history of the
survivors, and read the victim's own ops only to learn what it had done (held a lock, sent a
message) when it died.

The documentation's programming guidelines warn ("Avoid terminating processes") that terminating a
process "is liable to cause any shared resources (such as locks, semaphores, pipes and queues)
currently being used by the process to become broken or unavailable to other processes". The kit
reads that warning as suspending the promises a dead process could break by its own half-done
work, and only those:

- **suspended**: that anything the victim held is ever released (a Lock it held stays held, a Queue
  whose internal lock it held may never deliver again); that a message or item it was writing
  arrives; that a call *without* a timeout returns (``SimpleQueue.get()``, ``Event.set()``,
  ``Condition.notify()``, ``JoinableQueue.task_done()``); what an Array it was writing holds.
- **not suspended**: every documented timeout (a survivor's ``acquire(timeout=t)``,
  ``wait(timeout)``, ``get(timeout=t)``, ``poll(t)`` returns by ``t`` plus
  :data:`~ipc_spec.specs.LATE`, with a result the documentation allows); whatever the victim finished
  before it died (a lock it held stays held and one it released is free, a message it sent arrives
  whole and in order, a value it wrote is seen); and no survivor sees what was never done (an
  item twice or never put, a message cut short, a set flag nobody set).

A manager's server process killed (``faults.manager_killed``): the documentation says nothing of
it, and the kit reads "a proxy ... refers to a shared object which lives (presumably) in a
different process" as: with that process gone, there is nothing a proxy call could return. Every
call through the manager's proxies (and every new object asked of the manager) that begins once
the server is gone raises, within LATE; a call in progress when it was killed ends within LATE
after, and one that could only end by the server's doing (a ``get()`` on an empty Queue nobody
puts to) raises, not before the kill. None hangs. Which exception is raised is not documented, so
not checked (CPython's are EOFError, ConnectionRefusedError, BrokenPipeError).

Two cases the properties leave out for that reason: a Condition's notifier killed inside
``notify_all()`` (it may die holding the lock that every waiter's ``wait()`` must take again before
it returns, which the documentation of ``wait`` says it does), and ``Event.is_set()`` (no timeout)
after a setter killed inside ``set()``. A survivor's ``Event.wait(timeout)`` after a setter killed
inside ``set()`` is counted: its timeout is documented, and the lock it waits on is the Event's own.

A fault that struck after the victim's program ended changes nothing, and the checks see the victim
as a survivor. Where the victim's state at death is unknown (killed inside ``acquire()``, which may
have taken the lock an instant before), only what holds either way is checked.

Not promised, so not checked: what the victim's own interrupted call returned; whether an object a
victim broke is usable again; the order of items from a producer that died; the exit status of a
process killed by a signal (the Process family's business).
"""

from collections import Counter

from . import bound, check_timed_out, declare, expect, late, not_before, not_late, returned

CLAUSES = declare(
    "faults",
    lock_holder_killed="a Lock, RLock, Semaphore or BoundedSemaphore whose user was killed while "
                       "blocked in acquire() or while holding it: every survivor's "
                       "acquire(timeout=t) returns True or False by t + LATE, False not before t; "
                       "all False if the victim died holding it, exactly one True if it was free",
    barrier_party_killed="a Barrier one of whose parties was killed, before or while waiting: "
                         "every survivor's wait(timeout=t) returns an index or raises "
                         "BrokenBarrierError by t + LATE; if the victim never arrived, all raise, "
                         "the first not before t",
    event_setter_killed="an Event whose setter or waiter was killed: every survivor's wait(t) "
                        "returns by t + LATE, True once set() returned, False (not before t) "
                        "if nobody set it; is_set() is True after set() returned",
    condition_waiter_killed="a Condition whose waiter was killed inside wait(), or whose notifier "
                            "was killed before notify_all(): a survivor's acquire(timeout=lt) and "
                            "wait(timeout=t) return by their timeouts + LATE, and notify_all() "
                            "returns",
    pipe_peer_killed="the end of a Pipe whose peer was killed inside send() yields every message "
                     "whose send() returned, whole and in order, then EOFError (OSError once for "
                     "a message the kill cut short); poll(t) returns True by t + LATE; a "
                     "survivor's send() to a peer killed inside recv() returns or raises OSError",
    queue_consumer_killed="a Queue or JoinableQueue whose consumer was killed inside get(): a "
                          "survivor's get(timeout=t) returns an item or raises Empty by t + LATE, "
                          "and no item arrives twice or unput; a SimpleQueue's put() still returns; "
                          "a consumer killed before its get() began loses nothing",
    queue_producer_killed="once a producer was killed inside or after put() of small items, every "
                          "get(timeout=t) returns or raises Empty by t + LATE, and no item "
                          "arrives twice or unput; with no kill, every item arrives in order",
    queue_producer_killed_mid_message="the same with items larger than the pipe buffer, which the "
                                      "producer may leave half written",
    queue_worker_killed="a JoinableQueue whose worker was killed between get() and task_done(): "
                        "the item stays unfinished, so a survivor's task_done() for it lets "
                        "join() return, and another task_done() raises ValueError",
    manager_killed="once a manager's server process was killed, every call through its proxies "
                   "raises within LATE, a get() blocked in it included (not before the kill), "
                   "and none hangs",
    value_writer_killed="a Value or Array whose writer was killed while holding get_lock(): a "
                        "survivor's get_lock().acquire(timeout=t) returns False, not before t; once "
                        "it released, True; a write that returned before the kill is seen",
)

#: What the worker records for a step a fault interrupted (``ipc_spec.nemesis``).
INTERRUPTED = ("SIGKILL", "SIGTERM", "KeyboardInterrupt")


def interrupted(op) -> bool:
    return op.error in INTERRUPTED


def began(op) -> bool:
    """Whether the call of an op a fault interrupted had begun when the fault struck."""
    return not (interrupted(op) and op.message.startswith("before"))


def victim_ops(history, proc, obj=None):
    """The ops of ``proc`` on ``obj`` (any if None), in program order: the steps it ran."""
    return [o for o in history.of(proc) if not o.is_fault and (obj is None or o.obj == obj)]


def held_at_death(history, proc, obj):
    """Whether process ``proc`` held the lock ``obj`` when it ended: True, False, or None when an
    ``acquire()`` or ``release()`` was interrupted inside its call (it may have taken effect)."""
    held = False
    struck = history.struck(proc)
    for op in victim_ops(history, proc, obj):
        if struck is not None and op.index == struck.index:
            return None if began(op) else held
        if op.call == "acquire" and op.ok:
            held = held or op.result is True
        elif op.call == "release" and op.ok:
            held = False
        elif op.call == "@value:lock_call" and op.ok:
            held = op.step.args[0] == "acquire" or (held and op.step.args[0] != "release")
    return held


def check_bounded(history, ops, timeout, prop, what):
    """Each op returned or raised within ``timeout`` + LATE of its start."""
    for op in ops:
        not_late(history, op, timeout, op.start, prop, what)


def check_acquires(history, acquires, timeout, held, prop, what):
    """Survivors' ``acquire(timeout=t)`` after the victim ended: each returned a bool by ``t`` +
    LATE, False not before ``t``; if ``held`` (by the dead victim), all False; if it was free
    (False), exactly one True (a capacity of one); unknown (None), at most one."""
    returned(history, acquires, prop, what)
    for op in acquires:
        expect(op.result in (True, False), prop, "%s: %s returned %r" % (
            what, op.step.describe(), op.result), history, [op])
        not_late(history, op, timeout, op.start, prop, what)
        if op.result is False:
            not_before(history, op, timeout, op.start, prop, what)
    got = [op for op in acquires if op.result is True]
    if held:
        expect(not got, prop, "%s: the killed process held it, yet %d survivor(s) acquired it"
               % (what, len(got)), history, got)
    elif held is False:
        expect(len(got) == 1, prop, "%s: it was free when the victim died, and %d survivors "
               "acquired it" % (what, len(got)), history, acquires)
    else:
        expect(len(got) <= 1, prop, "%s: %d survivors acquired it at once" % (what, len(got)),
               history, got)


def check_no_duplicates(history, gets, put, prop):
    """Items got are distinct and each was put (``put``: the list of items put)."""
    got = [op.result for op in gets if op.ok]
    counts = Counter(got)
    for item, n in counts.items():
        expect(n == 1, prop, "item %r was delivered %d times" % (item, n), history,
               [op for op in gets if op.ok and op.result == item])
        expect(item in put, prop, "item %r was delivered but never put" % (item,), history,
               [op for op in gets if op.ok and op.result == item])


def check_delivered(history, gets, put, prop):
    """Nobody died holding the queue: the gets yielded every item of ``put``, in order (one
    producer's items keep their order), then at most an Empty."""
    got = [op.result for op in gets if op.ok]
    expect(got == list(put), prop, "the gets yielded %d items, %s; %d were put, %s, and no process "
           "that died held the queue" % (len(got), _sizes(got), len(put), _sizes(put)), history,
           gets)


def check_gets(history, gets, timeout, prop, what):
    """Each ``get(timeout=t)`` returned an item or raised Empty, by ``t`` + LATE; Empty not
    before ``t``."""
    for op in gets:
        expect(op.ok or op.error == "Empty", prop, "%s: %s %s" % (what, op.step.describe(),
                                                                op.outcome()), history, [op])
        not_late(history, op, timeout, op.start, prop, what)
        if op.error == "Empty":
            not_before(history, op, timeout, op.start, prop, what)


def _sizes(messages):
    """A list of payloads as a person can read it: their lengths (they can be megabytes)."""
    return "[%s]" % ", ".join("%d bytes" % len(m) if isinstance(m, (bytes, str)) else repr(m)[:40]
                              for m in messages)


def check_eof_after(history, recvs, sent, attempted, prop):
    """``recvs`` yielded each message in ``sent`` (those whose send returned) whole and in order,
    then maybe the next of ``attempted`` (the one the victim was sending, if it got through
    whole), then raised: EOFError, or OSError once for a message the kill cut short (CPython says
    "got end of file during message"), and EOFError for every recv after."""
    got = [op.result for op in recvs if op.ok]
    whole = list(attempted[:len(sent) + 1])
    expect(got[:len(sent)] == list(sent) and got == whole[:len(got)], prop,
           "received %s, but the killed peer's send() had returned for %s (of %s attempted), "
           "and a message arrives whole or not at all" % (_sizes(got), _sizes(sent),
                                                          _sizes(attempted)), history, recvs)
    rest = recvs[len(got):]
    for n, op in enumerate(rest):
        cut = n == 0 and op.error == "OSError" and len(got) < len(attempted)
        expect(op.error == "EOFError" or cut, prop, "after the killed peer's messages, recv() "
               "%s, not EOFError" % op.outcome(), history, [op])


def check_polled(history, polls, timeout, prop):
    """Each ``poll(timeout)`` returned True (end of file is readable) within its timeout + LATE."""
    returned(history, polls, prop, "poll at end of file")
    for op in polls:
        expect(op.result is True, prop, "poll(%g) after the peer was killed returned %r, not True"
               % (timeout, op.result), history, [op])
    check_bounded(history, polls, timeout, prop, "poll at end of file")


def check_broken_or_passed(history, waits, timeout, arrived, parties, prop):
    """Survivors' ``Barrier.wait(timeout=t)`` after a party was killed: each returned an index in
    ``range(parties)`` or raised BrokenBarrierError, by ``t`` + LATE of its start; if the victim
    never ``arrived``, all raised, none before ``t`` after the first wait began."""
    for op in waits:
        expect(op.error == "BrokenBarrierError" or op.ok and op.result in range(parties), prop,
               "%s %s" % (op.step.describe(), op.outcome()), history, [op])
        not_late(history, op, timeout, op.start, prop, "a survivor's wait")
    if not arrived and waits:
        first = min(op.start for op in waits)
        for op in waits:
            expect(op.error == "BrokenBarrierError", prop, "the killed party never arrived, yet "
                   "%s %s" % (op.step.describe(), op.outcome()), history, [op])
            bound("early", op.end - first, timeout, prop, "wait() raised %.4f s after the first "
                  "wait began, before the %.4f s timeout" % (op.end - first, timeout), history, op)


def check_event_waits(history, waits, timeout, set_done, prop):
    """Survivors' ``Event.wait(t)``: each returned a bool by ``t`` + LATE; True if it began after
    ``set_done`` (when a set() returned; None if none did); False not before ``t``, and never False
    if it began after ``set_done``."""
    returned(history, waits, prop, "a survivor's wait")
    for op in waits:
        expect(op.result in (True, False), prop, "%s returned %r" % (op.step.describe(), op.result),
               history, [op])
        not_late(history, op, timeout, op.start, prop, "a survivor's wait")
        if op.result is False:
            not_before(history, op, timeout, op.start, prop, "a survivor's wait")
            expect(set_done is None or op.start < set_done, prop, "wait() began after set() had "
                   "returned, and returned False", history, [op])


__all__ = ["CLAUSES", "INTERRUPTED", "interrupted", "began", "victim_ops", "held_at_death",
           "check_bounded", "check_acquires", "check_no_duplicates", "check_gets",
           "check_delivered", "check_eof_after", "check_polled", "check_broken_or_passed", "check_event_waits",
           "check_timed_out", "late"]


def check_manager_killed(history, victim, survivors, blocked_call, prop):
    """The record of the survivors' calls through the proxies of the manager whose server,
    process ``victim``, a fault killed: each survivor's first op (``blocked_call``, which only the
    server's death can end) raised, not before the signal, within LATE after the server was gone;
    every later op that began once it was gone raised within LATE of its start, and one running
    then ended within LATE after."""
    struck = history.struck(victim)
    signals = [f for f in history.faults() if f.proc == victim]
    expect(struck is not None and bool(signals), prop,
           "the server's step ended before the fault struck it (serve_forever() returned, or its "
           "process ended by itself)", history, [o for o in history.of(victim)])
    sent, gone = signals[0].start, struck.end
    for proc in survivors:
        ops = victim_ops(history, proc)
        first = ops[0]
        what = "process %d, its %s" % (proc, blocked_call)
        expect(not first.ok, prop, "%s, with nothing to get, returned %r once the manager was "
               "killed" % (what, first.result), history, [first])
        expect(first.end >= sent, prop, "%s raised %s %.4f s before the manager was killed" % (
            what, first.error, sent - first.end), history, [first])
        not_late(history, first, 0.0, max(gone, first.start), prop, "%s after the manager was "
                 "killed" % what)
        for op in ops[1:]:
            what = "process %d, %s after the manager was killed" % (proc, op.step.describe())
            if op.start >= gone:
                expect(not op.ok, prop, "%s: returned %r (there is no server)" % (what, op.result),
                       history, [op])
                not_late(history, op, 0.0, op.start, prop, what)
            else:
                not_late(history, op, 0.0, gone, prop, what)
