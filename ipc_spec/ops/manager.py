"""The Manager flavours' objects: proxies of one ``SyncManager`` per context and host process.

A Manager flavour's objects are proxies (``manager.Lock()``, ``manager.Queue()``...) that the
host builds like any other object (:class:`~ipc_spec.objects.Make` with a factory of this module),
pickles, and sends to the workers with the example that uses them (``Make.sent``), as a proxy is
meant to be passed: not in a crew's bank, whose every proxy costs every worker a connection to the
manager. All of them come from
one manager per context in the host process (:func:`manager`), started on first use: one server
process serves every crew and example, not one per object.

A user's own manager (the proxy family's ``register``, ``connect`` and ``authkey`` clauses) is the
implementation's ``BaseManager`` with the kit's :class:`Tally` registered (:func:`user_manager`); a
kit worker starts it with a drawn authkey (:func:`serve`), the others connect to it by address
(:func:`visit`, :func:`read_tallies`). For the faults family's ``manager_killed``, a kit worker is
itself the server of a ``SyncManager`` (``get_server().serve_forever()``, in a thread:
:func:`serve_here`), which the nemesis kills while the others call its proxies
(:func:`client`, :func:`through`).

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
import sys
import tempfile
import threading
import time

from .. import _wire
from .._child import at_leave
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
    make.sent = True  # a proxy is pickled to the workers with its example (objects.Make.sent)
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
managed_nested.sent = True


# -- a user's manager: BaseManager.register, connect() and authkey ---------------------------------


class Tally(object):
    """The user type the kit registers: numbers added one by one."""

    def __init__(self):
        self.items = []

    def add(self, value):
        self.items.append(value)
        return len(self.items)

    def total(self):
        return sum(self.items)

    def seen(self):
        return list(self.items)

    def _secret(self):
        return "not exposed"


_tallies = {}  # in a server: name -> its Tally


def get_tally(name):
    """In the server: the Tally called ``name``, the same one for every caller (the
    documentation's ``register('get_queue', callable=lambda: queue)``, by name)."""
    if name not in _tallies:
        _tallies[name] = Tally()
    return _tallies[name]


def __getattr__(name):
    """``Registered_<package>``: a subclass of that package's ``BaseManager`` of this module's own,
    made on first use (so that a server started by spawn or forkserver finds it by name), which
    the kit's types are registered with rather than with the implementation's class."""
    prefix = "Registered_"
    if not name.startswith(prefix):
        raise AttributeError(name)
    base = importlib.import_module(name[len(prefix):] + ".managers").BaseManager
    made = type(name, (base,), {"__module__": __name__, "__qualname__": name})
    globals()[name] = made
    return made


def user_manager(ctx, **kwargs):
    """The implementation's ``BaseManager(ctx=ctx, **kwargs)`` with ``Tally`` (``create_method``:
    ``m.Tally()``) and ``get_tally`` registered with its class: ``ctx.BaseManager(**kwargs)`` if
    the context has one (a broken implementation's class of its own), else
    ``Registered_<package>(**kwargs)``."""
    own = getattr(ctx, "BaseManager", None)
    if own is not None:
        made = own(**kwargs)
    else:
        made = getattr(sys.modules[__name__], "Registered_" + _process._package(ctx))(ctx=ctx,
                                                                                      **kwargs)
    if "get_tally" not in type(made).__dict__.get("_registry", {}):
        type(made).register("Tally", Tally)
        type(made).register("get_tally", get_tally)
    return made


_serving = []  # this worker's started manager of serve()


def serve(ctx, key):
    """Start ``user_manager(ctx, authkey=key)`` (with the kit's watchdog as its initializer), having
    stopped the one before; return its address."""
    stop()
    _process._become_parent(ctx)
    served = user_manager(ctx, authkey=key)
    served.start(_watch, (os.getpid(),))
    at_leave(stop)
    _serving.append(served)
    return served.address


def stop():
    """Shut down (or kill) and reap the manager :func:`serve` started; True if there was one."""
    was = bool(_serving)
    while _serving:
        _stop(_serving.pop())
    return was


def _outcome(call, *args):
    try:
        return ["value", call(*args)]
    except Exception as exc:
        return ["error", type(exc).__name__, [str(arg) for arg in exc.args]]


def _connected(ctx, address, key):
    client = user_manager(ctx, address=tuple(address) if isinstance(address, list) else address,
                          authkey=key)
    client.connect()
    return client


def visit(ctx, address, key, wrong, name, calls):
    """From another process: with ``wrong`` (a key), first ``connect()`` with it (and, if that
    passed, ``get_tally(name).add(0)``); then ``connect()`` with ``key``, ``get_tally(name)``, and
    each call ``[method, *args]`` on that proxy.

    Returns ``[the wrong key's outcomes (None without one), the calls' outcomes]``."""
    intruder = None
    if wrong is not None:
        intruder = [_outcome(_connected, ctx, address, wrong)]
        if intruder[0][0] == "value":
            intruder.append(_outcome(lambda: intruder[0][1].get_tally(name).add(0)))
            intruder[0] = ["value", "connected"]
    tally = _connected(ctx, address, key).get_tally(name)
    return [intruder, [_outcome(lambda: getattr(tally, method)(*args)) for method, *args in calls]]


def read_tallies(ctx, address, key, names):
    """``get_tally(name).seen()`` of each name: through the manager :func:`serve` started if this
    process started it, else connected by ``address`` with ``key``."""
    served = _serving[-1] if _serving else _connected(ctx, address, key)
    return [served.get_tally(name).seen() for name in names]


def made_here(ctx, values):
    """``m.Tally()`` (the method ``register`` created) of the manager :func:`serve` started: each
    value added, then ``seen()``; returns the outcomes."""
    tally = _serving[-1].Tally()
    return [_outcome(tally.add, value) for value in values] + [_outcome(tally.seen)]


# -- a manager's server killed: faults.manager_killed --------------------------------------------

#: Seconds a crew worker's server thread gets to start before :func:`serve_here` gives up.
SERVE_LIMIT = 30.0
_here = {}  # in the serving worker: "server", "dir"
_client = {}  # in a calling worker: "manager", and its proxies by name


def serve_here(ctx, key):
    """Make this worker the server of the implementation's ``SyncManager(address, authkey=key)``
    (an AF_UNIX address in a directory of its own in the harness's scratch directory):
    ``get_server()``, and its ``serve_forever()`` in a daemon thread. Returns the address once
    the server's socket exists."""
    _process._become_parent(ctx)
    folder = tempfile.mkdtemp(prefix="manager-", dir=_wire.scratch_dir())
    address = os.path.join(folder, "server")
    server = api(ctx, "SyncManager")(address=address, authkey=key, ctx=ctx).get_server()
    thread = threading.Thread(target=server.serve_forever, name="ipc-spec-manager-server")
    thread.daemon = True
    thread.start()
    _here.update(server=server, dir=folder)
    end = time.monotonic() + SERVE_LIMIT
    while not os.path.exists(address) and time.monotonic() < end:
        time.sleep(0.001)
    return address


def serving(ctx):
    """Block until this process ends (the nemesis ends it): the step a fault strikes."""
    while True:
        time.sleep(0.05)


def client(ctx, address, key, kinds):
    """``SyncManager(address, authkey=key).connect()`` and one proxy of each kind of ``kinds``
    (``manager.Queue()``, ``Lock()``, ``Event()``, ``dict()``), kept for :func:`through` (which
    the last client of this process is forgotten for). Returns True."""
    _client.clear()
    manager = api(ctx, "SyncManager")(address=address, authkey=key, ctx=ctx)
    manager.connect()
    _client["manager"] = manager
    for kind in kinds:
        _client[kind] = getattr(manager, kind)()
    return True


def through(ctx, kind, method, *args):
    """``<the proxy of kind>.<method>(*args)``, or with ``kind`` None ``manager.<method>()``
    (a new object: a call to the server too); None (not a call) if :func:`client` made none
    here."""
    if "manager" not in _client:
        return None
    target = _client["manager"] if kind is None else _client[kind]
    got = getattr(target, method)(*args)
    return got if kind is not None else "a new proxy"
