"""Broken dict, list and Namespace proxies: a ``SyncManager`` subclass per break, registering the
real referent (``dict``, ``list``, ``Namespace``) with a proxy type that misbehaves in one way.

The kit's Manager objects come from ``ctx.SyncManager`` where the context has one
(``ipc_spec.ops.manager.api``): each implementation here gives its own. The manager classes live at
the module's top level, so that a server started by spawn or forkserver finds them by name.
"""

import itertools
import os
import time
import weakref
from multiprocessing import util
from multiprocessing.managers import (Array, ArrayProxy, BaseManager, BaseProxy, DictProxy,
                                      ListProxy, Namespace, NamespaceProxy, SyncManager, Value,
                                      ValueProxy)

from ipc_spec.ops.manager import Tally

from . import Broken

#: Seconds a read-modify-write of a broken proxy leaves open between its read and its write.
WINDOW = 0.002


class LocalWritesDict(DictProxy):
    """``d[k] = v`` is kept in this proxy; reads look there first."""

    def __setitem__(self, key, value):
        self.__dict__.setdefault("_kept", {})[key] = value

    def __getitem__(self, key):
        kept = self.__dict__.get("_kept", {})
        return kept[key] if key in kept else DictProxy.__getitem__(self, key)


class LostUpdateDict(DictProxy):
    """``d[k] = v`` copies the whole dict, changes the copy, and writes it all back: a writer of
    another key in between is undone."""

    def __setitem__(self, key, value):
        whole = self.copy()
        whole[key] = value
        time.sleep(WINDOW)
        self.clear()
        self.update(whole)


class StaleReadDict(DictProxy):
    """``d[k]`` answers from a cache of what this proxy read of ``k`` first."""

    def __getitem__(self, key):
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = DictProxy.__getitem__(self, key)
        return cache[key]


class PopitemFifoDict(DictProxy):
    """``popitem()`` removes the first item inserted, not the last."""

    def popitem(self):
        for key in self.keys():
            return key, self.pop(key)
        raise KeyError("popitem(): dictionary is empty")


class LocalAppendList(ListProxy):
    """``append`` is kept in this proxy, never sent."""

    def append(self, value):
        self.__dict__.setdefault("_kept", []).append(value)


class LostAppendList(ListProxy):
    """``append`` reads the whole list and writes it back one longer: an append in between is
    undone."""

    def append(self, value):
        items = self[:]
        time.sleep(WINDOW)
        self[:] = items + [value]


class PopFrontList(ListProxy):
    """``pop()`` without an index removes the first item, not the last."""

    def pop(self, *args):
        return ListProxy.pop(self, *(args or (0,)))


class LocalNamespace(NamespaceProxy):
    """Attributes set through this proxy are its own, whatever their name."""

    def __setattr__(self, key, value):
        object.__setattr__(self, key, value)


#: Ids of referents of which this process let a proxy go (:class:`LetGoBreaksDict`).
_LET_GO = set()


class LetGoBreaksDict(DictProxy):
    """Once a process lets a proxy of a dict go, writes through any other proxy of that dict in
    the process raise OSError: what CPython's process-wide set of live referent ids
    (``BaseProxy._idset``) does, at random, to the thread's connection when the collector frees a
    second copy during a call (docs/divergences/manager_proxy_received_twice.py), made certain."""

    def __init__(self, *args, **kwargs):
        DictProxy.__init__(self, *args, **kwargs)
        weakref.finalize(self, _LET_GO.add, self._id)

    def __setitem__(self, key, value):
        if self._id in _LET_GO:
            raise OSError("handle is closed")
        return DictProxy.__setitem__(self, key, value)


_ENTRIES = itertools.count()


def _let_go(token, authkey, state, tls, idset, client, entry):
    idset.discard(entry)
    BaseProxy._decref(token, authkey, state, tls, idset, client)


class OwnEntryDict(DictProxy):
    """A repaired dict proxy: its entry in the process's set of live proxies is its own, not its
    referent's id, so that letting one of two proxies of a dict go never empties the set (and
    closes the thread's connection) while the other lives; what CPython's gh-71936 fix does."""

    def _incref(self):
        DictProxy._incref(self)
        close = getattr(self, "_close", None)
        if close is None or not getattr(close, "_args", None):
            return
        token, authkey, state, tls, idset, client = close._args
        close.cancel()
        idset.discard(self._id)
        entry = (self._id, next(_ENTRIES))
        idset.add(entry)
        self._close = util.Finalize(self, _let_go, args=(token, authkey, state, tls, idset, client,
                                                          entry), exitpriority=10)


#: The attributes a proxy keeps for its own working (``BaseProxy.__init__`` and ``_incref``).
_MACHINERY = {"_tls", "_idset", "_token", "_id", "_manager", "_serializer", "_Client",
              "_owned_by_manager", "_authkey", "_close", "_isauto"}


class SharedPrivateNamespace(NamespaceProxy):
    """An attribute beginning with ``_`` (not the proxy's own machinery) is the referent's too."""

    def __getattr__(self, key):
        if key.startswith("_") and not key.startswith("__") and key not in _MACHINERY:
            return self._callmethod("__getattribute__", (key,))
        return NamespaceProxy.__getattr__(self, key)

    def __setattr__(self, key, value):
        if key.startswith("_") and not key.startswith("__") and key not in _MACHINERY:
            return self._callmethod("__setattr__", (key, value))
        return NamespaceProxy.__setattr__(self, key, value)

    def __delattr__(self, key):
        if key.startswith("_") and not key.startswith("__") and key not in _MACHINERY:
            return self._callmethod("__delattr__", (key,))
        return NamespaceProxy.__delattr__(self, key)


def _copy(value):
    return value._getvalue() if isinstance(value, BaseProxy) else value


class CopyingDict(DictProxy):
    """``d[k]`` of a proxy held in the dict gives a copy of its referent, not the proxy."""

    def __getitem__(self, key):
        return _copy(DictProxy.__getitem__(self, key))


class CopyingList(ListProxy):
    """``l[i]`` of a proxy held in the list gives a copy of its referent, not the proxy."""

    def __getitem__(self, index):
        return _copy(ListProxy.__getitem__(self, index))


class LocalValue(ValueProxy):
    """``v.value = x`` is kept in this proxy; reads look there first."""

    def get(self):
        return self.__dict__["_kept"] if "_kept" in self.__dict__ else ValueProxy.get(self)

    def set(self, value):
        self.__dict__["_kept"] = value

    value = property(get, set)


class FloatValue(ValueProxy):
    """An integer (not a bool) is read as a float of the same value."""

    def get(self):
        got = ValueProxy.get(self)
        return float(got) if type(got) is int else got

    value = property(get, ValueProxy.set)


class LocalArray(ArrayProxy):
    """``a[i] = x`` is kept in this proxy (once the server said ``i`` is in range); reads, of
    items and slices, look there first."""

    def __setitem__(self, key, value):
        ArrayProxy.__getitem__(self, key)  # IndexError out of range, as the real one
        n = ArrayProxy.__len__(self)
        self.__dict__.setdefault("_kept", {})[key % n] = value

    def __getitem__(self, key):
        kept = self.__dict__.get("_kept", {})
        got = ArrayProxy.__getitem__(self, key)
        n = ArrayProxy.__len__(self)
        if isinstance(key, slice):
            for j, i in enumerate(range(*key.indices(n))):
                if i in kept:
                    got[j] = kept[i]
            return got
        return kept.get(key % n, got)


class ShiftedArray(ArrayProxy):
    """``a[i]`` of a non-negative index but the last reads the next item."""

    def __getitem__(self, key):
        if isinstance(key, int) and 0 <= key < len(self) - 1:
            key += 1
        return ArrayProxy.__getitem__(self, key)


class UnboundedArray(ArrayProxy):
    """``a[i]`` past the end returns None instead of raising IndexError."""

    def __getitem__(self, key):
        if isinstance(key, int) and key >= len(self):
            return None
        return ArrayProxy.__getitem__(self, key)


class ShortArray(ArrayProxy):
    """``len(a)`` is one less."""

    def __len__(self):
        return ArrayProxy.__len__(self) - 1


class ReversedSliceArray(ArrayProxy):
    """A slice other than the whole array (``a[:]``) is read backwards."""

    def __getitem__(self, key):
        got = ArrayProxy.__getitem__(self, key)
        return got[::-1] if isinstance(key, slice) and key != slice(None) else got


def zeroed_array(typecode, sequence, lock=True):
    """The server's Array: its items are zeros, whatever the sequence."""
    return Array(typecode, [0] * len(sequence), lock)


def no_float_array(typecode, sequence, lock=True):
    """The server's Array: typecode 'f' is refused."""
    if typecode == "f":
        raise TypeError("bad typecode 'f'")
    return Array(typecode, sequence, lock)


class ForgetsInitialValue(Value):
    """The server's Value: its initializer is dropped (it starts as None)."""

    def __init__(self, typecode, value, lock=True):
        Value.__init__(self, typecode, None, lock)


# -- the managers and implementations --------------------------------------------------------------

_REFERENTS = {"dict": dict, "list": list, "Namespace": Namespace, "Value": Value, "Array": Array}


def _implementation(name, **proxies):
    """The implementation ``proxy.<name>``: a ``SyncManager`` subclass (bound in this module as
    ``<name>Manager``) whose ``typeid`` (a key of ``proxies``) is served with its broken proxy."""
    manager = type(name + "Manager", (SyncManager,), {"__module__": __name__})
    for typeid, proxytype in proxies.items():
        referent = _REFERENTS[typeid]
        if isinstance(proxytype, tuple):  # (a referent of its own, its proxy type)
            referent, proxytype = proxytype
        manager.register(typeid, referent, proxytype)
    globals()[manager.__name__] = manager
    return Broken("proxy." + name, SyncManager=lambda real, ctx=None: manager(ctx=real))


local_writes_dict = _implementation("LocalWritesDict", dict=LocalWritesDict)
lost_update_dict = _implementation("LostUpdateDict", dict=LostUpdateDict)
stale_read_dict = _implementation("StaleReadDict", dict=StaleReadDict)
popitem_fifo_dict = _implementation("PopitemFifoDict", dict=PopitemFifoDict)
local_append_list = _implementation("LocalAppendList", list=LocalAppendList)
lost_append_list = _implementation("LostAppendList", list=LostAppendList)
pop_front_list = _implementation("PopFrontList", list=PopFrontList)
local_namespace = _implementation("LocalNamespace", Namespace=LocalNamespace)
shared_private_namespace = _implementation("SharedPrivateNamespace",
                                           Namespace=SharedPrivateNamespace)
copies_nested = _implementation("CopiesNested", dict=CopyingDict, list=CopyingList)
let_go_breaks_dict = _implementation("LetGoBreaksDict", dict=LetGoBreaksDict)
own_entry_dict = _implementation("OwnEntryDict", dict=OwnEntryDict)
local_value = _implementation("LocalValue", Value=LocalValue)
float_value = _implementation("FloatValue", Value=FloatValue)
forgets_initial_value = _implementation("ForgetsInitialValue",
                                        Value=(ForgetsInitialValue, ValueProxy))
local_array = _implementation("LocalArray", Array=LocalArray)
shifted_array = _implementation("ShiftedArray", Array=ShiftedArray)
unbounded_array = _implementation("UnboundedArray", Array=UnboundedArray)
short_array = _implementation("ShortArray", Array=ShortArray)
reversed_slice_array = _implementation("ReversedSliceArray", Array=ReversedSliceArray)
zeroed_array_manager = _implementation("ZeroedArray", Array=(zeroed_array, ArrayProxy))
no_float_array_manager = _implementation("NoFloatArray", Array=(no_float_array, ArrayProxy))


# -- a user's manager (BaseManager.register, connect(), authkey) -----------------------------------


class IgnoresAuthkeyManager(BaseManager):
    """The authkey given is ignored: ``current_process().authkey`` is used, by servers and
    clients alike."""

    def __init__(self, address=None, authkey=None, *args, **kwargs):
        BaseManager.__init__(self, address, None, *args, **kwargs)


class RandomDefaultKeyManager(BaseManager):
    """``authkey=None`` is a random key of this manager's own, not ``current_process().authkey``."""

    def __init__(self, address=None, authkey=None, *args, **kwargs):
        BaseManager.__init__(self, address, os.urandom(32) if authkey is None else authkey,
                             *args, **kwargs)


def fresh_tally(name):
    """A new Tally at each call: every connection gets an object of its own."""
    return Tally()


class FreshTalliesManager(BaseManager):
    """A registered callable's object is made anew for each call, not shared."""

    @classmethod
    def register(cls, typeid, callable=None, *args, **kwargs):
        if typeid == "get_tally":
            callable = fresh_tally
        return super(FreshTalliesManager, cls).register(typeid, callable, *args, **kwargs)


class ExposesPrivateManager(BaseManager):
    """A registered type's proxy exposes its methods whose names begin with '_' too."""

    @classmethod
    def register(cls, typeid, callable=None, proxytype=None, exposed=None, *args, **kwargs):
        exposed = ("add", "total", "seen", "_secret")
        return super(ExposesPrivateManager, cls).register(typeid, callable, proxytype, exposed,
                                                          *args, **kwargs)


class LyingTally(Tally):
    """``add`` returns the count before the value was added."""

    def add(self, value):
        return Tally.add(self, value) - 1


_lying = {}


def lying_tally(name):
    if name not in _lying:
        _lying[name] = LyingTally()
    return _lying[name]


class LyingTallyManager(BaseManager):
    """A registered type's method returns another value than the object's method."""

    @classmethod
    def register(cls, typeid, callable=None, *args, **kwargs):
        callable = {"Tally": LyingTally, "get_tally": lying_tally}.get(typeid, callable)
        return super(LyingTallyManager, cls).register(typeid, callable, *args, **kwargs)


class _UserFactory(object):
    """``BaseManager(ctx, **kwargs)`` of a broken implementation: this module's ``<name>Manager``
    over the real context (pickles by name: a spawned worker is handed the context)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, ctx, **kwargs):
        return globals()[self.name + "Manager"](ctx=ctx, **kwargs)


def _user(name):
    return Broken("proxy." + name, BaseManager=_UserFactory(name))


ignores_authkey = _user("IgnoresAuthkey")
random_default_key = _user("RandomDefaultKey")
fresh_tallies = _user("FreshTallies")
exposes_private = _user("ExposesPrivate")
lying_tally_manager = _user("LyingTally")
