"""Broken Value, Array, RawValue and RawArray, one broken promise each.

A broken synchronized wrapper is a class, made an implementation by ``@breaks("Value",
build=...)`` and bound in snake case (``FreshLockPerCall`` -> ``fresh_lock_per_call``). The others
are not subclasses of one real class: factories that build real objects with other arguments
(``Broken(name, Value=...)``), and arrays whose bug is a mixin over both real array wrappers
(``SynchronizedArray``, and ``SynchronizedString`` for c_char arrays: :func:`_broken_array`).

Wrappers that must keep their broken class in a child started by spawn or forkserver pickle as
``(class, (object, lock))`` (the real wrappers rebuild as plain ``Synchronized*``).
"""

import ctypes
import threading
from multiprocessing.sharedctypes import (Synchronized, SynchronizedArray, SynchronizedString,
                                          typecode_to_type)

from . import Broken, breaks


def _lock(ctx, lock):
    """The lock a real Value/Array would use for ``lock`` (None when it would have none)."""
    if lock is False:
        return None
    if lock is True or lock is None:
        return ctx.RLock()
    return lock


class _KeepClass(object):
    """Pickles as its own class, so that a spawned child gets the same broken wrapper."""

    def __reduce__(self):
        return type(self), (self._obj, self._lock)


# -- Value -----------------------------------------------------------------------------------------


def _ignores_initializer(ctx, typecode_or_type, *args, lock=True):
    return ctx.Value(typecode_or_type, lock=lock)


def _raw_ignores_initializer(ctx, typecode_or_type, *args):
    return ctx.RawValue(typecode_or_type)


#: Value(t, *args) and RawValue(t, *args) drop ``args``: every object starts at zero.
ignores_initializer = Broken("value.IgnoresInitializer", Value=_ignores_initializer,
                             RawValue=_raw_ignores_initializer)


def _narrow(code):
    return ctypes.c_int32 if code == "q" else code


#: Value('q') and RawValue('q') hold a 32-bit int: wider values are silently truncated.
truncates_q = Broken(
    "value.TruncatesQ",
    Value=lambda ctx, code, *args, lock=True: ctx.Value(_narrow(code), *args, lock=lock),
    RawValue=lambda ctx, code, *args: ctx.RawValue(_narrow(code), *args))


class LocalValue(Synchronized):
    """A synchronized wrapper around a ctypes object in the process's own memory, copied (not
    shared) into each child."""

    def __reduce__(self):
        data = ctypes.string_at(ctypes.addressof(self._obj), ctypes.sizeof(self._obj))
        return _rebuild_local_value, (type(self._obj), data, self._lock)


def _rebuild_local_value(ctype, data, lock):
    return LocalValue(ctype.from_buffer_copy(data), lock)


def _local_value(ctx, typecode_or_type, *args, lock=True):
    ctype = typecode_to_type.get(typecode_or_type, typecode_or_type)
    return LocalValue(ctype(*args), _lock(ctx, lock) or ctx.RLock())


#: Value and RawValue live in each process's private memory: writes stay in the writing process.
process_local = Broken("value.ProcessLocal", Value=_local_value,
                       RawValue=lambda ctx, code, *args: _local_value(ctx, code, *args))


def _wrapped(cls, ctx, typecode_or_type, *args, lock=True):
    """``Value(typecode_or_type, *args, lock=lock)`` as a real one is, but wrapped in ``cls``."""
    obj = ctx.RawValue(typecode_or_type, *args)
    lock = _lock(ctx, lock)
    return obj if lock is None else cls(obj, lock)


@breaks("Value", build=_wrapped)
class FreshLockPerCall(_KeepClass, Synchronized):
    """get_lock() returns a new lock at every call, shared with nobody."""

    def get_lock(self):
        return threading.RLock()


@breaks("Value", build=_wrapped)
class UnlockedWith(_KeepClass, Synchronized):
    """``with v:`` does not take the lock."""

    def __enter__(self):
        return True

    def __exit__(self, *exc):
        return False


class DummyLock(object):
    """Looks like a lock; excludes nobody."""

    def acquire(self, block=True, timeout=None):
        return True

    def release(self):
        pass

    def __enter__(self):
        return True

    def __exit__(self, *exc):
        return False


#: Every Value with a lock gets a dummy one, whatever ``lock`` asked for.
dummy_lock = Broken(
    "value.DummyLock",
    Value=lambda ctx, code, *args, lock=True: ctx.Value(
        code, *args, lock=False if lock is False else DummyLock()))

#: Value(..., lock=some_lock) ignores the caller's lock and makes its own.
ignores_given_lock = Broken(
    "value.IgnoresGivenLock",
    Value=lambda ctx, code, *args, lock=True: ctx.Value(code, *args, lock=lock is not False))

#: RawValue returns a synchronized wrapper, with a get_lock().
raw_value_with_lock = Broken("value.RawValueWithLock",
                             RawValue=lambda ctx, code, *args: ctx.Value(code, *args))

_DEFAULT = object()


def _lock_true_ignored(ctx, code, *args, lock=_DEFAULT):
    if lock is True:  # the bug: an explicit lock=True taken for "no lock"
        return ctx.RawValue(code, *args)
    return ctx.Value(code, *args, lock=True if lock is _DEFAULT else lock)


#: Value(..., lock=True) given explicitly returns a raw object (the default still has a lock).
lock_true_ignored = Broken("value.LockTrueIgnored", Value=_lock_true_ignored)

#: Value's default lock is a plain Lock, not a recursive one.
default_lock_not_recursive = Broken(
    "value.DefaultLockNotRecursive",
    Value=lambda ctx, code, *args, lock=True: ctx.Value(
        code, *args, lock=ctx.Lock() if lock is True or lock is None else lock))


# -- Array -----------------------------------------------------------------------------------------


def _broken_array(name, mixin, string_mixin=None):
    """A broken implementation whose Array and RawArray wrap a real RawArray in ``mixin`` (c_char
    arrays in ``string_mixin``, by default ``mixin``: they keep ``value`` and ``raw``), with a lock
    whatever ``lock`` says."""
    plain = _classes[mixin.__name__ + "Array"]
    chars = _classes[(string_mixin or mixin).__name__ + "String"]

    def array(ctx, typecode_or_type, size_or_initializer, *, lock=True):
        obj = ctx.RawArray(typecode_or_type, size_or_initializer)
        cls = chars if obj._type_ is ctypes.c_char else plain
        return cls(obj, _lock(ctx, lock) or ctx.RLock())

    return Broken("array." + name, Array=array, RawArray=array)


_classes = {}


def _define(mixin):
    """Module-level classes ``<mixin>Array`` and ``<mixin>String`` (so that they pickle by name)."""
    for suffix, base in (("Array", SynchronizedArray), ("String", SynchronizedString)):
        cls = type(mixin.__name__ + suffix, (mixin, _KeepClass, base), {"__module__": __name__})
        globals()[cls.__name__] = _classes[cls.__name__] = cls
    return mixin


class Plain(object):
    """No change (the other arrays of an implementation whose bug is in c_char arrays)."""


@_define
class LenOffByOne(object):
    """``len()`` counts one item too many."""

    def __len__(self):
        return len(self._obj) + 1


@_define
class NegativeOffByOne(object):
    """Negative indices count from one past the end: ``a[-1]`` is ``a[-2]``."""

    def _key(self, i):
        return i - 1 if isinstance(i, int) and i < 0 else i

    def __getitem__(self, i):
        return super().__getitem__(self._key(i))

    def __setitem__(self, i, value):
        super().__setitem__(self._key(i), value)


@_define
class BoundsWrap(object):
    """Integer indices wrap around instead of raising IndexError."""

    def _key(self, i):
        return i % len(self._obj) if isinstance(i, int) else i

    def __getitem__(self, i):
        return super().__getitem__(self._key(i))

    def __setitem__(self, i, value):
        super().__setitem__(self._key(i), value)


@_define
class StepIgnored(object):
    """Reading a slice ignores its step."""

    def __getitem__(self, i):
        if isinstance(i, slice):
            i = slice(i.start, i.stop)
        return super().__getitem__(i)


def _positions(self, key):
    return list(range(*key.indices(len(self._obj))))


@_define
class DropsLast(object):
    """Slice assignment does not store the slice's last item."""

    def __setitem__(self, i, value):
        if not isinstance(i, slice):
            return super().__setitem__(i, value)
        positions = _positions(self, i)
        if len(positions) != len(value):
            raise ValueError("Can only assign sequence of same size")
        with self:
            for k, position in enumerate(positions[:-1]):
                self._obj[position:position + 1] = value[k:k + 1]


@_define
class WrongLengthAccepted(object):
    """Slice assignment of the wrong length stores what fits, silently."""

    def __setitem__(self, i, value):
        if not isinstance(i, slice):
            return super().__setitem__(i, value)
        with self:
            for k, position in enumerate(_positions(self, i)[:len(value)]):
                self._obj[position:position + 1] = value[k:k + 1]


class LocalArray(object):
    """An array in the process's own memory, copied (not shared) into each child."""

    def __reduce__(self):
        data = ctypes.string_at(ctypes.addressof(self._obj), ctypes.sizeof(self._obj))
        return _rebuild_local_array, (type(self).__name__, self._obj._type_, len(self._obj), data,
                                      self._lock)


_define(LocalArray)
_define(Plain)


def _rebuild_local_array(clsname, item, length, data, lock):
    return _classes[clsname]((item * length).from_buffer_copy(data), lock)


def _local_array(ctx, typecode_or_type, size_or_initializer, *, lock=True):
    item = typecode_to_type.get(typecode_or_type, typecode_or_type)
    if isinstance(size_or_initializer, int):
        obj = (item * size_or_initializer)()
    else:
        obj = (item * len(size_or_initializer))(*size_or_initializer)
    cls = LocalArrayString if item is ctypes.c_char else LocalArrayArray  # noqa: F821
    return cls(obj, _lock(ctx, lock) or ctx.RLock())


def _not_zeroed(ctx, typecode_or_type, size_or_initializer, *, lock=True):
    array = ctx.Array(typecode_or_type, size_or_initializer, lock=lock)
    if isinstance(size_or_initializer, int):
        raw = array if lock is False else array.get_obj()
        ctypes.memset(ctypes.addressof(raw), 1, ctypes.sizeof(raw))
    return array


class ValueNotTerminated(object):
    """A c_char array's ``value`` is all its bytes, NULs included."""

    @property
    def value(self):
        return self.raw


_define(ValueNotTerminated)

len_off_by_one = _broken_array("LenOffByOne", LenOffByOne)
negative_off_by_one = _broken_array("NegativeOffByOne", NegativeOffByOne)
bounds_wrap = _broken_array("BoundsWrap", BoundsWrap)
step_ignored = _broken_array("StepIgnored", StepIgnored)
drops_last = _broken_array("DropsLast", DropsLast)
wrong_length_accepted = _broken_array("WrongLengthAccepted", WrongLengthAccepted)
value_not_terminated = _broken_array("ValueNotTerminated", Plain, ValueNotTerminated)
#: Array and RawArray live in each process's private memory.
local_array = Broken("array.LocalArray", Array=_local_array, RawArray=_local_array)
#: Array(t, n) and RawArray(t, n) are filled with 0x01 bytes, not zeroed.
not_zeroed = Broken("array.NotZeroed", Array=_not_zeroed,
                    RawArray=lambda ctx, code, init: _not_zeroed(ctx, code, init, lock=False))
