"""Broken queues, one broken promise each: ``@breaks("Queue")`` (or ``"JoinableQueue"``,
``"SimpleQueue"``) makes each class an implementation, bound here in snake case
(``FullPasses`` -> ``full_passes``).

A break of Queue's own methods that properties drawing either Queue or JoinableQueue must see is a
mixin applied to both, and its implementation replaces both factories (a plain ``Broken`` line:
one class cannot be both). Extra state lives in attributes set lazily in the process that uses the
queue (a queue's pickled state is fixed, so nothing else would reach a spawned child).
"""

import time
from multiprocessing.queues import JoinableQueue, Queue, SimpleQueue
from multiprocessing.reduction import ForkingPickler
from queue import Empty

from . import Broken, breaks

#: Bytes a pipe holds on Linux before a writer blocks.
PIPE_BUFFER = 65536


def _count(queue, attr="_ipc_puts"):
    """1, 2, 3, ... at each call in this process, for this queue."""
    n = getattr(queue, attr, 0) + 1
    setattr(queue, attr, n)
    return n


# -- Queue and JoinableQueue -------------------------------------------------------------------


class _DropsEveryThird(object):
    """Every third put of a process vanishes."""

    def put(self, obj, block=True, timeout=None):
        if _count(self) % 3 == 0:
            return None
        return super().put(obj, block, timeout)


class _DropsBig(object):
    """An item whose pickle exceeds the pipe's buffer (64 KiB) vanishes."""

    def put(self, obj, block=True, timeout=None):
        if len(ForkingPickler.dumps(obj)) > PIPE_BUFFER:
            return None
        return super().put(obj, block, timeout)


class _Duplicates(object):
    """Every third put of a small item (pickle under 4 KiB) puts it twice."""

    def put(self, obj, block=True, timeout=None):
        super().put(obj, block, timeout)
        if _count(self) % 3 == 0 and len(ForkingPickler.dumps(obj)) < 4096:
            super().put(obj, block, timeout)


class _SwapsPairs(object):
    """get() takes two items when a second one comes within 50 ms, and returns them in reverse
    order (the second now, the first at this process's next get)."""

    def get(self, block=True, timeout=None):
        stash = getattr(self, "_ipc_stash", None)
        if stash:
            return stash.pop()
        first = super().get(block, timeout)
        try:
            second = super().get(True, 0.05)
        except Empty:
            return first
        self._ipc_stash = [first]
        return second


class _FullPasses(object):
    """put(block=False) on a full queue puts the item anyway, beyond maxsize."""

    def put(self, obj, block=True, timeout=None):
        if block or self._sem.acquire(False):
            if not block:
                self._sem.release()
            return super().put(obj, block, timeout)
        if self._closed:
            raise ValueError("closed")
        with self._notempty:
            if self._thread is None:
                self._start_thread()
            self._buffer.append(obj)
            self._notempty.notify()


class _FullBlocks(object):
    """put(block=False) waits for a free slot instead of raising Full."""

    def put(self, obj, block=True, timeout=None):
        return super().put(obj, True, None if not block else timeout)


class _ShortPutTimeout(object):
    """put(timeout=t) on a full queue takes t as milliseconds: it gives up 1000 times early."""

    def put(self, obj, block=True, timeout=None):
        return super().put(obj, block, None if timeout is None else timeout / 1000)


class _GetKeepsSlot(object):
    """get() does not free the item's slot: a bounded queue stays full."""

    def get(self, block=True, timeout=None):
        item = super().get(block, timeout)
        self._sem.acquire(False)
        return item


class _ShortGetTimeout(object):
    """get(timeout=t) on an empty queue takes t as milliseconds: it gives up a thousand times
    early."""

    def get(self, block=True, timeout=None):
        return super().get(block, None if timeout is None else timeout / 1000)


class _EmptyReturnsNone(object):
    """A get that finds nothing returns None instead of raising Empty."""

    def get(self, block=True, timeout=None):
        try:
            return super().get(block, timeout)
        except Empty:
            return None


class _GetTimeoutIgnored(object):
    """get(timeout=t) waits for an item however long it takes."""

    def get(self, block=True, timeout=None):
        return super().get(block, None)


class _NoFlushOnExit(object):
    """A process that put items exits without flushing them (as after cancel_join_thread()); its
    feeder thread is slow (0.2 s a message), so whatever it put shortly before exiting is lost. A
    process that lives on delivers everything."""

    def put(self, obj, block=True, timeout=None):
        if self._thread is None:
            self.cancel_join_thread()
            send = self._writer.send_bytes

            def slow_send(data):
                time.sleep(0.2)
                send(data)

            self._send_bytes = slow_send
        return super().put(obj, block, timeout)


class _CloseIgnored(object):
    """close() does nothing: the queue stays usable in the process that closed it."""

    def close(self):
        pass

    def join_thread(self):
        pass


class _CloseDiscards(object):
    """close() throws away the items still buffered in this process instead of flushing them."""

    def close(self):
        with self._notempty:
            self._buffer.clear()
        super().close()


class _SizesNotBools(object):
    """empty() and full() return numbers (qsize(), and the free slots), not bools."""

    def empty(self):
        return self.qsize()

    def full(self):
        return self._maxsize - self.qsize()


class _QsizeUnknown(object):
    """qsize() returns -1 when it cannot tell, instead of raising NotImplementedError."""

    def qsize(self):
        return -1


class _CloseStopsEveryone(object):
    """close() in one process ends the queue for every process: it sends a marker, and any get
    that meets it raises ValueError."""

    def close(self):
        if not self._closed:
            self.put("<queue closed>")
        super().close()

    def get(self, block=True, timeout=None):
        item = super().get(block, timeout)
        if item == "<queue closed>":
            raise ValueError("Queue is closed")
        return item


class _JoinThreadFails(object):
    """join_thread() raises, as if the queue had not been closed."""

    def join_thread(self):
        raise AssertionError("Queue %r not closed" % (self,))


class DropsEveryThird(_DropsEveryThird, Queue):
    pass


class JoinableDropsEveryThird(_DropsEveryThird, JoinableQueue):
    pass


class DropsBig(_DropsBig, Queue):
    pass


class JoinableDropsBig(_DropsBig, JoinableQueue):
    pass


class Duplicates(_Duplicates, Queue):
    pass


class JoinableDuplicates(_Duplicates, JoinableQueue):
    pass


class SwapsPairs(_SwapsPairs, Queue):
    pass


class JoinableSwapsPairs(_SwapsPairs, JoinableQueue):
    pass


@breaks("Queue")
class FullPasses(_FullPasses, Queue):
    pass


@breaks("Queue")
class FullBlocks(_FullBlocks, Queue):
    pass


@breaks("Queue")
class ShortPutTimeout(_ShortPutTimeout, Queue):
    pass


@breaks("Queue")
class GetKeepsSlot(_GetKeepsSlot, Queue):
    pass


@breaks("Queue")
class ShortGetTimeout(_ShortGetTimeout, Queue):
    pass


@breaks("Queue")
class EmptyReturnsNone(_EmptyReturnsNone, Queue):
    pass


@breaks("Queue")
class GetTimeoutIgnored(_GetTimeoutIgnored, Queue):
    pass


@breaks("Queue")
class NoFlushOnExit(_NoFlushOnExit, Queue):
    pass


@breaks("Queue")
class CloseIgnored(_CloseIgnored, Queue):
    pass


@breaks("Queue")
class CloseDiscards(_CloseDiscards, Queue):
    pass


@breaks("Queue")
class SizesNotBools(_SizesNotBools, Queue):
    pass


@breaks("Queue")
class QsizeUnknown(_QsizeUnknown, Queue):
    pass


@breaks("Queue")
class CloseStopsEveryone(_CloseStopsEveryone, Queue):
    pass


@breaks("Queue")
class JoinThreadFails(_JoinThreadFails, Queue):
    pass


@breaks("JoinableQueue")
class JoinOffByOne(JoinableQueue):
    """join() returns once at most one task is unfinished."""

    def join(self):
        while self._unfinished_tasks.get_value() > 1:
            time.sleep(0.0005)


@breaks("JoinableQueue")
class TaskDoneUnchecked(JoinableQueue):
    """task_done() called more times than items were put does not raise."""

    def task_done(self):
        with self._cond:
            if self._unfinished_tasks.acquire(False):
                if self._unfinished_tasks._semlock._is_zero():
                    self._cond.notify_all()


# -- SimpleQueue -------------------------------------------------------------------------------


@breaks("SimpleQueue")
class SimpleDropsEveryThird(SimpleQueue):
    """Every third put of a process vanishes."""

    def put(self, obj):
        if _count(self) % 3 == 0:
            return None
        return super().put(obj)


@breaks("SimpleQueue")
class SimpleDuplicates(SimpleQueue):
    """Every third put of a small item (pickle under 4 KiB) puts it twice."""

    def put(self, obj):
        super().put(obj)
        if _count(self) % 3 == 0 and len(ForkingPickler.dumps(obj)) < 4096:
            super().put(obj)


@breaks("SimpleQueue")
class SimpleSwapsPairs(SimpleQueue):
    """get() takes two items when a second one comes within 50 ms, and returns them in reverse
    order."""

    def get(self):
        stash = getattr(self, "_ipc_stash", None)
        if stash:
            return stash.pop()
        first = super().get()
        with self._rlock:
            if not self._reader.poll(0.05):
                return first
            data = self._reader.recv_bytes()
        self._ipc_stash = [first]
        return ForkingPickler.loads(data)


@breaks("SimpleQueue")
class SimpleEmptyAlwaysTrue(SimpleQueue):
    """empty() is always True."""

    def empty(self):
        return True


@breaks("SimpleQueue")
class SimpleEmptyNeverTrue(SimpleQueue):
    """empty() is always False."""

    def empty(self):
        return False


@breaks("SimpleQueue")
class SimpleCloseNoop(SimpleQueue):
    """close() does nothing."""

    def close(self):
        pass


def _both(cls, joinable):
    """An implementation whose Queue is ``cls`` and whose JoinableQueue is ``joinable`` (the same
    mixin on each)."""
    return Broken("queue." + cls.__name__,
                  Queue=lambda ctx, *a, **k: cls(*a, ctx=ctx, **k),
                  JoinableQueue=lambda ctx, *a, **k: joinable(*a, ctx=ctx, **k))


drops_every_third = _both(DropsEveryThird, JoinableDropsEveryThird)
drops_big = _both(DropsBig, JoinableDropsBig)
duplicates = _both(Duplicates, JoinableDuplicates)
swaps_pairs = _both(SwapsPairs, JoinableSwapsPairs)
