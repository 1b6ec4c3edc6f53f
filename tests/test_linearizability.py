"""Tests of the sequential models and the linearizability checker, on hand-written and generated
histories (pure: no processes).

- Hand-written histories, per model: linearizable ones are accepted, non-linearizable ones are
  rejected with the named property and a minimal sub-history.
- Generated histories: a model run sequentially, each op given an interval around its point in
  that run (overlapping others or not, in program order per process), is always accepted.
- With one outcome corrupted, the checker agrees with a brute-force oracle (every order that keeps
  real-time order); when it rejects, the sub-history it shows is not linearizable, and dropping any
  one op of it makes it linearizable.

:func:`random_history` is also what ``benchmarks/bench_checker.py`` checks.
"""

import array
import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipc_spec.errors import HarnessError, SpecViolation
from ipc_spec.history import History, Op, call, macro, read, write
from ipc_spec.linearizability import check_linearizable, is_linearizable, minimal_failure, partition
from ipc_spec import linearizability
from ipc_spec.models import portable_key
from ipc_spec.specs import connection as connection_spec
from ipc_spec.specs import event as event_spec
from ipc_spec.specs import lock as lock_spec
from ipc_spec.specs import queue as queues
from ipc_spec.specs import semaphore as semaphore_spec
from ipc_spec.specs import value as value_spec

#: Every model by name, each from its family's spec module.
MODELS = dict(Lock=lock_spec.Lock(), RLock=lock_spec.RLock(), Semaphore=semaphore_spec.Semaphore(),
              BoundedSemaphore=semaphore_spec.BoundedSemaphore(),
              Connection=connection_spec.Connection(), Value=value_spec.Value(),
              Event=event_spec.Event())
ALL_MODELS = dict(MODELS, **queues.MODELS)


class Opaque(object):
    """Stands for ``ipc_spec._child.Opaque`` (a result that crossed the pipe as type + repr)."""

    def __init__(self, type_, text):
        self.type = type_
        self.text = text


Opaque.__name__ = "Opaque"


def op(proc, start, end, step, result=None, error=None):
    return Op(proc, 0, step, float(start), float(end), result, error)


def accepts(model, ops, key=None):
    key = key or ops[0].obj.split(".")[0]
    assert check_linearizable(History(ops), {key: model}) == {key: len(ops)}
    return True


def rejects(model, ops, key=None, size=None):
    """The checker rejects ``ops``; the sub-history it shows is minimal (of ``size`` ops)."""
    key = key or ops[0].obj.split(".")[0]
    with pytest.raises(SpecViolation) as info:
        check_linearizable(History(ops), {key: model}, prop="t.linearizable")
    error = info.value
    model = error.model
    assert error.prop == "t.linearizable"
    assert not is_linearizable(error.ops, model)
    for i in range(len(error.ops)):
        assert is_linearizable(error.ops[:i] + error.ops[i + 1:], model)
    if size is not None:
        assert len(error.ops) == size, str(error)
    return error


# -- hand-written histories ----------------------------------------------------------------------


def test_lock_overlapping_acquires_linearize():
    lock = MODELS["Lock"]
    # p1's acquire overlaps p0's release: it takes the lock after it.
    accepts(lock, [op(0, 0, 1, call("x", "acquire"), True),
                   op(1, 0.5, 4, call("x", "acquire"), True),
                   op(0, 2, 3, call("x", "release"))])
    # acquire(False) -> False while held; release by another process.
    accepts(lock, [op(0, 0, 1, call("x", "acquire"), True),
                   op(1, 2, 3, call("x", "acquire", False), False),
                   op(1, 4, 5, call("x", "release")),
                   op(2, 6, 7, call("x", "acquire", block=False), True),
                   op(0, 6.5, 8, call("x", "acquire", timeout=0.1), False)])
    # Releasing a free lock raises ValueError; context manager.
    accepts(lock, [op(0, 0, 1, call("x", "release"), None, "ValueError"),
                   op(0, 2, 3, call("x", "__enter__"), True),
                   op(0, 4, 5, call("x", "__exit__", None, None, None), None)])


def test_lock_violations():
    lock = MODELS["Lock"]
    rejects(lock, [op(0, 0, 1, call("x", "acquire"), True),
                   op(1, 2, 3, call("x", "acquire"), True)], size=2)
    # A blocking acquire without a timeout never returns False.
    rejects(lock, [op(0, 0, 1, call("x", "acquire"), True),
                   op(1, 2, 3, call("x", "acquire"), False)], size=1)
    # acquire(False) -> False on a lock nobody holds.
    rejects(lock, [op(1, 2, 3, call("x", "acquire", False), False)], size=1)
    # A release of a free lock that passes silently, and one that raises on a held lock.
    rejects(lock, [op(0, 0, 1, call("x", "release"))], size=1)
    rejects(lock, [op(0, 0, 1, call("x", "acquire"), True),
                   op(1, 2, 3, call("x", "release"), None, "ValueError")], size=2)
    # Wrong error type.
    rejects(lock, [op(0, 0, 1, call("x", "release"), None, "RuntimeError")], size=1)


def test_lock_minimal_history_drops_unrelated_ops():
    lock = MODELS["Lock"]
    ops = [op(0, 0, 1, call("x", "acquire"), True), op(0, 2, 3, call("x", "release")),
           op(1, 4, 5, call("x", "acquire"), True), op(1, 6, 7, call("x", "release")),
           op(2, 8, 9, call("x", "acquire"), True),
           op(3, 10, 11, call("x", "acquire", timeout=0.5), True)]  # the lock was held
    error = rejects(lock, ops, size=2)
    assert [o.proc for o in error.ops] == [2, 3]
    assert "not linearizable" in str(error) and "x.acquire(timeout=0.5) -> True" in str(error)


def test_rlock():
    rlock = MODELS["RLock"]
    accepts(rlock, [op(0, 0, 1, call("x", "acquire"), True),
                    op(0, 2, 3, call("x", "acquire"), True),
                    op(1, 2.5, 3.5, call("x", "acquire", False), False),
                    op(0, 4, 5, call("x", "release")),
                    op(1, 5.5, 6, call("x", "acquire", False), False),
                    op(1, 5.5, 9, call("x", "release"), None, "AssertionError"),
                    op(0, 7, 8, call("x", "release")),
                    op(1, 10, 11, call("x", "acquire", timeout=1), True),
                    op(0, 12, 13, call("x", "release"), None, "RuntimeError")])
    # Free after one release of two acquires.
    rejects(rlock, [op(0, 0, 1, call("x", "acquire"), True),
                    op(0, 2, 3, call("x", "acquire"), True),
                    op(0, 4, 5, call("x", "release")),
                    op(1, 6, 7, call("x", "acquire", False), True)], size=2)
    # Released by a process that does not own it.
    rejects(rlock, [op(0, 0, 1, call("x", "acquire"), True),
                    op(1, 2, 3, call("x", "release"))], size=1)
    # Not reentrant: the owner's second acquire(False) fails.
    rejects(rlock, [op(0, 0, 1, call("x", "acquire"), True),
                    op(0, 2, 3, call("x", "acquire", False), False)], size=1)


def test_semaphore():
    sem = MODELS["Semaphore"](2)
    assert sem.describe() == "Semaphore(value=2)" and sem.value == 2
    accepts(sem, [op(0, 0, 1, call("x", "acquire"), True),
                  op(1, 0, 1, call("x", "acquire"), True),
                  op(2, 0, 3, call("x", "acquire", timeout=0.1), False),
                  op(0, 2, 4, call("x", "get_value"), 0),
                  op(1, 5, 6, call("x", "release")),
                  op(1, 5, 6, call("x", "release")),
                  op(1, 7, 8, call("x", "release")),
                  op(2, 9, 10, call("x", "get_value"), 3),
                  op(2, 11, 12, call("x", "get_value"), None, "NotImplementedError")])
    # value + 1 holders.
    rejects(sem, [op(p, 0, 1, call("x", "acquire"), True) for p in range(3)], size=3)
    # get_value wrong.
    rejects(sem, [op(0, 0, 1, call("x", "acquire"), True),
                  op(1, 2, 3, call("x", "get_value"), 2)], size=2)
    # A zero semaphore: acquire(False) is False, and True only after a release.
    zero = functools.partial(semaphore_spec.Semaphore, 0)
    accepts(zero, [op(0, 0, 1, call("x", "acquire", False), False),
                   op(1, 0.5, 3, call("x", "release")),
                   op(0, 2, 4, call("x", "acquire", False), True)])
    rejects(zero, [op(0, 0, 1, call("x", "acquire", False), True)], size=1)


def test_bounded_semaphore():
    sem = semaphore_spec.BoundedSemaphore(2)
    accepts(sem, [op(0, 0, 1, call("x", "release"), None, "ValueError"),
                  op(0, 2, 3, call("x", "acquire"), True),
                  op(1, 2.5, 5, call("x", "release")),
                  op(2, 4, 6, call("x", "release"), None, "ValueError")])
    # Over-release accepted.
    rejects(sem, [op(0, 0, 1, call("x", "release"))], size=1)
    rejects(sem, [op(0, 0, 1, call("x", "acquire"), True),
                  op(0, 2, 3, call("x", "release")),
                  op(1, 4, 5, call("x", "release"))], size=1)
    # Plain Semaphore: no bound.
    accepts(semaphore_spec.Semaphore(2), [op(0, 0, 1, call("x", "release"))])


def test_queue_fifo_per_producer():
    queue = queues.MODELS["Queue"]
    # Two producers, out of order between them (documented), in order per producer.
    accepts(queue, [op(0, 0, 1, call("x", "put", "a1")), op(0, 2, 3, call("x", "put", "a2")),
                    op(1, 4, 5, call("x", "put", "b1")),
                    op(2, 6, 7, call("x", "get"), "b1"),
                    op(2, 8, 9, call("x", "get", True, 1.0), "a1"),
                    op(2, 10, 11, call("x", "get_nowait"), "a2")])
    # Empty at any time for a get that may give up (feeder-thread delay), never for get().
    accepts(queue, [op(0, 0, 1, call("x", "put", 1)),
                    op(1, 2, 3, call("x", "get", False), None, "Empty"),
                    op(1, 4, 5, call("x", "get", timeout=0.01), None, "Empty"),
                    op(1, 6, 7, call("x", "qsize"), 12),
                    op(1, 6, 7, call("x", "empty"), True),
                    op(1, 8, 9, call("x", "get"), 1)])
    rejects(queue, [op(1, 2, 3, call("x", "get"), None, "Empty")], size=1)
    # Reordered within one producer.
    rejects(queue, [op(0, 0, 1, call("x", "put", "a1")), op(0, 2, 3, call("x", "put", "a2")),
                    op(2, 6, 7, call("x", "get"), "a2")], size=1)
    # Duplicated, lost-and-invented, got before it was put.
    rejects(queue, [op(0, 0, 1, call("x", "put", 5)),
                    op(1, 2, 3, call("x", "get"), 5), op(2, 2, 3, call("x", "get"), 5)], size=1)
    rejects(queue, [op(1, 2, 3, call("x", "get", timeout=1), 7)], size=1)
    rejects(queue, [op(1, 0, 1, call("x", "get"), 5), op(0, 2, 3, call("x", "put", 5))], size=1)
    # ...but a get that overlaps the put may return its item.
    accepts(queue, [op(1, 0, 2, call("x", "get"), 5), op(0, 1, 3, call("x", "put", 5))])


def test_queue_bounded():
    queue = queues.Queue(maxsize=1)
    accepts(queue, [op(0, 0, 1, call("x", "put", 1)),
                    op(0, 2, 3, call("x", "put_nowait", 2), None, "Full"),
                    op(1, 2, 3, call("x", "put", 3, timeout=0.1), None, "Full"),
                    op(1, 4, 5, call("x", "get"), 1),
                    op(1, 6, 7, call("x", "put", 4, False))])
    # Full when not full; a put that fits into a full queue; Full from put() that blocks.
    rejects(queue, [op(0, 2, 3, call("x", "put_nowait", 2), None, "Full")], size=1)
    rejects(queue, [op(0, 0, 1, call("x", "put", 1)), op(0, 2, 3, call("x", "put", 2, False))],
            size=2)
    rejects(queue, [op(0, 0, 1, call("x", "put", 1)),
                    op(0, 2, 3, call("x", "put", 2), None, "Full")], size=1)


def test_queue_global_fifo_and_empty():
    queue = queues.Queue(fifo="global")
    rejects(queue, [op(0, 0, 1, call("x", "put", "a")), op(1, 2, 3, call("x", "put", "b")),
                    op(2, 4, 5, call("x", "get"), "b")], size=1)
    rejects(queue, [op(0, 0, 1, call("x", "put", "a")),
                    op(2, 4, 5, call("x", "get_nowait"), None, "Empty")], size=2)
    # Concurrent puts may come out in either order.
    accepts(queue, [op(0, 0, 2, call("x", "put", "a")), op(1, 1, 3, call("x", "put", "b")),
                    op(2, 4, 5, call("x", "get"), "b"), op(2, 6, 7, call("x", "get"), "a")])


def test_queue_ambiguous_producers():
    """The same value from two producers: the model keeps both possibilities."""
    queue = queues.MODELS["Queue"]
    accepts(queue, [op(0, 0, 1, call("x", "put", 1)), op(0, 2, 3, call("x", "put", 2)),
                    op(1, 0, 1, call("x", "put", 1)), op(1, 2, 3, call("x", "put", 3)),
                    op(2, 4, 5, call("x", "get"), 1), op(2, 6, 7, call("x", "get"), 3),
                    op(2, 8, 9, call("x", "get"), 1), op(2, 10, 11, call("x", "get"), 2)])
    rejects(queue, [op(0, 0, 1, call("x", "put", 1)), op(0, 2, 3, call("x", "put", 2)),
                    op(1, 0, 1, call("x", "put", 1)), op(1, 2, 3, call("x", "put", 3)),
                    op(2, 4, 5, call("x", "get"), 2), op(2, 6, 7, call("x", "get"), 3)], size=1)


def test_queue_close_and_payloads():
    queue = queues.MODELS["Queue"]
    payload = {"k": [1, (2, b"x")]}
    accepts(queue, [op(0, 0, 1, call("x", "put", payload)),
                    op(0, 2, 3, call("x", "close")),
                    op(0, 4, 5, call("x", "put", 9), None, "ValueError"),
                    op(0, 6, 7, call("x", "get", timeout=1), None, "OSError"),
                    op(1, 8, 9, call("x", "get"), Opaque("dict", repr(payload)))])
    rejects(queue, [op(0, 0, 1, call("x", "put", payload)),
                    op(1, 8, 9, call("x", "get"), Opaque("dict", "{'k': 2}"))], size=1)
    # An error from a process that did not close the queue is not accepted.
    rejects(queue, [op(1, 0, 1, call("x", "close")),
                    op(0, 4, 5, call("x", "put", 9), None, "ValueError")], size=1)
    # Lists and tuples keep their type.
    rejects(queue, [op(0, 0, 1, call("x", "put", [1, 2])), op(1, 2, 3, call("x", "get"), (1, 2))],
            size=1)
    accepts(queue, [op(0, 0, 1, call("x", "put", [1, 2])), op(1, 2, 3, call("x", "get"), [1, 2])])


def test_joinable_queue():
    queue = queues.MODELS["JoinableQueue"]
    accepts(queue, [op(0, 0, 1, call("x", "put", 1)), op(0, 0, 1, call("x", "put", 2)),
                    op(1, 2, 3, call("x", "get"), 1), op(1, 4, 5, call("x", "task_done")),
                    op(2, 2, 9, call("x", "join")),
                    op(1, 6, 7, call("x", "get"), 2), op(1, 7.5, 8, call("x", "task_done")),
                    op(1, 10, 11, call("x", "task_done"), None, "ValueError")])
    # join returned before the last task_done began.
    rejects(queue, [op(0, 0, 1, call("x", "put", 1)), op(1, 2, 3, call("x", "get"), 1),
                    op(2, 2, 4, call("x", "join")), op(1, 5, 6, call("x", "task_done"))], size=2)
    # task_done without its ValueError.
    rejects(queue, [op(0, 0, 1, call("x", "put", 1)), op(1, 2, 3, call("x", "task_done")),
                    op(1, 4, 5, call("x", "task_done"))], size=1)
    with pytest.raises(HarnessError):  # a plain Queue has no task_done
        check_linearizable([op(1, 2, 3, call("x", "task_done"))], {"x": queues.MODELS["Queue"]})


def test_simple_queue():
    queue = queues.MODELS["SimpleQueue"]
    accepts(queue, [op(0, 0, 1, call("x", "empty"), True), op(0, 2, 3, call("x", "put", "a")),
                    op(1, 4, 5, call("x", "put", "b")), op(2, 4.5, 6, call("x", "empty"), False),
                    op(2, 7, 8, call("x", "get"), "a"), op(2, 9, 10, call("x", "get"), "b"),
                    op(2, 11, 12, call("x", "empty"), True),
                    op(2, 13, 14, call("x", "close")),
                    op(2, 15, 16, call("x", "empty"), None, "OSError")])
    # Global FIFO: the documented Queue caveat does not apply.
    rejects(queue, [op(0, 2, 3, call("x", "put", "a")), op(1, 4, 5, call("x", "put", "b")),
                    op(2, 7, 8, call("x", "get"), "b")], size=1)
    rejects(queue, [op(0, 2, 3, call("x", "put", "a")), op(2, 4, 5, call("x", "empty"), True)],
            size=2)
    rejects(queue, [op(2, 4, 5, call("x", "get"), None, "Empty")], size=1)
    with pytest.raises(HarnessError):  # SimpleQueue.get has no timeout
        check_linearizable([op(2, 4, 5, call("x", "get", timeout=1), 1)], {"x": queue})


def test_connection():
    pipe = MODELS["Connection"]
    data = bytearray(b"0123456789")
    accepts(pipe, [op(0, 0, 1, call("p.a", "send", [1, "x"])),
                   op(0, 2, 3, call("p.a", "send_bytes", data, 2, 3)),
                   op(1, 0, 1, call("p.b", "poll"), False),
                   op(1, 4, 5, call("p.b", "poll", 0.5), True),
                   op(1, 6, 7, call("p.b", "recv"), [1, "x"]),
                   op(1, 8, 9, call("p.b", "recv_bytes"), b"234"),
                   op(1, 10, 11, call("p.b", "send", 7)),
                   op(0, 12, 13, call("p.a", "recv"), 7),
                   op(0, 14, 15, call("p.a", "send_bytes", b"abcdef")),
                   op(1, 16, 17, call("p.b", "recv_bytes_into", bytearray(4)), None, "BufferTooShort"),
                   op(0, 18, 19, call("p.a", "send_bytes", b"abc")),
                   op(1, 20, 21, call("p.b", "recv_bytes_into", bytearray(4), 1), 3),
                   op(0, 22, 23, call("p.a", "send_bytes", b"toolong")),
                   op(1, 24, 25, call("p.b", "recv_bytes", 3), None, "OSError"),
                   op(1, 26, 27, call("p.b", "recv"), "anything: no longer readable"),
                   op(0, 28, 29, call("p.a", "send_bytes", b"x", 5), None, "ValueError"),
                   op(0, 30, 31, read("p.a", "closed"), False),
                   op(0, 32, 33, call("p.a", "close")),
                   op(0, 34, 35, read("p.a", "closed"), True),
                   op(1, 34, 35, read("p.a", "closed"), False),
                   op(0, 36, 37, call("p.a", "recv"), None, "OSError"),
                   op(1, 38, 39, call("p.b", "fileno"), 5)])
    # Reordered, lost, wrong direction, EOF with data waiting, poll True with nothing sent.
    rejects(pipe, [op(0, 0, 1, call("p.a", "send", 1)), op(0, 2, 3, call("p.a", "send", 2)),
                   op(1, 4, 5, call("p.b", "recv"), 2)], size=1)
    rejects(pipe, [op(0, 0, 1, call("p.a", "send", 1)), op(0, 2, 3, call("p.a", "recv"), 1)],
            size=1)
    rejects(pipe, [op(0, 0, 1, call("p.a", "send", 1)), op(0, 2, 3, call("p.a", "close")),
                   op(1, 4, 5, call("p.b", "recv"), None, "EOFError")], size=1)
    rejects(pipe, [op(1, 4, 5, call("p.b", "poll"), True)], size=1)
    rejects(pipe, [op(0, 0, 1, call("p.a", "send_bytes", b"abc")),
                   op(1, 4, 5, call("p.b", "recv_bytes"), b"ab")], size=1)
    rejects(pipe, [op(0, 0, 1, call("p.a", "send_bytes", b"abc")),
                   op(1, 4, 5, call("p.b", "recv_bytes_into", bytearray(8), 2), 2)], size=1)
    # EOF once the other end was closed and everything was read.
    accepts(pipe, [op(0, 0, 1, call("p.a", "send", 1)), op(0, 2, 3, call("p.a", "close")),
                   op(1, 4, 5, call("p.b", "recv"), 1), op(1, 6, 7, call("p.b", "poll"), True),
                   op(1, 8, 9, call("p.b", "recv"), None, "EOFError")])


def test_connection_one_way():
    pipe = MODELS["Connection"](duplex=False)
    accepts(pipe, [op(0, 0, 1, call("p.b", "send", 1)),
                   op(0, 2, 3, call("p.a", "send", 2), None, "OSError"),
                   op(1, 2, 3, call("p.b", "recv"), None, "OSError"),
                   op(1, 4, 5, call("p.a", "recv"), 1),
                   op(1, 6, 7, read("p.a", "readable"), True),
                   op(1, 6, 7, read("p.a", "writable"), False)])
    rejects(pipe, [op(0, 0, 1, call("p.a", "send", 1))], size=1)


def test_value():
    value = value_spec.Value("i")
    accepts(value, [op(0, 0, 1, read("x", "value"), 0),
                    op(0, 2, 3, write("x", "value", 5)),
                    op(1, 2.5, 4, read("x", "value"), 5),
                    op(1, 5, 6, macro("x", "incr"), 7),
                    op(0, 5, 6, macro("x", "incr", 1, True), 7),
                    op(2, 7, 8, read("x", "value"), 7),
                    # two increments: another process may see the value between them
                    op(0, 8.5, 10, macro("x", "incr", 2), 9),
                    op(1, 9, 9.5, read("x", "value"), 8),
                    op(2, 11, 11.5, read("x", "value"), 9),
                    op(2, 11.6, 11.7, macro("x", "incr"), 10),
                    op(2, 11.8, 11.9, read("x", "value"), 10),
                    op(2, 19, 20, write("x", "value", 2 ** 32 + 3)),
                    op(2, 21, 22, read("x", "value"), 3),
                    op(2, 23, 24, write("x", "value", 1.5), None, "TypeError"),
                    op(2, 25, 26, read("x", "value"), 3),
                    op(2, 27, 28, call("x", "get_lock"), Opaque("RLock", "<RLock>"))])
    # A lost update under the lock; a stale read; a value stored beyond the type's width.
    rejects(value, [op(0, 0, 2, macro("x", "incr"), 1), op(1, 1, 3, macro("x", "incr"), 1),
                    op(2, 4, 5, read("x", "value"), 1)], size=3)
    rejects(value, [op(0, 2, 3, write("x", "value", 5)), op(1, 4, 5, read("x", "value"), 0)],
            size=2)
    rejects(value, [op(0, 2, 3, write("x", "value", 2 ** 40)),
                    op(1, 4, 5, read("x", "value"), 2 ** 40)], size=1)
    # Unlocked increments: anything, until a write.
    accepts(value, [op(0, 0, 2, macro("x", "incr", locked=False), 1),
                    op(1, 1, 3, macro("x", "incr", 1, False), 1),
                    op(2, 4, 5, read("x", "value"), 1), op(2, 6, 7, read("x", "value"), 1)])
    rejects(value, [op(0, 0, 2, macro("x", "incr", locked=False), 1),
                    op(2, 4, 5, write("x", "value", 7)), op(2, 6, 7, read("x", "value"), 2)],
            size=1)
    single = value_spec.Value("f", 0.1)
    accepts(single, [op(0, 0, 1, read("x", "value"), 0.10000000149011612)])
    accepts(value_spec.Value("c"), [op(0, 0, 1, read("x", "value"), b"\x00")])
    accepts(value_spec.Value("d"), [op(0, 0, 1, write("x", "value", float("nan"))),
                                op(0, 2, 3, read("x", "value"), float("nan"))])


def test_event():
    event = MODELS["Event"]
    accepts(event, [op(0, 0, 1, call("x", "is_set"), False),
                    op(1, 0, 5, call("x", "wait"), True),
                    op(2, 0, 3, call("x", "wait", 0.1), False),
                    op(0, 2, 4, call("x", "set")),
                    op(2, 6, 7, call("x", "wait", timeout=0.1), True),
                    op(0, 8, 9, call("x", "clear")),
                    op(2, 10, 11, call("x", "is_set"), False)])
    rejects(event, [op(0, 0, 1, call("x", "set")), op(1, 2, 3, call("x", "wait", 1), False)],
            size=2)
    rejects(event, [op(1, 2, 3, call("x", "wait"), False)], size=1)


# -- the checker's plumbing ---------------------------------------------------------------------


def test_partition_and_models_argument():
    ops = [op(0, 0, 1, call("p.a", "send", 1)), op(1, 2, 3, call("p.b", "recv"), 1),
           op(0, 0, 1, call("c", "acquire"), True), op(0, 0, 1, call("c.lock", "acquire"), True),
           op(2, 0, 1, call("other", "anything")), op(2, 2, 3, call("p", "pause", pause=0.1))]
    parts = partition(ops, ["p", "c", "c.lock"])
    assert [o.obj for o in parts["p"]] == ["p.a", "p.b"]
    assert [o.obj for o in parts["c"]] == ["c"] and [o.obj for o in parts["c.lock"]] == ["c.lock"]
    checked = check_linearizable(History(ops), {"p": MODELS["Connection"], "c": lock_spec.Lock,
                                                "c.lock": lambda: lock_spec.Lock()})
    assert checked == {"p": 2, "c": 1, "c.lock": 1}
    with pytest.raises(HarnessError):
        check_linearizable(ops, {"p": 42})
    with pytest.raises(HarnessError):  # a call the model does not know is a scenario's fault
        check_linearizable([op(0, 0, 1, call("x", "frobnicate"))], {"x": MODELS["Lock"]})
    with pytest.raises(HarnessError):  # arguments that do not fit, and the call succeeded
        check_linearizable([op(0, 0, 1, call("x", "acquire", nonsense=1), True)],
                           {"x": MODELS["Lock"]})
    # ... while a call with bad arguments that raised TypeError has no effect.
    accepts(MODELS["Lock"], [op(0, 0, 1, call("x", "acquire", nonsense=1), None, "TypeError")])


def test_objects_are_checked_separately():
    """Each object's ops are checked alone: a violation names the first failing object."""
    ops = [op(0, 0, 1, call("l1", "acquire"), True), op(1, 2, 3, call("l2", "acquire"), True),
           op(1, 4, 5, call("l2", "acquire", False), True)]
    with pytest.raises(SpecViolation) as info:
        check_linearizable(ops, {"l1": MODELS["Lock"], "l2": MODELS["Lock"]}, "lock.linearizable")
    assert info.value.prop == "lock.linearizable"
    assert info.value.obj == "l2" and len(info.value.ops) == 2


def test_touching_intervals_count_as_overlapping():
    lock = MODELS["Lock"]
    accepts(lock, [op(0, 0, 1, call("x", "acquire"), True), op(1, 1, 2, call("x", "release")),
                   op(1, 0.5, 0.9, call("x", "acquire", False), False)])
    rejects(lock, [op(0, 0, 1, call("x", "acquire", False), False),
                   op(1, 1.5, 2, call("x", "acquire"), True)], size=1)


def test_minimal_failure_of_a_long_history():
    lock = MODELS["Lock"]
    ops = []
    t = 0.0
    for k in range(200):
        ops.append(op(k % 4, t, t + 1, call("x", "acquire"), True))
        ops.append(op(k % 4, t + 2, t + 3, call("x", "release")))
        t += 4
    ops.append(op(5, t, t + 1, call("x", "release")))  # a release of a free lock that passed
    minimal = minimal_failure(ops, lock)
    assert len(minimal) == 1 and minimal[0].proc == 5


# -- generated histories ------------------------------------------------------------------------

#: Candidate outcomes: a generated op is one of these that the model accepts in the current state.
BOOLS = (True, False)


def _lock_calls(name):
    acquires = [call("x", "acquire"), call("x", "acquire", False), call("x", "acquire", block=False),
                call("x", "acquire", timeout=0.01), call("x", "acquire", True, 0.02)]
    out = [(s, r, None) for s in acquires for r in BOOLS]
    out += [(call("x", "release"), None, None), (call("x", "release"), None, "ValueError"),
            (call("x", "release"), None, "AssertionError")]
    if "Semaphore" in name:
        out += [(call("x", "get_value"), v, None) for v in range(5)]
        out += [(call("x", "get_value"), None, "NotImplementedError")]
    return out


def _heads(name, state):
    """The items that could come out next (as portable keys)."""
    return set(items[0] for q in state[0] for _, items in q)


def _queue_calls(name, state, values, bounded, fresh):
    """``fresh``: the values a put may put (``values`` are the ones a get may return)."""
    out = []
    for v in fresh:
        out.append((call("x", "put", v), None, None))
        if bounded:
            out += [(call("x", "put", v, False), None, "Full"),
                    (call("x", "put_nowait", v), None, "Full"),
                    (call("x", "put", v, timeout=0.01), None, "Full")]
    gets = [call("x", "get")]
    if name != "SimpleQueue":
        gets += [call("x", "get", False), call("x", "get_nowait"), call("x", "get", timeout=0.01)]
    heads = _heads(name, state)
    for s in gets:
        out += [(s, v, None) for v in values if portable_key(v) in heads]
        out.append((s, None, "Empty"))
    if name == "SimpleQueue":
        out += [(call("x", "empty"), b, None) for b in BOOLS]
    else:
        out += [(call("x", "qsize"), 0, None)]
    if name == "JoinableQueue":
        out += [(call("x", "task_done"), None, None), (call("x", "task_done"), None, "ValueError"),
                (call("x", "join"), None, None)]
    return out


def _pipe_calls(state, values, proc):
    """Process 0 uses end ``a``, process 1 end ``b`` (two processes must not use one end at the
    same time: the documentation says the data may become corrupted)."""
    out = []
    for end, other in (("p.a", 1), ("p.b", 0))[proc:proc + 1]:
        inbox = state[other]
        for v in values:
            out.append((call(end, "send", v), None, None))
        out.append((call(end, "send_bytes", repr(values[0]).encode()), None, None))
        for s in (call(end, "poll"), call(end, "poll", 0.01)):
            out += [(s, b, None) for b in BOOLS]
        for v in values:
            if inbox and inbox[0] == ("obj", portable_key(v)):
                out.append((call(end, "recv"), v, None))
        if inbox and inbox[0][0] == "bytes":
            data = inbox[0][1][1]
            out.append((call(end, "recv_bytes"), data, None))
            out.append((call(end, "recv_bytes_into", bytearray(2)), len(data), None))
            out.append((call(end, "recv_bytes_into", bytearray(2)), None, "BufferTooShort"))
    return out


def _value_calls(state, values):
    out = [(write("x", "value", v), None, None) for v in values if isinstance(v, int)]
    out.append((write("x", "value", len(values)), None, None))
    if state[0] == "int":
        out.append((read("x", "value"), state[1], None))
        out += [(macro("x", "incr", n), state[1] + n, None) for n in (1, 2)]
    else:  # unknown after two increments: any read
        out.append((read("x", "value"), 3, None))
    return out


def _event_calls():
    out = [(call("x", "set"), None, None), (call("x", "clear"), None, None)]
    out += [(call("x", "is_set"), b, None) for b in BOOLS]
    out += [(s, b, None) for s in (call("x", "wait"), call("x", "wait", 0.01)) for b in BOOLS]
    return out


def make_model(name):
    return {"Semaphore": lambda: semaphore_spec.Semaphore(2),
            "BoundedSemaphore": lambda: semaphore_spec.BoundedSemaphore(2),
            "Queue": lambda: queues.Queue(maxsize=3),
            "Value": lambda: value_spec.Value("i")}.get(name, lambda: ALL_MODELS[name])()


GENERATED = ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Queue", "SimpleQueue",
             "JoinableQueue", "Connection", "Value", "Event")


def random_history(rng, name, size, procs, values=(0, 1, 2), unique=False, only=None):
    """A linearizable history of ``size`` ops on one object by ``procs`` processes, and its model.

    ``rng`` has ``choice(sequence)`` and ``random()`` (``random.Random``, or an adapter over
    Hypothesis draws). The model runs sequentially: at each step a random process runs a random
    op among those the model accepts with the chosen outcome. Op ``k`` is linearized at time
    ``k + 1``; its interval lies around that point, between the points of its process's previous
    and next ops, so it overlaps other processes' ops or not. With ``unique``, items put are
    ``(proc, seq)`` pairs, as a scenario tags them. A Connection gets at most two processes,
    one for each end. ``only``: the calls allowed (all the model knows if None).
    """
    model = make_model(name)
    state = model.init()
    if name == "Connection":
        procs = min(procs, 2)
    runs = []  # (proc, step, result, error) in linearization order
    counter = [0]
    for k in range(size):
        proc = rng.choice(range(procs))
        if unique:
            counter[0] += 1
            items = [(proc, counter[0])]
        else:
            items = list(values)
        if name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore"):
            candidates = _lock_calls(name)
        elif name in ("Queue", "SimpleQueue", "JoinableQueue"):
            fresh = list(items)
            if unique:
                items += [_from_key(h) for h in _heads(name, state)]
            candidates = _queue_calls(name, state, items, name == "Queue", fresh)
        elif name == "Connection":
            if unique:
                items += [_from_key(m[0][1]) for m in state[:2] if m and m[0][0] == "obj"]
            candidates = _pipe_calls(state, items, proc)
        elif name == "Value":
            candidates = _value_calls(state, items)
        else:
            candidates = _event_calls()
        if only is not None:
            candidates = [c for c in candidates if c[0].call in only]
        fitting = []
        for step, result, error in candidates:
            ok, after = model.step(state, Op(proc, k, step, 0.0, 0.0, result, error))
            if ok:
                fitting.append((step, result, error, after))
        step, result, error, state = rng.choice(fitting)
        runs.append((proc, step, result, error))
    return assign_intervals(rng, runs), model


def _from_key(key):
    """A value back from a :func:`portable_key` of plain data (ints, tuples, bytes)."""
    kind, value = key
    if kind in ("tuple", "list"):
        return {"tuple": tuple, "list": list}[kind](_from_key(v) for v in value)
    return value


SHAPES = (0.0, 0.3, 0.7, 0.999)


def assign_intervals(rng, runs):
    """Ops with intervals around their linearization points ``k + 1``, in program order per
    process: op ``j`` of a process ends before its op ``j + 1`` starts."""
    by_proc = {}
    for k, (proc, _, _, _) in enumerate(runs):
        by_proc.setdefault(proc, []).append(k)
    start = {}
    end = {}
    for proc, points in by_proc.items():
        first = points[0]
        start[first] = first + 1 - rng.random() * 3
        for a, b in zip(points, points[1:]):
            middle = (a + 1) + (0.001 + 0.998 * rng.random()) * (b - a)
            end[a] = (a + 1) + rng.random() * (middle - (a + 1))  # before middle
            start[b] = middle + rng.random() * ((b + 1) - middle)  # from middle on
        last = points[-1]
        end[last] = last + 1 + rng.random() * 3
    ops = []
    index = {}
    for k, (proc, step, result, error) in enumerate(runs):
        index[proc] = index.get(proc, -1) + 1
        ops.append(Op(proc, index[proc], step, start[k], end[k], result, error))
    return ops


class Draws(object):
    """``choice`` and ``random`` over Hypothesis draws (shrinking towards first choices)."""

    def __init__(self, data):
        self.data = data

    def choice(self, seq):
        seq = list(seq)
        return seq[self.data.draw(st.integers(0, len(seq) - 1))]

    def random(self):
        return self.data.draw(st.sampled_from(SHAPES))


#: Pure properties are cheap: many more examples than the profile gives a multi-process property
#: (dev 150, ci 200, thorough 2000).
PURE = settings(max_examples=max(150, 5 * settings.default.max_examples), deadline=None)


@PURE
@given(st.sampled_from(GENERATED), st.integers(1, 8), st.integers(0, 40), st.booleans(), st.data())
def test_generated_histories_are_linearizable(name, procs, size, unique, data):
    ops, model = random_history(Draws(data), name, size, procs, unique=unique)
    assert check_linearizable(History(ops), {"x": model, "p": model}) in ({}, {"x": size},
                                                                          {"p": size})


def oracle(ops, model):
    """Brute force: is there an order of ``ops``, keeping real-time order, that the model runs?"""

    def search(left, state):
        if not left:
            return True
        for i, o in enumerate(left):
            if any(other.end < o.start for other in left if other is not o):
                continue
            ok, after = model.step(state, o)
            if ok and search(left[:i] + left[i + 1:], after):
                return True
        return False

    return search(list(ops), model.init())


def corrupt(ops, k, data):
    """``ops`` with op ``k``'s outcome replaced by another one."""
    o = ops[k]
    options = [(True, None), (False, None), (None, None), (0, None), (1, None), (2, None), (3, None),
               (None, "Empty"), (None, "Full"), (None, "ValueError"), (None, "EOFError"),
               (b"0", None), ((0, 1), None)]
    options = [x for x in options if x != (o.result, o.error)
               and not (x[1] is None and o.error is None and portable_key(x[0]) ==
                        portable_key(o.result))]
    result, error = data.draw(st.sampled_from(options))
    return ops[:k] + [o._replace(result=result, error=error)] + ops[k + 1:]


@PURE
@given(st.sampled_from(GENERATED), st.integers(1, 4), st.integers(1, 7), st.data())
def test_corrupted_histories_agree_with_brute_force(name, procs, size, data):
    """One outcome corrupted: the checker rejects exactly when no order explains it, and the
    sub-history it shows is not linearizable while each of its one-op-smaller parts is."""
    ops, model = random_history(Draws(data), name, size, procs)
    k = data.draw(st.integers(0, size - 1))
    ops = corrupt(ops, k, data)
    key = "p" if name == "Connection" else "x"
    expected = oracle(ops, model)
    try:
        check_linearizable(History(ops), {key: model}, "t.linearizable")
    except SpecViolation as error:
        assert not expected, "rejected a linearizable history:\n%s" % error
        assert error.prop == "t.linearizable" and error.obj == key
        assert not oracle(error.ops, model)
        for i in range(len(error.ops)):
            assert oracle(error.ops[:i] + error.ops[i + 1:], model), "not minimal:\n%s" % error
    else:
        assert expected, "accepted a history no order explains:\n%s" % History(ops).format()


@PURE
@given(st.sampled_from(GENERATED), st.integers(1, 8), st.integers(1, 60), st.data())
def test_sequential_corruption_is_rejected(name, procs, size, data):
    """Ops that never overlap have one order: the checker rejects a corrupted outcome exactly when
    the model rejects it in that order."""
    ops, model = random_history(Draws(data), name, size, procs)
    ops = [o._replace(start=float(2 * i), end=float(2 * i + 1)) for i, o in enumerate(ops)]
    ops = corrupt(ops, data.draw(st.integers(0, size - 1)), data)
    state, legal = model.init(), True
    for o in ops:
        legal, state = model.step(state, o)
        if not legal:
            break
    key = "p" if name == "Connection" else "x"
    if legal:
        check_linearizable(ops, {key: model})
    else:
        with pytest.raises(SpecViolation) as info:
            check_linearizable(ops, {key: model})
        assert not is_linearizable(info.value.ops, model)


def test_random_long_histories():
    """A few 1,000-op, 8-process histories per model are accepted (seeded, for the record)."""
    import random

    for name in GENERATED:
        rng = random.Random(name)
        # SimpleQueue: puts and gets only, which the checker decides in polynomial time
        only = ("put", "get") if name == "SimpleQueue" else None
        ops, model = random_history(rng, name, 1000, 8, unique=True, only=only)
        key = "p" if name == "Connection" else "x"
        assert check_linearizable(ops, {key: model}) == {key: 1000}


def test_buffers_and_arrays_as_payloads():
    pipe = MODELS["Connection"]
    buf = array.array("i", [1, 2, 3])
    accepts(pipe, [op(0, 0, 1, call("p.a", "send_bytes", buf, 4, 4)),
                   op(1, 2, 3, call("p.b", "recv_bytes"), buf.tobytes()[4:8])], key="p")


@PURE
@given(st.integers(1, 4), st.integers(1, 8), st.data())
def test_fifo_shortcut_agrees_with_brute_force(procs, size, data):
    """A global FIFO history with unique items, puts and gets only, is decided without the search
    (per-producer search + order scan): the verdict is the brute-force oracle's, for histories
    as generated and with their times and results scrambled."""
    ops, model = random_history(Draws(data), "SimpleQueue", size, procs, unique=True,
                                only=("put", "get"))
    if data.draw(st.booleans()):  # scramble the times: any real-time order
        times = [sorted(data.draw(st.lists(st.integers(0, 12), min_size=2, max_size=2)))
                 for _ in ops]
        ops = [o._replace(start=float(a), end=float(b) + 0.5) for o, (a, b) in zip(ops, times)]
    gets = [i for i, o in enumerate(ops) if o.call == "get"]
    if gets and data.draw(st.booleans()):  # a get returns another item, or one never put
        i = data.draw(st.sampled_from(gets))
        other = data.draw(st.sampled_from([o.step.args[0] for o in ops if o.call == "put"]
                                          + [("never", 0)]))
        ops[i] = ops[i]._replace(result=other)
    for fifo in (model, queues.Queue(fifo="global")):
        expected = oracle(ops, fifo)
        fast = fifo.decide(ops, linearizability.BUDGET)
        assert fast is not None
        assert fast.ok == expected, History(ops).format()
        assert is_linearizable(ops, fifo) == expected
        assert linearizability._search(ops, fifo).ok == expected


def test_fifo_shortcut_on_long_histories():
    """1,000 puts and gets by 8 processes on a SimpleQueue: decided at once, and a swap of two
    results found (the search alone gives up on such histories)."""
    import random

    rng = random.Random(7)
    ops, model = random_history(rng, "SimpleQueue", 1000, 8, unique=True, only=("put", "get"))
    assert check_linearizable(ops, {"x": model}) == {"x": 1000}
    with pytest.raises(linearizability.TooHard):
        linearizability._search(ops, model, budget=20000)
    put = {o.step.args[0]: o for o in ops if o.call == "put"}
    gets = [o for o in ops if o.call == "get"]
    # two gets ordered in real time, of items whose puts are too: swapped, no order explains them
    g1, g2 = next((a, b) for a in gets for b in gets
                  if a.end < b.start and put[a.result].end < put[b.result].start
                  and put[a.result].proc != put[b.result].proc)
    swapped = [g1._replace(result=g2.result) if o is g1 else
               g2._replace(result=g1.result) if o is g2 else o for o in ops]
    with pytest.raises(SpecViolation) as info:
        check_linearizable(swapped, {"x": model})
    assert not is_linearizable(info.value.ops, model) and len(info.value.ops) <= 4
    assert "a FIFO queue gives items in the order they were put" in str(info.value)


def test_a_model_may_decide_itself():
    """The checker asks a model's ``decide`` first (the base Model answers None: search), and
    shows the reason a model gives for a failure."""
    lock = MODELS["Lock"]
    ops = [op(0, 0, 1, call("x", "acquire"), True), op(1, 2, 3, call("x", "acquire"), True)]
    assert lock.decide(ops, linearizability.BUDGET) is None

    class Judge(lock_spec.Lock):
        """A Lock model that decides every history with a release itself, as not linearizable."""

        def decide(self, ops, budget):
            if any(o.call == "release" for o in ops):
                return linearizability.Result(False, reason="releases are not allowed here")
            return None

    judge = Judge()
    accepts(judge, ops[:1])
    assert not is_linearizable(ops, judge)  # decided by the search
    released = ops[:1] + [op(0, 2, 3, call("x", "release"))]
    assert is_linearizable(released, lock) and not is_linearizable(released, judge)
    with pytest.raises(SpecViolation) as info:
        check_linearizable(released, {"x": judge}, "t.linearizable")
    assert "Context: releases are not allowed here" in str(info.value)
