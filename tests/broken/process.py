"""Broken Process implementations, one broken promise each (``tests/test_selftest_process.py``).

Each is a mixin over the real Process class of each start method (``ForkProcess``,
``SpawnProcess``, ``ForkServerProcess``), made into one module-level class per method so that a
Process pickles by name under spawn and forkserver. A broken Process misbehaves only for the
processes a property starts (whose target is ``ipc_spec.ops.process.child``): the kit's own workers
are made by the same factory and behave.
"""

import os
import sys
import time
from multiprocessing import context as _context
from multiprocessing import process as _process

from ipc_spec.ops.process import child as _child_target

from . import Broken, _snake

#: Seconds a late join(timeout) overstays (a self-test scales the LATE bound below it).
DELAY = 0.3
#: Seconds a child of JoinReturnsEarly takes to exit after its run().
EXIT_DELAY = 0.05

_REAL = {"fork": _context.ForkProcess, "spawn": _context.SpawnProcess,
         "forkserver": _context.ForkServerProcess}


class _Ours(object):
    """Notes whether this Process is one a property started (the target is the kit's child)."""

    def __init__(self, *args, **kwargs):
        target = kwargs.get("target", args[1] if len(args) > 1 else None)
        self._ours = target is _child_target
        super().__init__(*args, **kwargs)


class _Factory(object):
    """``Process(ctx, ...)`` of a broken implementation: the class of ``mixin`` for the context's
    start method. An instance pickles by name, as a spawned worker's context needs."""

    def __init__(self, mixin):
        self.mixin = mixin

    def __call__(self, ctx, *args, **kwargs):
        cls = getattr(sys.modules[__name__], "%s_%s" % (self.mixin, ctx.get_start_method()))
        return cls(*args, **kwargs)


def _broken(mixin):
    """A broken implementation whose ``Process`` is ``mixin`` over the real class of the start
    method, bound in this module under the mixin's name in snake case."""
    module = sys.modules[__name__]
    for method, real in _REAL.items():
        name = "%s_%s" % (mixin.__name__, method)
        setattr(module, name, type(name, (_Ours, mixin, real),
                                   {"__module__": __name__, "__qualname__": name}))
    setattr(module, _snake(mixin.__name__), Broken("process." + mixin.__name__, Process=_Factory(mixin.__name__)))
    return mixin


@_broken
class SignalExitcodePositive(object):
    """exitcode is +N, not -N, for a child a signal ended."""

    @property
    def exitcode(self):
        code = super().exitcode
        return abs(code) if self._ours and code is not None else code


@_broken
class ExitcodeEarly(object):
    """exitcode is 0 while the child runs."""

    @property
    def exitcode(self):
        code = super().exitcode
        return 0 if self._ours and code is None else code


@_broken
class BareExitIsOne(object):
    """sys.exit() and sys.exit(None) give exit code 1 (Python 3.8's behaviour)."""

    def run(self):
        try:
            super().run()
        except SystemExit as exc:
            if self._ours and exc.code is None:
                raise SystemExit(1)
            raise


@_broken
class TerminateKills(object):
    """terminate() sends SIGKILL."""

    def terminate(self):
        if self._ours:
            return super().kill()
        return super().terminate()


@_broken
class JoinReturnsEarly(object):
    """join() returns at once, whether or not the child has ended. (Its children take EXIT_DELAY s
    to exit once run() is over, so that a join made just after a child was told to end returns
    before that child is gone, however the machine schedules them.)"""

    def join(self, timeout=None):
        return super().join(0 if self._ours and timeout is None else timeout)

    def run(self):
        try:
            super().run()
        finally:
            if self._ours:
                time.sleep(EXIT_DELAY)


@_broken
class JoinHangs(object):
    """join() never returns."""

    def join(self, timeout=None):
        while self._ours and timeout is None:
            time.sleep(1.0)
        return super().join(timeout)


@_broken
class JoinTimeoutShort(object):
    """join(timeout) gives up after a third of the timeout."""

    def join(self, timeout=None):
        return super().join(timeout / 3 if self._ours and timeout is not None else timeout)


@_broken
class JoinTimeoutLate(object):
    """join(timeout) gives up DELAY seconds after the timeout."""

    def join(self, timeout=None):
        return super().join(timeout + DELAY if self._ours and timeout is not None else timeout)


@_broken
class AliveForever(object):
    """is_alive() is True once the process was started, even after it ended."""

    def is_alive(self):
        alive = super().is_alive()
        return True if self._ours and self._popen is not None else alive


@_broken
class DeadWhileRunning(object):
    """The first is_alive() after start() is False."""

    def start(self):
        super().start()
        self._asked = False

    def is_alive(self):
        alive = super().is_alive()
        if self._ours and getattr(self, "_asked", True) is False:
            self._asked = True
            return False
        return alive


@_broken
class PidOff(object):
    """pid is one more than the child's."""

    @property
    def pid(self):
        pid = super().pid
        return pid + 1 if self._ours and pid is not None and os.getpid() == self._parent_pid else pid

    ident = pid


@_broken
class NameIgnored(object):
    """The name given is ignored."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("target") is _child_target:
            kwargs.pop("name", None)
        super().__init__(*args, **kwargs)


@_broken
class NoParent(object):
    """In the child, parent_process() is None."""

    def run(self):
        if self._ours:
            _process._parent_process = None
        super().run()


@_broken
class SentinelAlwaysReady(object):
    """sentinel is ready from the start (a pipe whose writer is closed)."""

    @property
    def sentinel(self):
        real = super().sentinel
        if not self._ours:
            return real
        if not hasattr(self, "_fake"):
            self._fake, writer = os.pipe()
            os.close(writer)
        return self._fake


@_broken
class SentinelNeverReady(object):
    """sentinel never becomes ready (a pipe whose writer stays open)."""

    @property
    def sentinel(self):
        real = super().sentinel
        if not self._ours:
            return real
        if not hasattr(self, "_fake"):
            self._fake, self._writer = os.pipe()
        return self._fake


@_broken
class CloseUnchecked(object):
    """close() of a running process returns, and does nothing."""

    def close(self):
        if self._ours and self._popen is not None and self._popen.poll() is None:
            return None
        return super().close()


@_broken
class ClosedStillWorks(object):
    """close() of an ended process does nothing: the Process works on afterwards."""

    def close(self):
        if self._ours and self._popen is not None and self._popen.poll() is not None:
            return None
        return super().close()


@_broken
class Unlisted(object):
    """active_children() does not list the process."""

    def start(self):
        super().start()
        if self._ours:
            _process._children.discard(self)


@_broken
class DaemonOrphans(object):
    """A process that exits leaves its daemonic children running."""

    def run(self):
        try:
            super().run()
        finally:
            if self._ours:
                for p in list(_process._children):
                    if p.daemon:
                        _process._children.discard(p)


@_broken
class DaemonMayHaveChildren(object):
    """A daemonic process may start children (its flag reads True, but start() does not see it)."""

    @property
    def daemon(self):
        return self._config.get("daemon", getattr(self, "_shown_daemon", False))

    @daemon.setter
    def daemon(self, value):
        self._config["daemon"] = value

    def run(self):
        if self._ours:
            self._shown_daemon = self._config.pop("daemon", False)
        super().run()


@_broken
class AuthkeyNotInherited(object):
    """The child gets a key of its own, not its parent's nor the one set on its Process."""

    def start(self):
        if self._ours:
            self.authkey = os.urandom(32)
        super().start()
