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

- value.typecodes / array.typecodes: every typecode listed, and the ctypes types, build an object
  (an implementation that cannot build some gets a verdict for them alone: the examples that do
  not use them still run).
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

Sequentially, a synchronized Value is :class:`Value` (the linearizability checker's model); an array
is :class:`ArrayModel`, operation by operation.

Not promised, so not checked (undocumented or platform-specific): NaN payloads (no NaN is written),
atomicity of unlocked access (the docs say it is "potentially non-atomic"), what out-of-range values
become (ctypes truncates silently), whether the objects' identities survive a process start,
``value`` on c_wchar arrays, and the bytes after a stored ``value``'s NUL.
"""

import math
import struct
from typing import Any, List, NamedTuple, Optional, Sequence

from ..errors import HarnessError
from ..models import Model, portable_key, show_key
from . import declare, expect, returned

CLAUSES = declare(
    "value",
    initial="what the creating process put in (its constructor arguments) is what any process "
            "reads first",
    type="a value of the type's whole range is stored exactly: read back, it is equal and of the "
         "same Python type (floats bit for bit, so -0.0 is not 0.0)",
    shared="a value written in one process is read in another process afterwards, in both "
           "directions (the object is shared, not a per-process copy)",
    typecodes="Value and RawValue build an object of every typecode the docs list (those of the "
              "array module) and of every ctypes type",
    has_lock="with lock=True (the default, or given explicitly) the result has get_lock()",
    recursive="the default lock of a Value is a new recursive lock: the process holding it can "
              "take it again",
    exclusion="while one process is inside with v.get_lock(): or with v:, no other process can "
              "take v.get_lock(), so read-modify-write increments inside it are never lost",
    given_lock="lock= a caller's Lock or RLock synchronizes the object: get_lock() is that lock, "
               "whichever route (the lock, any object given it) takes or releases it",
    no_lock="RawValue, RawArray and lock=False return raw ctypes objects, which have no get_lock "
            "(AttributeError)",
)
ARRAY_CLAUSES = declare(
    "array",
    initial="Array(t, n) reads as n zeros of the item type, Array(t, seq) as seq",
    length="len(a) is the length given at construction, always",
    index="a[i] and a[i] = v work for -len(a) <= i < len(a), negative indices counting from the "
          "end",
    bounds="any other integer index raises IndexError, reading or writing, and changes nothing",
    slice="a[i:j:k] is the items of that slice (any start, stop, and step other than 0): a list, "
          "bytes for c_char arrays, str for c_wchar arrays",
    slice_assign="a[i:j:k] = seq, with len(seq) the slice's length, stores the items of seq in the "
                 "slice's positions",
    slice_length="a slice assignment of any other length raises ValueError and changes nothing",
    shared="an item written in one process is read in another process afterwards, in both "
           "directions",
    chars="a c_char array's raw is all its bytes and its value the string it holds up to the "
          "first NUL; setting either stores it",
    typecodes="Array and RawArray build an array of every item type the docs allow (typecodes of "
              "the array module, ctypes types)",
)


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


# -- the sequential model (ipc_spec.linearizability) ----------------------------------------------


def _int_coercer(code):
    bits = struct.calcsize(code) * 8
    signed = code.islower()

    def coerce(value):
        if type(value) is bool or not isinstance(value, int):
            raise TypeError("an integer is required")
        value &= (1 << bits) - 1
        if signed and value >= 1 << (bits - 1):
            value -= 1 << bits
        return value

    return coerce


def _float32(value):
    if not isinstance(value, (int, float)) or type(value) is bool:
        raise TypeError("a float is required")
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def _float64(value):
    if not isinstance(value, (int, float)) or type(value) is bool:
        raise TypeError("a float is required")
    return float(value)


def _char(value):
    if type(value) is not bytes or len(value) != 1:
        raise TypeError("one byte is required")
    return value


def _wchar(value):
    if type(value) is not str or len(value) != 1:
        raise TypeError("one character is required")
    return value


def _same(value):
    return value


#: What a new Value of each typecode holds when no value is given (ctypes zero-fills).
_ZERO = {"f": 0.0, "d": 0.0, "c": b"\x00", "u": "\x00", "?": False}

_COERCE = {"f": _float32, "d": _float64, "c": _char, "u": _wchar, "?": bool}
for _code in "bBhHiIlLqQ":
    _COERCE[_code] = _int_coercer(_code)


#: The call names of the locked-increment macro (``ipc_spec.ops.value.incr``): as this family
#: calls it, and as the kit's ``_child.op_incr`` was called.
INCR = ("@value:incr", "@incr")


class Value(Model):
    """``multiprocessing.Value(typecode, value)``: one shared ctypes value.

    - Reading ``.value`` returns the last value written; writing ``.value = v`` stores ``v`` as the
      type holds it (``typecode``: an ``array``-module code as ``multiprocessing.sharedctypes`` maps
      them: integers wrap to their width like ctypes does, ``'f'`` rounds to single precision,
      ``'c'`` is one byte, ``'u'`` one character, ``'?'`` a bool; None stores what was written;
      ``coerce`` may give a function of its own). A write that raised (a value of the wrong type)
      stored nothing.
    - The macro ``@value:incr`` (``ipc_spec.ops.value.incr(obj, times=1, locked=True,
      pause=0.0)``; also read under its former name ``@incr``) adds ``times``,
      one increment at a time. With ``locked=True`` each increment holds ``get_lock()`` and is
      atomic, so one increment (``times=1``) is an atomic step; the macro's result is read after
      the lock is released, so other processes' increments may be in it: the model does not check
      it. Several increments (``times > 1``) are not one atomic step (others may see the value
      between them), and with ``locked=False`` increments may be lost: after such a macro the value
      is unknown (any read is accepted) until the next write. (A read does not pin it down: the
      macro may still be running, and change the value again.)
    - ``get_lock()`` and ``get_obj()`` are accepted without effect.

    Reads and writes are linearizable for a synchronized Value (the default ``lock=True``: each
    access holds the lock); for ``RawValue`` and ``lock=False`` the documentation promises no
    process-safety, so a scenario that checks those does so on its own terms.
    """

    name = "Value"
    UNKNOWN = ("<unknown>",)

    def __init__(self, typecode=None, value=None, coerce=None):
        Model.__init__(self, typecode=typecode, value=value)
        if coerce is None:
            coerce = _COERCE.get(typecode, _same) if typecode is not None else _same
        self.coerce = coerce
        self.value = coerce(_ZERO.get(typecode, 0) if value is None else value)

    def init(self):
        return portable_key(self.value)

    def show(self, state):
        return "value unknown" if state == self.UNKNOWN else "value %s" % show_key(state)

    def _known(self, state):
        return state != self.UNKNOWN

    def step(self, state, op):
        call = op.call
        if call == ".value":
            if op.error is not None:
                return False, state
            if not self._known(state):
                return True, state
            return portable_key(op.result) == state, state
        if call == ".value=":
            if op.error is not None:
                return True, state
            try:
                value = self.coerce(op.step.args[0])
            except (TypeError, ValueError, OverflowError):
                return False, state
            return True, portable_key(value)
        if call in INCR:
            bound = self.bind(op, (("times", 1), ("locked", True), ("pause", 0.0)), state)
            if bound is None:
                return True, state
            if op.error is not None:
                return False, state
            if (not bound["locked"] or bound["times"] != 1 or not self._known(state)
                    or state[0] not in ("int", "float")):
                return True, self.UNKNOWN
            try:
                value = self.coerce(state[1] + bound["times"])
            except (TypeError, ValueError, OverflowError):
                return True, self.UNKNOWN
            return True, portable_key(value)
        if call in ("get_lock", "get_obj"):
            return True, state
        raise self.unknown(op)
