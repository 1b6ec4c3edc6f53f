"""The dict, list and Namespace proxies of a ``SyncManager``, as documented in ``multiprocessing``'s
"Managers" and "Proxy Objects" sections.

``manager.dict()`` and ``manager.list()`` "create a shared dict [list] object and return a proxy
for it"; ``manager.Namespace()`` creates "a shared Namespace object", which "has no public methods,
but does have writable attributes". A proxy "refers to a shared object which lives (presumably) in a
different process": every process that holds a proxy of the same object acts on that one object, so
what one process does is seen by all. Since 3.6 "shared objects are capable of being nested": a
shared list may contain other shared objects, "managed and synchronized by the SyncManager".

What the kit checks:

- ``proxy.dict_shared``: processes writing different keys at once (``d[k] = v``, ``update``,
  ``setdefault``) lose nothing: afterwards every process reads the same items, exactly the union;
  then, round after round, one process's mutations and reads (item assignment and deletion, ``get``,
  ``pop``, ``popitem``, ``setdefault``, ``update``, ``clear``, ``in``, ``len``) return what they
  return on a ``dict`` holding the same items, and every other process then reads that dict's
  items, in its order.
- ``proxy.dict_linearizable``: concurrent operations on keys (``d[k] = v``, ``d[k]``, ``get``,
  ``del``, ``pop``, ``setdefault``, ``in``) are linearizable, key by key, against a ``dict``
  (:class:`Like`): each takes effect at one instant between its call and its return.
- ``proxy.list_shared``: processes appending and extending at once lose nothing: afterwards every
  process reads the same items, each process's in the order it added them; then, round after round,
  one process's calls (``append``, ``extend``, ``insert``, item and slice assignment, ``del``,
  ``pop``, ``remove``, ``index``, ``count``, ``reverse``, ``sort``, ``len``, slices) return what
  they return on a ``list`` holding the same items, and every other process then reads that list.
- ``proxy.list_linearizable``: concurrent ``append``, ``insert``, ``pop``, indexing, ``len`` and
  whole-list reads are linearizable against a ``list``.
- ``proxy.namespace``: concurrent attribute writes, reads and deletions on a Namespace are
  linearizable, attribute by attribute, against a namespace (reading or deleting an attribute never
  set, or deleted, raises AttributeError); afterwards every process reads the same values. An
  attribute whose name begins with ``_`` is documented as "an attribute of the proxy and not an
  attribute of the referent": set in one process, it is read back there and is absent elsewhere.
- ``proxy.nested``: a list proxy stored in a dict proxy, and a dict proxy stored in a list proxy,
  are proxies of the same objects wherever they are read: a mutation through ``d["k"]`` or
  ``l[0]`` in one process is seen by every other.
- ``proxy.copies``: "proxy objects are picklable so they can be passed between processes", and a
  proxy "refers to a shared object": a process that receives the same proxy twice holds two
  proxies of one object, and letting one go (freed at once, or later by the garbage collector:
  after an exception raised through it, or from a reference cycle) leaves the other working:
  every write through it returns and is seen by every process. The kit unpickles a second copy
  in a worker, lets it go, and writes through the first while the collector runs at nearly every
  allocation (``ipc_spec.ops.proxy.copied``).

A user's own manager ("Customized managers", "Using a remote manager"):

- ``proxy.register``: a type registered with ``BaseManager.register(typeid, callable)`` lives in the
  server: ``m.<typeid>()`` (the method ``register`` creates, ``create_method`` being True by
  default) and a registered callable returning a shared object give proxies whose calls return
  what the object's methods return; "a 'public method' means any attribute which has a __call__()
  method and whose name does not begin with '_'", and only those are exposed (the kit's
  ``_secret`` raises AttributeError on the proxy).
- ``proxy.connect``: ``BaseManager(address, authkey).connect()`` from another process reaches the
  same shared objects (the kit's ``get_tally(name)``, the documentation's ``get_queue``): what one
  process did through its connection, every other reads through its own, and the process that
  started the server through the manager it started.
- ``proxy.authkey``: "authkey is the authentication key which will be used to check the validity of
  incoming connections to the server process": ``connect()`` with another key raises
  AuthenticationError ("If authentication fails then AuthenticationError is raised") and nothing it
  would do reaches the object, while the server serves the right key after it; "if authkey is None
  then current_process().authkey is used", which a child inherits ("When a Process object is
  created, it will inherit the authentication key of its parent process"), so every kit worker,
  a child of the same host, connects with None to a server started with None. Keys are drawn
  non-empty: an empty key is the listener family's ``empty_key`` clause.

Stated, not checked as a promise: "If standard (non-proxy) list or dict objects are contained in a
referent, modifications to those mutable values will not be propagated through the manager because
the proxy has no way of knowing when the values contained within are modified" (``d["k"] = [];
d["k"].append(1)`` leaves ``d["k"]`` empty); re-assigning the modified value to the container
proxy does propagate. The kit never mutates a plain value held by a proxy.

Not promised, so not checked: the order of the items added concurrently by different processes
(only each process's own order), the speed of a proxy call, a proxy's behaviour once its manager is
shut down (the faults family's business), and ``repr`` of a proxy or of its referent.
"""

import types

from ..errors import HarnessError
from ..models import Model, portable_key, show_key
from . import declare, expect, returned

CLAUSES = declare(
    "proxy",
    dict_shared="writers of different keys of a dict proxy lose nothing, and every mutation of it "
                "in one process is seen by every other, its calls returning what a dict's return",
    dict_linearizable="concurrent key operations on a dict proxy are linearizable, key by key, "
                      "against a dict",
    list_shared="processes appending to a list proxy at once lose nothing, and every mutation of "
                "it in one process is seen by every other, its calls returning what a list's return",
    list_linearizable="concurrent operations on a list proxy are linearizable against a list",
    namespace="attribute writes, reads and deletions on a Namespace proxy are linearizable per "
              "attribute and seen by every process, but an attribute beginning with '_' is the "
              "proxy's own",
    register="a type registered with BaseManager.register lives in the server: the proxies of "
             "m.<typeid>() and of a registered callable's object return what its public methods "
             "return, and expose no method whose name begins with '_'",
    connect="a manager connected by address and authkey from another process reaches the same "
            "shared objects: what one process did through its connection, every other reads",
    authkey="connect() with another key than the server's raises AuthenticationError and "
            "reaches nothing, while the right key is served after it; authkey None is "
            "current_process().authkey, which children share",
    nested="a proxy stored in a dict or list proxy is a proxy of the same object wherever it is "
           "read: a mutation through it is seen by every process",
    copies="a proxy received twice in one process is two proxies of the same object: once one "
           "is let go, whenever the garbage collector frees it, writes through the other return "
           "and are seen by every process",
)

#: The attribute names the Namespace properties use.
NAMES = ("a", "b", "c")
#: The key of the list proxy inside the nested dict proxy (see ``ipc_spec.ops.manager``).
NESTED_KEY = "k"


def reset_context(ctx, *args, **kwargs) -> bool:
    """The implementation's context (the object of the user-manager property) holds nothing an
    example changes: each example starts a manager of its own."""
    return True


# -- the sequential model -------------------------------------------------------------------------

_ATTR_READ, _ATTR_DEL = ".", "__delattr__"


def _build(kind, state):
    if kind == "list":
        return list(state)
    if kind == "dict":
        return dict(state)
    return types.SimpleNamespace(**dict(state))


def _freeze(kind, obj):
    if kind == "list":
        return tuple(obj)
    if kind == "dict":
        return tuple(obj.items())
    return tuple(sorted(vars(obj).items()))


def apply(kind, state, step):
    """``(error type name or None, result, new state)`` of ``step`` on a plain ``kind`` (``"dict"``,
    ``"list"`` or ``"namespace"``) holding ``state``: what the proxied object does sequentially.
    A step this model has no meaning for is a :class:`~ipc_spec.errors.HarnessError`."""
    obj = _build(kind, state)
    call = step.call
    try:
        if call.startswith("@"):
            raise HarnessError("the %s model cannot interpret %s" % (kind, step.describe()))
        if call.startswith(_ATTR_READ) and call.endswith("="):
            result = setattr(obj, call[1:-1], *step.args)
        elif call.startswith(_ATTR_READ):
            result = getattr(obj, call[1:])
        else:
            result = getattr(obj, call)(*step.args, **step.kwargs)
    except HarnessError:
        raise
    except Exception as exc:
        return type(exc).__name__, None, state
    if result is obj:
        result = None  # += and *= return the object itself: a proxy returns its own, not compared
    return None, result, _freeze(kind, obj)


def matches(op, error, result, step_result_compared=True):
    """Whether ``op`` had the outcome ``(error, result)``: the same exception type, or no
    exception and the same portable result."""
    if op.error != error:
        return False
    if error is not None or not step_result_compared:
        return True
    return portable_key(op.result) == portable_key(result)


def _shows(kind, state):
    return repr(_build(kind, state))


class Like(Model):
    """A plain ``dict``, ``list`` or namespace (``kind``), starting from ``initial`` (items as a
    tuple: of values for a list, of ``(key, value)`` pairs for a dict and a namespace): every op is
    applied to such an object (:func:`apply`), and is possible when it had the outcome that object
    gives. Ops that return the object itself (``__iadd__``) are compared on their error only."""

    name = "Like"

    def __init__(self, kind="dict", initial=()):
        super().__init__(kind=kind, initial=initial)
        self.kind, self.initial = kind, tuple(initial)

    def init(self):
        return self.initial

    def step(self, state, op):
        error, result, after = apply(self.kind, state, op.step)
        compared = op.call not in ("__iadd__", "__imul__")
        if not matches(op, error, result, compared):
            return False, state
        return True, after

    def show(self, state):
        return _shows(self.kind, state)


# -- checks ---------------------------------------------------------------------------------------


def _describe_outcome(error, result):
    return "raised %s" % error if error else "returned %s" % show_key(portable_key(result))


def check_sequential(history, proc, kind, state, prop, what):
    """The ops of process ``proc`` in ``history``, run alone, had the outcomes a plain ``kind``
    holding ``state`` gives, one after the other; returns the state after them."""
    for op in history.of(proc):
        error, result, after = apply(kind, state, op.step)
        compared = op.call not in ("__iadd__", "__imul__")
        expect(matches(op, error, result, compared), prop,
               "%s: on a %s holding %s, %s %s, but the proxy's %s" % (
                   what, kind, _shows(kind, state), op.step.describe(),
                   _describe_outcome(error, result),
                   _describe_outcome(op.error, op.result) + (" (%s)" % op.message
                                                             if op.message else "")),
               history, [op])
        state = after
    return state


def check_reads(history, procs, want, prop, what):
    """Every op of the processes ``procs`` (reads of the whole object) returned ``want``."""
    ops = [op for p in procs for op in history.of(p)]
    returned(history, ops, prop, what)
    for op in ops:
        expect(portable_key(op.result) == portable_key(want), prop,
               "%s: process %d read %s, expected %s" % (
                   what, op.proc, show_key(portable_key(op.result)), show_key(portable_key(want))),
               history, [op])


def by_key(ops):
    """The ops on a dict or a namespace grouped by the key or attribute they act on: the first
    argument of a call, the name of an attribute read or write."""
    groups = {}
    for op in ops:
        if op.call.startswith("."):
            key = op.call[1:].rstrip("=")
        elif op.step.args:
            key = op.step.args[0]
        else:
            raise HarnessError("%s acts on no single key" % op.step.describe())
        groups.setdefault(key, []).append(op)
    return groups


# -- a user's manager -----------------------------------------------------------------------------

#: The methods of the kit's registered type (``ipc_spec.ops.manager.Tally``) its proxy exposes.
TALLY_EXPOSED = ("add", "total", "seen")


def tally_apply(state, method, args):
    """``(outcome, state)`` of ``method(*args)`` on the proxy of a Tally holding ``state`` (a
    list): ``add(v)`` appends and returns the count, ``total()`` the sum, ``seen()`` the list; a
    method not exposed raises AttributeError (an outcome ``["error", "AttributeError"]``)."""
    if method not in TALLY_EXPOSED:
        return ["error", "AttributeError"], state
    if method == "add":
        state = state + [args[0]]
        return ["value", len(state)], state
    return ["value", sum(state) if method == "total" else list(state)], state


def _shown_outcome(outcome):
    if outcome[0] == "value":
        return "returned %r" % (outcome[1],)
    return "raised %s" % outcome[1]


def check_tally_calls(history, op, calls, outcomes, prop, what):
    """``outcomes`` of ``calls`` (``[method, *args]``) on one Tally proxy, made empty, are the
    model's; returns the Tally's state after them."""
    state = []
    for (method, *args), got in zip(calls, outcomes):
        want, after = tally_apply(state, method, args)
        expect(list(got[:len(want)]) == want and len(got) >= len(want), prop,
               "%s: on a Tally holding %r, %s(%s) %s, expected it to have %s" % (
                   what, state, method, ", ".join(map(repr, args)), _shown_outcome(got),
                   "raised AttributeError (not exposed)" if want[0] == "error"
                   else "returned %r" % (want[1],)), history, [op])
        state = after
    expect(len(outcomes) == len(calls), prop, "%s: %d outcomes of %d calls" % (
        what, len(outcomes), len(calls)), history, [op])
    return state


def check_intruder(history, op, outcomes, key, what):
    """The record of a ``connect()`` with a wrong key: AuthenticationError, and nothing done."""
    prop = "proxy.authkey"
    first = outcomes[0]
    expect(first[0] == "error" and first[1] == "AuthenticationError", prop,
           "%s: connect() with a key other than the server's (%s) %s, expected "
           "AuthenticationError%s" % (
               what, "current_process().authkey" if key is None else "%d bytes" % len(key),
               "connected" if first[0] == "value" else "raised %s(%s)" % (
                   first[1], ", ".join(first[2])),
               "" if len(outcomes) < 2 else "; through it, get_tally(...).add(0) %s"
               % _shown_outcome(outcomes[1])), history, [op])


def check_copies(history, op, how, writes, reads, prop="proxy.copies"):
    """``op`` (``proxy:copied``) returned an outcome of None for every write, and every process's
    read (``reads``, ``proxy:items`` ops) holds each written key's last value."""
    let_go = {"raised": "after a KeyError raised through it", "cycle": "from a reference cycle",
              "plain": "at once"}[how]
    returned(history, [op], prop, "writing through a proxy once its copy was let go %s" % let_go)
    for (key, value), outcome in zip(writes, op.result):
        expect(outcome is None, prop,
               "a process received the dict proxy twice and let one copy go %s; then, with the "
               "garbage collector running, d[%r] = %r through the other raised %s"
               % (let_go, key, value, outcome), history, [op])
    want = dict(writes)
    for read in reads:
        held = dict(tuple(pair) for pair in read.result) if read.error is None else None
        expect(held is not None and all(held.get(k) == v for k, v in want.items()), prop,
               "process %d read the dict as %r; the writes through the proxy whose copy was let "
               "go left %r" % (read.proc, held, want), history, [read])
