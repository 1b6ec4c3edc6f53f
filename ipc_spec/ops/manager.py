"""The Manager flavours' objects: proxies of one ``SyncManager`` per context and host process.

A Manager flavour's bank objects are proxies (``manager.Lock()``, ``manager.Queue()``...) that the
host builds like any other object (:class:`~ipc_spec.objects.Make` with a factory of this module)
and hands to the workers at their start, as a proxy is meant to be passed. All of them come from
one manager per context in the host process (:func:`manager`), started on first use: one server
process serves every crew and example, not one per object.

The manager is the implementation's: ``ctx.SyncManager`` where the context has it (a broken
implementation sets it), else ``<package>.managers.SyncManager``, built with ``ctx=ctx`` and
started with ``start(initializer)``, which is what ``ctx.Manager()`` does. The initializer is the
kit's (standard library only): a thread in the server process that ends it once the host process
is gone, so that no server outlives the run even when the host was killed. When the host ends, the
manager is shut down (:func:`shutdown_all`, also at exit), and its process reaped.
"""

import atexit
import importlib
import os
import signal
import threading

from . import process as _process

_managers = {}  # id(ctx) -> (ctx, started SyncManager)
_owner = [None]  # the pid of the process whose managers these are (not a forked child's)


def api(ctx, name):
    """The implementation's ``SyncManager`` (or another class of its ``managers`` module)."""
    found = getattr(ctx, name, None)
    if found is not None:
        return found
    return getattr(importlib.import_module(_process._package(ctx) + ".managers"), name)


def _watch(host):
    """The server's initializer: end the server once ``host`` (the host process's pid) is gone."""
    from .._child import _watch_parent

    watchdog = threading.Thread(target=_watch_parent, args=(os.getppid(), host),
                                name="ipc-spec-manager-watchdog")
    watchdog.daemon = True
    watchdog.start()


def _pid(started):
    proc = getattr(started, "_process", None)
    return getattr(proc, "pid", None)


def _alive(pid):
    """Whether the server ``pid`` still runs: the operating system's word (a zombie has ended).
    Under forkserver it is the fork server's child, not this process's."""
    from .._child import _gone

    return pid is not None and not _gone(pid)


def manager(ctx):
    """The started ``SyncManager`` of ``ctx`` in this process; a new one if the last one died."""
    known = _managers.get(id(ctx))
    if known is not None and _alive(_pid(known[1])):
        return known[1]
    if known is not None:
        _stop(known[1])
    started = api(ctx, "SyncManager")(ctx=ctx)
    started.start(_watch, (os.getpid(),))
    if _owner[0] != os.getpid():
        _owner[0] = os.getpid()
        _managers.clear()  # a forked child's copy: its parent's managers are not its own
        atexit.register(shutdown_all)
    _managers[id(ctx)] = (ctx, started)
    return started


def _stop(started):
    """``shutdown()``, then SIGKILL if the server still runs, and reap it."""
    pid = _pid(started)
    try:
        started.shutdown()
    except Exception:
        pass
    if _alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if pid is not None:
        try:
            os.waitpid(pid, 0)  # a child of this process: reaped; the fork server's: not ours
        except OSError:
            pass


def shutdown_all():
    """Shut down (or kill) and reap every manager this process started."""
    if _owner[0] != os.getpid():
        return
    while _managers:
        _stop(_managers.popitem()[1][1])


def _proxy_factory(typeid):
    def make(ctx, *args, **kwargs):
        return getattr(manager(ctx), typeid)(*args, **kwargs)

    make.__name__ = make.__qualname__ = "managed_" + typeid
    make.__doc__ = "``manager.%s(*args, **kwargs)`` of ``ctx``'s manager." % typeid
    make.clause = typeid.lower()
    return make


managed_Lock = _proxy_factory("Lock")
managed_RLock = _proxy_factory("RLock")
managed_Semaphore = _proxy_factory("Semaphore")
managed_BoundedSemaphore = _proxy_factory("BoundedSemaphore")
managed_Event = _proxy_factory("Event")
managed_Barrier = _proxy_factory("Barrier")
managed_Condition = _proxy_factory("Condition")
managed_Queue = _proxy_factory("Queue")
managed_JoinableQueue = _proxy_factory("JoinableQueue")
managed_Value = _proxy_factory("Value")
managed_Array = _proxy_factory("Array")
managed_dict = _proxy_factory("dict")
managed_list = _proxy_factory("list")
managed_Namespace = _proxy_factory("Namespace")
managed_dict.clause = managed_list.clause = managed_Namespace.clause = "proxy"  # their family


def managed_nested(ctx):
    """Nested proxies of ``ctx``'s manager: part ``dict``, a dict proxy holding a list proxy under
    the key ``"k"``, and part ``list``, a list proxy holding a dict proxy (3.6's "shared objects
    are capable of being nested")."""
    served = manager(ctx)
    return {"dict": served.dict({"k": served.list()}), "list": served.list([served.dict()])}


managed_nested.clause = "proxy"
