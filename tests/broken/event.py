"""Broken Events, one broken promise each: ``@breaks("Event")`` makes each class an
implementation, bound here in snake case (``WakesOne`` -> ``wakes_one``)."""

import time
from multiprocessing.synchronize import Event

from . import breaks

#: Seconds the deliberately slow Events below add: more than the LATE their self-tests allow.
DELAY = 0.1
#: The shortest timeout ShortTimeout cuts short.
EARLY = 0.02


@breaks("Event")
class WakesOne(Event):
    """set() wakes one waiting process, not all of them (``notify`` for ``notify_all``)."""

    def set(self):
        with self._cond:
            self._flag.acquire(False)
            self._flag.release()
            self._cond.notify()


@breaks("Event")
class ReturnsNone(Event):
    """wait() returns None, as before Python 3.1, instead of True."""

    def wait(self, timeout=None):
        super().wait(timeout)
        return None


@breaks("Event")
class NeverBlocks(Event):
    """wait() returns True at once, set or not."""

    def wait(self, timeout=None):
        return True


@breaks("Event")
class SetRaises(Event):
    """set() sets the flag and wakes the waiters, then raises."""

    def set(self):
        super().set()
        raise OSError("set() failed after setting the flag")


@breaks("Event")
class RaisesOnTimeout(Event):
    """wait(timeout) raises TimeoutError when it times out, instead of returning False."""

    def wait(self, timeout=None):
        if not super().wait(timeout):
            raise TimeoutError("timed out")
        return True


@breaks("Event")
class ShortTimeout(Event):
    """wait(timeout) gives up at once when the timeout is EARLY seconds or more.

    Only the longer timeouts are cut short, and to nothing, so that the minimal failing example
    stays failing on a loaded machine (a wait cut short by a few milliseconds can look punctual when
    the process is descheduled)."""

    def wait(self, timeout=None):
        if timeout is not None and timeout >= EARLY:
            timeout = 0
        return super().wait(timeout)


@breaks("Event")
class TrueOnTimeout(Event):
    """wait(timeout) returns True when it times out."""

    def wait(self, timeout=None):
        super().wait(timeout)
        return True


@breaks("Event")
class LateTimeout(Event):
    """wait(timeout) returns False DELAY seconds after its timeout."""

    def wait(self, timeout=None):
        result = super().wait(timeout)
        if not result:
            time.sleep(DELAY)
        return result


@breaks("Event")
class Forgets(Event):
    """set() wakes the processes waiting, but leaves the flag false (a pulse)."""

    def set(self):
        with self._cond:
            self._flag.acquire(False)
            self._flag.release()
            self._cond.notify_all()
            self._flag.acquire(False)


@breaks("Event")
class SlowWhenSet(Event):
    """wait() on an event already set returns True, but only after DELAY seconds."""

    def wait(self, timeout=None):
        if self.is_set():
            time.sleep(DELAY)
        return super().wait(timeout)


@breaks("Event")
class InitiallySet(Event):
    """The flag starts true."""

    def __init__(self, *, ctx):
        super().__init__(ctx=ctx)
        self.set()


@breaks("Event")
class LocalFlag(Event):
    """is_set() reports a flag of this process's own: what this process last did with set() and
    clear()."""

    def __init__(self, *, ctx):
        super().__init__(ctx=ctx)
        self._local = False

    def set(self):
        super().set()
        self._local = True

    def clear(self):
        super().clear()
        self._local = False

    def is_set(self):
        return self._local


@breaks("Event")
class ClearIgnored(Event):
    """clear() does nothing."""

    def clear(self):
        pass


@breaks("Event")
class WaitRemembers(Event):
    """wait() returns True at once in a process that has ever seen the flag true (a process-local
    cache, never invalidated by clear())."""

    def __init__(self, *, ctx):
        super().__init__(ctx=ctx)
        self._seen = False

    def is_set(self):
        result = super().is_set()
        self._seen = self._seen or result
        return result

    def wait(self, timeout=None):
        if self._seen:
            return True
        result = super().wait(timeout)
        self._seen = self._seen or result
        return result

