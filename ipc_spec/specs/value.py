"""Value, Array, RawValue and RawArray: ctypes objects in shared memory, as documented for
``multiprocessing`` ("Shared ctypes Objects" and ``multiprocessing.sharedctypes``).

Construction
  ``RawValue(typecode_or_type, *args)`` and ``RawArray(typecode_or_type, size_or_initializer)``
  return ctypes objects allocated from shared memory, which processes started afterwards inherit.
  ``typecode_or_type`` is a ctypes type or a one-character typecode of the kind the ``array``
  module uses (``'c' 'u' 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q' 'Q' 'f' 'd'``, i.e. c_char, c_wchar,
  signed/unsigned char, short, int, long, long long, float, double). ``*args`` goes to the type's
  constructor; an integer ``size_or_initializer`` gives the length and a zeroed array, a sequence
  gives the length and the initial items.

- value.initial: what the creating process put in (its constructor arguments) is what any process
  reads first.
- value.type: a value of the type's whole range is stored exactly: read back, it is equal and of the
  same Python type (floats compared bit for bit, so -0.0 is not 0.0; a c_float holds any value a
  32-bit float can represent). The docs give each typecode a C type; a C type's range is the
  platform's (``sizeof``), so ranges are computed, not assumed.
- value.shared: the object is shared: a value written in one process is read in another process
  afterwards, in both directions (not a per-process copy).

Arrays: a fixed-length sequence of its items, as ctypes arrays are.

- array.initial: ``Array(t, n)`` reads as ``n`` zeros of the item type; ``Array(t, seq)`` as
  ``seq``.
- array.length: ``len(a)`` is the length given at construction, always.
- array.index: ``a[i]`` and ``a[i] = v`` for ``-len(a) <= i < len(a)``, negative indices counting
  from the end, as for every Python sequence.
- array.bounds: any other integer index raises IndexError, reading or writing, and changes nothing.
- array.slice: ``a[i:j:k]`` is the items of that slice (any start, stop, and step other than 0, as
  for lists): a list, except for c_char arrays (bytes) and c_wchar arrays (str).
- array.slice_assign: ``a[i:j:k] = seq`` with ``len(seq)`` equal to the slice's length stores the
  items of ``seq`` in the slice's positions.
- array.slice_length: an array cannot change length: a slice assignment of any other length raises
  ValueError and changes nothing.
- array.shared: as value.shared, for items.
- array.chars: an array of c_char has ``value`` and ``raw`` "to store and retrieve strings": ``raw``
  is all its bytes and ``value`` the string it holds, up to the first NUL byte (C strings, as
  ctypes documents for character buffers). Setting ``raw`` to ``len(a)`` bytes stores them; setting
  ``value`` to bytes without NUL, at most ``len(a)`` of them, makes ``value`` read back exactly
  those bytes, so a NUL is stored after them when they are shorter than the array.

Locks

- ``Value(typecode_or_type, *args, lock=True)`` and ``Array(typecode_or_type, size_or_initializer,
  *, lock=True)`` are RawValue and RawArray behind a synchronized wrapper, depending on ``lock``
  (keyword-only). A synchronized wrapper has ``get_obj()`` (the ctypes object) and ``get_lock()``
  (the lock), and is a context manager holding its lock (3.5+).
- value.has_lock: with ``lock=True`` (the default, or given explicitly) the result has
  ``get_lock()``.
- value.recursive: for ``Value`` that default lock is a *new recursive* lock: the process holding it
  can take it again. (For ``Array`` the docs say only "a new lock object": its recursion is not
  asserted.)
- value.exclusion: the lock excludes other processes: while one process is inside
  ``with v.get_lock():`` or ``with v:``, no other process can take ``v.get_lock()``; so k processes
  each making m read-modify-write increments of ``v.value`` inside it add exactly k*m (with a
  recursive lock, as in the docs' own example: ``v.value`` takes the lock again inside).
- value.given_lock: ``lock=`` a caller's Lock or RLock: that lock synchronizes the object, i.e.
  ``get_lock()`` is that lock: while any process holds it (through the lock itself or through any
  object's ``get_lock()``), no other process can take it by any of those routes, and it can be
  released by any route. Several objects may share one lock.
- value.no_lock: ``RawValue``, ``RawArray`` and ``lock=False`` return raw ctypes objects ("not
  necessarily process-safe"), which have no ``get_lock`` (AttributeError).

Not asserted (undocumented or platform-specific): NaN payloads (no NaN is written), atomicity of unlocked access (the docs say it is
"potentially non-atomic"), what out-of-range values become (ctypes truncates silently), whether
the objects' identities survive a process start, ``value`` on c_wchar arrays, and the bytes after a
stored ``value``'s NUL.
"""

import struct
from typing import Any, List, NamedTuple, Optional, Sequence

from ..errors import HarnessError
from . import expect, returned


def same(expected, got) -> bool:
    """``got`` is ``expected``: equal and of the same type; floats bit for bit (so -0.0 is not 0.0);
    lists item by item."""
    if type(expected) is not type(got):
        return False
    if type(expected) is float:
        return struct.pack("<d", expected) == struct.pack("<d", got)
    if type(expected) in (list, tuple):
        return len(expected) == len(got) and all(same(e, g) for e, g in zip(expected, got))
    return expected == got


def check_total(history, after, obj, total, prop="value.exclusion"):
    """Every increment on ``obj`` in ``history`` returned, and every read of ``obj.value`` in
    ``after`` (a later phase) is ``total``."""
    returned(history, history.select(obj), prop, "an increment under the lock")
    for op in after.select(obj, ".value"):
        returned(after, [op], prop, "reading the total")
        expect(op.result == total, prop,
               "%s.value is %r after increments adding %d, each under the lock: updates were lost"
               % (obj, op.result, total), after, [op])


def check_excluded(history, how, prop="value.exclusion"):
    """Process 0 held the lock (``how``) until process 1 had tried ``get_lock().acquire(False)``:
    the try failed. (A try that never came, None, because process 0 did not get in in time, shows
    nothing either way.)"""
    returned(history, history.ops, prop, "holding the lock, trying it")
    for op in history.of(1):
        expect(op.result is not True, prop, "while process 0 was inside %s, process 1 took "
               "v.get_lock() too" % how, history)


# -- expected outcomes, step by step --------------------------------------------------------------

ANY = object()


class Outcome(NamedTuple):
    """What one step must do: raise ``error`` (a type name), or return ``result`` (ANY: anything).
    ``prop`` is the property it shows; ``returns``, if given, the one a step that raises breaks."""

    prop: str
    error: Optional[str] = None
    result: Any = ANY
    returns: Optional[str] = None


def check_outcomes(history, proc, outcomes: Sequence[Outcome], what):
    """The ops of ``proc`` in program order did what ``outcomes`` say, one for one."""
    ops = history.of(proc)
    if len(ops) != len(outcomes):
        raise HarnessError("process %d ran %d ops, for %d expected outcomes" % (
            proc, len(ops), len(outcomes)))
    for op, out in zip(ops, outcomes):
        if out.error is not None:
            expect(op.error == out.error, out.prop, "%s: expected %s from %s, got %s" % (
                what, out.error, op.step.describe(), op.outcome()), history, [op])
            continue
        returned(history, [op], out.returns or out.prop, what)
        if out.result is not ANY:
            expect(same(out.result, op.result), out.prop,
                   "%s: %s returned %r (%s), expected %r (%s)" % (
                       what, op.step.describe(), op.result, type(op.result).__name__, out.result,
                       type(out.result).__name__), history, [op])


class ArrayModel(object):
    """The documented semantics of a shared array, sequentially: ``expect(op)`` is the outcome of
    one operation, and updates the model.

    ``items`` are the array's items as its indexing returns them; ``kind`` is what its slices are:
    ``"bytes"`` (c_char), ``"str"`` (c_wchar) or ``"list"``. Operations are tuples:
    ``("len",)``, ``("get", index_or_slice)``, ``("set", index_or_slice, value)``, ``("value",)``,
    ``("value=", bytes)``, ``("raw",)``, ``("raw=", bytes)``, and ``("snapshot", prop)``, the whole
    array (``a[:]``) checked under ``prop``.
    """

    WRITES = ("set", "value=", "raw=")

    def __init__(self, items: Sequence[Any], kind: str):
        self.items: List[Any] = list(items)
        self.kind = kind

    def _seq(self, items):
        if self.kind == "bytes":
            return b"".join(items)
        if self.kind == "str":
            return "".join(items)
        return list(items)

    def _items(self, seq):
        if self.kind == "bytes":
            return [bytes([b]) for b in seq]
        return list(seq)

    def expect(self, op) -> Outcome:
        name, n = op[0], len(self.items)
        if name == "len":
            return Outcome("array.length", result=n)
        if name == "snapshot":
            return Outcome(op[1], result=self._seq(self.items))
        if name in ("get", "set"):
            key = op[1]
            if isinstance(key, slice):
                if name == "get":
                    return Outcome("array.slice", result=self._seq(self.items[key]))
                positions = range(*key.indices(n))
                if len(op[2]) != len(positions):
                    return Outcome("array.slice_length", error="ValueError")
                for i, item in zip(positions, self._items(op[2])):
                    self.items[i] = item
                return Outcome("array.slice_assign", result=None)
            if not -n <= key < n:
                return Outcome("array.bounds", error="IndexError")
            if name == "get":
                return Outcome("array.index", result=self.items[key])
            self.items[key] = op[2]
            return Outcome("array.index", result=None)
        raw = b"".join(self.items)
        if name == "raw":
            return Outcome("array.chars", result=raw)
        if name == "value":
            return Outcome("array.chars", result=raw.split(b"\0", 1)[0])
        data = op[1]
        if name == "raw=":
            self.items = self._items(data)
        elif name == "value=":
            for i, item in enumerate(self._items(data)):
                self.items[i] = item
            if len(data) < n:
                self.items[len(data)] = b"\0"
        else:
            raise ValueError("unknown array operation %r" % (op,))
        return Outcome("array.chars", result=None)
