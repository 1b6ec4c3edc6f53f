"""Value, Array, RawValue and RawArray properties (see ``ipc_spec.specs.value`` for the semantics
checked).

Objects are built in the parent in sets (one Make kind per constructor, and per length for arrays):
an example uses every item type at once, and few kinds of object are provisioned.

The properties are methods of :class:`ValueProperties`, bound to a *flavour*: an object that builds
the sets of Values and Arrays and states what differs between implementations of the same semantics
(the constructors and item types there are, what probing each object's lock does).
:class:`TestValue` binds them to the native ``ctx.Value``, ``ctx.Array``, ``ctx.RawValue`` and
``ctx.RawArray``; another flavour (a Manager's proxies, whose Value has no ``get_lock()``)
subclasses with its own.
"""

import ctypes
import functools
import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.authoring import (Cells, Make, Ref, call, checks, macro, part, pauses,
                                property_settings, read, write)
from ipc_spec.ops import manager
from ipc_spec.specs import value as spec
from ipc_spec.specs.value import ArrayModel, Outcome

#: The typecodes the docs allow ("of the kind used by the array module") and their C types.
TYPECODES = {
    "c": ctypes.c_char, "u": ctypes.c_wchar,
    "b": ctypes.c_byte, "B": ctypes.c_ubyte,
    "h": ctypes.c_short, "H": ctypes.c_ushort,
    "i": ctypes.c_int, "I": ctypes.c_uint,
    "l": ctypes.c_long, "L": ctypes.c_ulong,
    "q": ctypes.c_longlong, "Q": ctypes.c_ulonglong,
    "f": ctypes.c_float, "d": ctypes.c_double,
}
#: ctypes types passed directly (several are aliases of others on a given platform).
CTYPE_NAMES = ("c_bool", "c_int8", "c_uint8", "c_int16", "c_uint16", "c_int32", "c_uint32",
               "c_int64", "c_uint64", "c_size_t", "c_ssize_t", "c_float", "c_double",
               "c_longdouble", "c_char", "c_wchar")

#: Surrogates (category Cs) are not characters to store; newer Hypothesis calls the argument that
#: excludes them ``exclude_categories``, older ``blacklist_categories``.
EXCLUDE_CATEGORIES = ("exclude_categories" if "exclude_categories" in
                      inspect.signature(st.characters).parameters else "blacklist_categories")

FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.401298464324817e-45  # the least positive 32-bit float (subnormal)
FLOAT32_THIRD = 0.3333333432674408  # 1/3 rounded to 32 bits


class ItemType(object):
    """One type of item: how to name it, build it, draw its values (over its whole range), and
    three distinct non-zero samples (initializers written by the parent)."""

    def __init__(self, label):
        self.label = label
        self.code = label if label in TYPECODES else getattr(ctypes, label)
        ctype = TYPECODES.get(label) or self.code
        self.kind = "list"  # what slices of an array of it are
        if ctype is ctypes.c_bool:
            self.values, self.samples, self.zero = st.booleans(), (True, False, True), False
        elif ctype is ctypes.c_char:
            self.values, self.samples, self.zero = st.binary(min_size=1, max_size=1), \
                (b"\xa5", b"Z", b"\x01"), b"\0"
            self.kind = "bytes"
        elif ctype is ctypes.c_wchar:
            wide = ctypes.sizeof(ctypes.c_wchar) >= 4
            self.values = st.characters(max_codepoint=0x10FFFF if wide else 0xFFFF,
                                        **{EXCLUDE_CATEGORIES: ("Cs",)})
            self.samples = ("\u00e9", "\U0001f600" if wide else "\u20ac", "z")
            self.zero = "\0"
            self.kind = "str"
        elif ctype is ctypes.c_float:
            self.values = st.floats(width=32, allow_nan=False)
            self.samples, self.zero = (-FLOAT32_MAX, FLOAT32_TINY, FLOAT32_THIRD), 0.0
        elif ctype in (ctypes.c_double, ctypes.c_longdouble):
            self.values = st.floats(allow_nan=False)
            self.samples, self.zero = (1 / 3, -5e-324, 1.7976931348623157e308), 0.0
        else:
            bits = 8 * ctypes.sizeof(ctype)
            signed = ctype(-1).value < 0
            low, high = (-2 ** (bits - 1), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
            self.values = st.integers(low, high)
            self.samples = (low, high, -1) if signed else (high, 1 << (bits - 1), 1)
            self.zero = 0

    def sequence(self, n):
        """An initializer of length ``n``, cycling through the samples."""
        return [self.samples[i % 3] for i in range(n)]

    def join(self, items):
        """Items as an array's slice of them is (and as slice assignment takes them)."""
        if self.kind == "bytes":
            return b"".join(items)
        if self.kind == "str":
            return "".join(items)
        return list(items)

    def __repr__(self):
        return self.label


VALUE_TYPES = [ItemType(label) for label in list(TYPECODES) + list(CTYPE_NAMES)]

# -- Value / RawValue: the objects ---------------------------------------------------------------


def _value(ctx, ctor, code, *args):
    if ctor == "RawValue":
        return ctx.RawValue(code, *args)
    if ctor == "Value":
        return ctx.Value(code, *args)
    return ctx.Value(code, *args, lock=False)


def _described(ctor, args):
    """``Value('q', lock=False)`` for the constructor named ``Value(lock=False)``."""
    name, _, rest = ctor.partition("(")
    return "%s(%s%s" % (name, args, ", " + rest if rest else ")")


def value_set(ctx, ctor):
    """One object of every item type (part ``label``), built by ``ctor`` from its first sample; a
    type the implementation cannot build is ``Lacking`` (value.typecodes): only the examples that
    use it are left out."""
    return {t.label: part("value.typecodes", _described(ctor, repr(t.code)), _value, ctx, ctor,
                          t.code, t.samples[0])
            for t in VALUE_TYPES}


value_set.clause = "value"  # what an implementation that cannot build or hand it over breaks


def _value_set_recipe():
    """``value_set`` as standalone source, for ``ipc_spec.report.reproducer``: the item types as a
    table of (label, typecode or ctypes type, first sample); a lacking type is the error's text."""
    rows = "".join("    (%r, %s, %r),\n" % (t.label, repr(t.label) if t.label in TYPECODES
                                           else "ctypes." + t.label, t.samples[0]) for t in VALUE_TYPES)
    return ("import ctypes\n\nVALUE_TYPES = [\n%s]\n\n\n%s\n\ndef value_set(ctx, ctor):\n"
            '    """One object of every item type (part label), built by ctor from its sample."""\n'
            "    objects = {}\n    for label, code, sample in VALUE_TYPES:\n        try:\n"
            "            objects[label] = _value(ctx, ctor, code, sample)\n"
            "        except Exception as exc:\n"
            "            objects[label] = 'lacking: %%s: %%s' %% (type(exc).__name__, exc)\n"
            "    return objects\n" % (rows, inspect.getsource(_value)))


value_set.recipe = _value_set_recipe


#: The item types of a Manager's Value: one of each kind of Python value they hold (bytes, str,
#: bool, integers of the widest signed and unsigned ranges, and of a narrow one, floats of 32 and
#: 64 bits). The server keeps what it is sent, whatever the typecode: more types would check the
#: same thing again.
MANAGED_VALUE_TYPES = [t for t in VALUE_TYPES
                       if t.label in ("c", "u", "b", "q", "Q", "f", "d", "c_bool")]


def managed_value_set(ctx, ctor):
    """One ``manager.Value(code, sample)`` proxy of ``ctx``'s manager for each of
    :data:`MANAGED_VALUE_TYPES` (part ``label``); ``ctor`` is ``"manager.Value"``, the flavour's
    only constructor."""
    return {t.label: part("value.typecodes", "manager.Value(%r, %r)" % (t.code, t.samples[0]),
                          manager.managed_Value, ctx, t.code, t.samples[0])
            for t in MANAGED_VALUE_TYPES}


managed_value_set.clause = "value"
managed_value_set.sent = True  # proxies: pickled to the workers with each example


# -- Array / RawArray: the objects -----------------------------------------------------------------

ARRAY_TYPES = [ItemType(label) for label in ("c", "u", "q", "f", "c_bool")]
LENGTHS = (1, 3, 6)
STEPS = (None, 1, 2, -1, 3, -2)


def _array(ctx, ctor, code, init):
    if ctor == "RawArray":
        return ctx.RawArray(code, init)
    if ctor == "Array":
        return ctx.Array(code, init)
    return ctx.Array(code, init, lock=False)


#: The item types of a Manager's Array: typecodes of the array module (its ``array.array`` in the
#: server), one of each kind of item but characters ('u' is deprecated from 3.13, 'c' is none).
MANAGED_ARRAY_TYPES = [ItemType(label) for label in ("q", "B", "f", "d")]


def managed_array_set(ctx, ctor, n):
    """For every Manager Array item type, ``label.seq``: ``manager.Array(code, <n samples>)`` of
    ``ctx``'s manager (the documented ``Array(typecode, sequence)``: no form taking a size);
    ``ctor`` is ``"manager.Array"``."""
    return {t.label + ".seq": part("array.typecodes", "manager.Array(%r, <%d items>)" % (t.code, n),
                                   manager.managed_Array, ctx, t.code, t.sequence(n))
            for t in MANAGED_ARRAY_TYPES}


managed_array_set.clause = "array"
managed_array_set.sent = True  # proxies: pickled to the workers with each example


def array_set(ctx, ctor, n):
    """For every array item type, ``label.size`` built as ``ctor(code, n)`` and ``label.seq`` from a
    sequence of ``n`` samples."""
    arrays = {}
    for t in ARRAY_TYPES:
        arrays[t.label + ".size"] = part("array.typecodes", _described(ctor, "%r, %d" % (t.code, n)),
                                         _array, ctx, ctor, t.code, n)
        arrays[t.label + ".seq"] = part("array.typecodes",
                                        _described(ctor, "%r, <%d items>" % (t.code, n)),
                                        _array, ctx, ctor, t.code, t.sequence(n))
    return arrays


array_set.clause = "array"  # what an implementation that cannot build or hand it over breaks


def _array_set_recipe():
    """``array_set`` as standalone source, for ``ipc_spec.report.reproducer``: the item types as a
    table of (label, typecode or ctypes type, samples); a lacking type is the error's text."""
    rows = "".join("    (%r, %s, %r),\n" % (t.label, repr(t.label) if t.label in TYPECODES
                                           else "ctypes." + t.label, t.samples) for t in ARRAY_TYPES)
    return ("import ctypes\n\nARRAY_TYPES = [\n%s]\n\n\n%s\n\ndef array_set(ctx, ctor, n):\n"
            '    """For every item type, label.size built as ctor(code, n), label.seq from n samples."""\n'
            "    arrays = {}\n    for label, code, samples in ARRAY_TYPES:\n"
            "        for part, init in (('.size', n), ('.seq', [samples[i %% 3] for i in range(n)])):\n"
            "            try:\n                arrays[label + part] = _array(ctx, ctor, code, init)\n"
            "            except Exception as exc:\n"
            "                arrays[label + part] = 'lacking: %%s: %%s' %% (type(exc).__name__, exc)\n"
            "    return arrays\n" % (rows, inspect.getsource(_array)))


array_set.recipe = _array_set_recipe


# -- locks: the objects ----------------------------------------------------------------------------


def counter(ctx, lock):
    """``Value('i', 0)`` with its default lock, or with a caller's RLock."""
    return ctx.Value("i", 0, lock=ctx.RLock()) if lock == "RLock" else ctx.Value("i", 0)


counter.clause = "value"  # what an implementation that cannot build or hand it over breaks


def shared_lock(ctx, kind):
    """A caller's Lock or RLock (part ``lock``) given to a Value (the object itself) and to an Array
    (part ``array``)."""
    lock = getattr(ctx, kind)()
    return {"": ctx.Value("i", 0, lock=lock), "array": ctx.Array("d", 2, lock=lock), "lock": lock}


shared_lock.clause = "value"  # what an implementation that cannot build or hand it over breaks


def lock_kinds(ctx):
    """One object of each constructor and ``lock`` choice."""
    return {
        "raw_value": ctx.RawValue("i"), "value_unlocked": ctx.Value("i", lock=False),
        "raw_array": ctx.RawArray("i", 2), "array_unlocked": ctx.Array("i", 2, lock=False),
        "value": ctx.Value("i"), "value_locked": ctx.Value("i", lock=True),
        "array": ctx.Array("i", 2), "array_locked": ctx.Array("i", 2, lock=True),
    }


lock_kinds.clause = "value"  # what an implementation that cannot build or hand it over breaks

#: part of :func:`lock_kinds` -> what probing its lock must do.
LOCK_KINDS = {
    "raw_value": Outcome("value.no_lock", error="AttributeError"),
    "value_unlocked": Outcome("value.no_lock", error="AttributeError"),
    "raw_array": Outcome("value.no_lock", error="AttributeError"),
    "array_unlocked": Outcome("value.no_lock", error="AttributeError"),
    "value": Outcome("value.recursive", result=True, returns="value.has_lock"),
    "value_locked": Outcome("value.recursive", result=True, returns="value.has_lock"),
    "array": Outcome("value.has_lock"),
    "array_locked": Outcome("value.has_lock"),
}


class Native(object):
    """``ctx.Value``, ``ctx.Array``, ``ctx.RawValue`` and ``ctx.RawArray``; not recycled (no
    documented reset: an example leaves values of its own in them)."""

    name = "native"
    #: The item types a Value is drawn from: every typecode the docs list (those of the array
    #: module) and the ctypes types (:data:`TYPECODES`, :data:`CTYPE_NAMES`).
    value_types = VALUE_TYPES
    #: The item types an Array is drawn from.
    array_types = ARRAY_TYPES
    #: The constructors of single values (what :meth:`values` builds).
    value_ctors = ("Value", "Value(lock=False)", "RawValue")
    #: The constructors of arrays (what :meth:`arrays` builds).
    array_ctors = ("Array", "RawArray", "Array(lock=False)")
    #: How arrays are initialized: from a size (zeroed) and from a sequence.
    array_inits = ("size", "seq")
    #: Whether slice assignment is checked (same length only, as a ctypes array has it).
    slice_assign = True
    #: Whether a slice is read as the list of its items (a Manager's Array: ``array.array``).
    slices_listed = False
    #: A synchronized Value has ``get_lock()``, and is a context manager holding it (a Manager's
    #: Value proxy has neither: the documentation says so).
    get_lock = True
    #: The locks of the counter whose increments must not be lost: its default one, or a caller's
    #: RLock (:meth:`counter`).
    counter_locks = ("default", "RLock")
    #: The kinds of caller's lock given to a Value and an Array (:meth:`shared_lock`).
    given_locks = ("Lock", "RLock")
    #: part of :meth:`lock_kinds` -> what probing its ``get_lock()`` must do.
    lock_outcomes = LOCK_KINDS

    @staticmethod
    def values(ctor):
        """One Value of every item type, built by ``ctor`` (one of :attr:`value_ctors`)."""
        return Make(value_set, ctor)

    @staticmethod
    def arrays(ctor, n):
        """Arrays of ``n`` items of every array item type, built by ``ctor``."""
        return Make(array_set, ctor, n)

    @staticmethod
    def counter(lock):
        return Make(counter, lock)

    @staticmethod
    def shared_lock(kind):
        return Make(shared_lock, kind)

    @staticmethod
    def lock_kinds():
        return Make(lock_kinds)


def flavour_of(draw):
    """The flavour of the property being drawn for (``st.runner()``: the test's instance)."""
    return draw(st.runner()).flavour


def some_types(types):
    """A non-empty subset of ``types``, in their order."""
    return st.lists(st.sampled_from(types), min_size=1, max_size=len(types),
                    unique_by=lambda t: t.label).map(lambda chosen: [t for t in types if t in chosen])


# -- Value / RawValue: the plans -------------------------------------------------------------------


@st.composite
def value_plans(draw):
    flavour = flavour_of(draw)
    ctor = draw(st.sampled_from(flavour.value_ctors))
    procs = draw(st.integers(2, 3))
    types = draw(some_types(flavour.value_types))
    first = draw(st.tuples(*[t.values for t in types]))
    second = draw(st.tuples(*[t.values for t in types]))
    return ctor, procs, types, first, second


# -- Array / RawArray: the plans -------------------------------------------------------------------


def array_step(name, op, listed=False):
    """The step that performs a :class:`~ipc_spec.specs.value.ArrayModel` operation on ``name``;
    with ``listed``, a slice is read as the list of its items (``value:listed``: a Manager's Array
    proxy returns the server's ``array.array``)."""
    what = op[0]
    if what == "len":
        return call(name, "__len__")
    if what == "snapshot" or what == "get" and isinstance(op[1], slice):
        key = slice(None) if what == "snapshot" else op[1]
        return macro(name, "value:listed", key) if listed else call(name, "__getitem__", key)
    if what == "get":
        return call(name, "__getitem__", op[1])
    if what == "set":
        return call(name, "__setitem__", op[1], op[2])
    if what.endswith("="):
        return write(name, what[:-1], op[1])
    return read(name, what)


def _set_slice(t, n, key, values, wrong):
    """``("set", key, items)``: as many items as the slice has, or (``wrong``) a different
    number."""
    size = len(range(*key.indices(n)))
    if wrong:
        size = size + wrong if size + wrong >= 0 else size + 1
    return ("set", key, t.join(values[:size]))


def _no_nul(data):
    return data.replace(b"\0", b"\1")


def array_ops(t, n, slice_assign=True):
    """One operation on an array of ``n`` items of type ``t`` (with ``slice_assign``, slice
    assignments too)."""
    index = st.integers(-n - 2, n + 1)
    bound = st.none() | st.integers(-n - 2, n + 2)
    key = st.builds(slice, bound, bound, st.sampled_from(STEPS))
    items = st.lists(t.values, min_size=n + 2, max_size=n + 2)
    ops = [
        st.tuples(st.just("get"), index),
        st.tuples(st.just("set"), index, t.values),
        st.tuples(st.just("get"), key),
        st.just(("len",)),
    ]
    if slice_assign:
        ops += [
            st.builds(_set_slice, st.just(t), st.just(n), key, items, st.just(0)),
            st.builds(_set_slice, st.just(t), st.just(n), key, items, st.sampled_from((1, -1, 2))),
        ]
    if t.kind == "bytes":
        ops += [
            st.just(("value",)),
            st.tuples(st.just("value="), st.binary(max_size=n).map(_no_nul)),
            st.just(("raw",)),
            st.tuples(st.just("raw="), st.binary(min_size=n, max_size=n)),
        ]
    return st.one_of(ops)


@functools.lru_cache(maxsize=None)
def phase_ops(t, n, slice_assign=True):
    """The strategy of one phase's operations on an array of ``n`` items of type ``t``, built once
    (building them is most of the cost of drawing)."""
    return st.lists(array_ops(t, n, slice_assign), max_size=3)


@st.composite
def array_plans(draw):
    flavour = flavour_of(draw)
    ctor = draw(st.sampled_from(flavour.array_ctors))
    n = draw(st.sampled_from(LENGTHS))
    init = draw(st.sampled_from(flavour.array_inits))
    types = draw(some_types(flavour.array_types))
    ops = [[draw(phase_ops(t, n, flavour.slice_assign)) for _ in range(3)] for t in types]
    return ctor, n, init, types, ops


# -- locks: the plans ------------------------------------------------------------------------------

#: Seconds a process pauses inside the critical section, between reading and writing the value.
INNER_PAUSES = (0.0005, 0.002, 0.005)
MAX_COUNTERS = 4

#: Cells of the kit's own on which processes line up (``gate``) and hand over (``flags``): never
#: the implementation's RawArray, which a property about Value must not trust.
INSTRUMENTS = {"gate": Cells(MAX_COUNTERS), "flags": Cells(2), "flags_with": Cells(2)}


@st.composite
def exclusion_plans(draw):
    lock = draw(st.sampled_from(flavour_of(draw).counter_locks))
    times = draw(st.integers(1, 6))
    procs = draw(st.integers(2, MAX_COUNTERS))
    plan = draw(st.lists(st.tuples(st.booleans(), st.sampled_from(INNER_PAUSES), pauses()),
                         min_size=procs, max_size=procs))
    with_first = draw(st.booleans())
    return lock, times, plan, with_first


ROUTES = ("lock", "value", "array")


def lock_step(route, method, *args):
    """``<lock>.method(*args)`` where the lock is reached by ``route``: the caller's lock itself, or
    ``get_lock()`` of the Value or of the Array."""
    if route == "lock":
        return call("s.lock", method, *args)
    return macro("s" if route == "value" else "s.array", "value:lock_call", method, *args)


@st.composite
def given_lock_plans(draw):
    kind = draw(st.sampled_from(flavour_of(draw).given_locks))
    holder = draw(st.sampled_from(ROUTES))
    releaser = draw(st.sampled_from(ROUTES))
    order = draw(st.permutations(ROUTES))
    return kind, holder, releaser, order


@st.composite
def lock_kind_plans(draw):
    parts = sorted(flavour_of(draw).lock_outcomes)
    procs = draw(st.integers(1, 3))
    return draw(st.lists(st.tuples(st.permutations(parts), pauses()),
                         min_size=procs, max_size=procs))


def needs_get_lock(flavour):
    """Skip a property about ``get_lock()`` for a flavour whose objects have none."""
    if not flavour.get_lock:
        pytest.skip("the %s flavour's Values have no get_lock() (documented)" % flavour.name)


class ValueProperties(object):
    """The Value and Array properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    @checks("value.initial", "value.type", "value.shared", "value.typecodes")
    @property_settings()
    @given(value_plans())
    def test_values(self, ipc_env, scenario):
        """Values of item types (any subset of them), over each type's whole range. Process 0
        reads the parent's initializer, then writes an extreme value and a drawn one, reading each
        back at once; the other processes then read the drawn one. Process 1 does the same (but
        for the initializer), and the others, process 0 among them, read its value."""
        ctor, procs, types, first, second = scenario
        ipc_env.provision([self.flavour.values(c) for c in self.flavour.value_ctors], 3)
        objects = ipc_env.allocate({"v": self.flavour.values(ctor)}, procs)
        names = ["v." + t.label for t in types]
        reads = [read(name, "value") for name in names]

        def seen(values, prop):
            return [Outcome(prop, result=v) for v in values]

        def writes(writer, values):
            """``writer`` writes and reads back; then the others read."""
            steps, outcomes = [], []
            for name, t, value in zip(names, types, values):
                for v in (t.samples[1], value):
                    steps += [write(name, "value", v), read(name, "value")]
                    outcomes += [Outcome("value.type"), Outcome("value.type", result=v)]
            initial = seen([t.samples[0] for t in types], "value.initial") if writer == 0 else []
            history = ipc_env.run(objects, [[]] * writer + [(reads if initial else []) + steps])
            # The writes first, then the initializer: a type that cannot hold its values cannot
            # hold its initializer either, and that is value.type.
            anything = [Outcome("value.initial")] * len(initial)
            spec.check_outcomes(history, writer, anything + outcomes,
                                "%s, written and read back by process %d" % (ctor, writer))
            spec.check_outcomes(history, writer, initial + outcomes,
                                "%s, the parent's initializer, read by process %d" % (ctor, writer))
            readers = [p for p in range(procs) if p != writer]
            history = ipc_env.run(objects, [reads if p in readers else [] for p in range(procs)])
            for proc in readers:
                spec.check_outcomes(history, proc, seen(values, "value.shared"),
                                    "%s, written by process %d, read by process %d" % (
                                        ctor, writer, proc))

        writes(0, first)
        writes(1, second)

    @checks("array.initial", "array.length", "array.index", "array.bounds", "array.slice",
            "array.slice_assign", "array.slice_length", "array.shared", "array.chars",
            "array.typecodes")
    @property_settings()
    @given(array_plans())
    def test_arrays(self, ipc_env, plan):
        """Arrays of every array item type: length, indexing (negative too, IndexError outside),
        slices, slice assignment (same length only: ValueError otherwise) and, for c_char arrays,
        ``value`` and ``raw``, in three phases: process 0, then process 1, then process 0 again,
        each starting from what the one before left (the first from what the parent built), each
        write read back at once."""
        ctor, n, init, types, ops_by_type = plan
        ipc_env.provision([self.flavour.arrays(c, m) for c in self.flavour.array_ctors
                           for m in LENGTHS], 2)
        objects = ipc_env.allocate({"s": self.flavour.arrays(ctor, n)}, 2)
        models = [ArrayModel(t.sequence(n) if init == "seq" else [t.zero] * n, t.kind)
                  for t in types]
        for number in range(3):
            proc = number % 2
            steps, outcomes = [], []
            for t, model, ops in zip(types, models, ops_by_type):
                name = "s.%s.%s" % (t.label, init)

                def add(op):
                    steps.append(array_step(name, op, self.flavour.slices_listed))
                    outcomes.append(model.expect(op))
                    return outcomes[-1]

                add(("snapshot", "array.shared" if number else "array.initial"))
                add(("len",))
                if t.kind == "bytes":
                    add(("value",))
                    add(("raw",))
                for op in ops[number]:
                    outcome = add(op)
                    if op[0] in ArrayModel.WRITES:
                        add(("snapshot", outcome.prop))
            history = ipc_env.run(objects, [[]] * proc + [steps])
            spec.check_outcomes(history, proc, outcomes, "%s(t, %s) in process %d" % (
                ctor, n if init == "size" else "<%d samples>" % n, proc))

    @checks("value.exclusion")
    @property_settings()
    @given(exclusion_plans())
    def test_exclusion(self, ipc_env, scenario):
        """k processes line up, then each adds one m times to a Value's ``value``, each
        read-modify-write inside ``with v.get_lock():`` or ``with v:`` and widened by a pause: the
        total is exactly k*m. Then, while process 0 is inside ``with v:``, and while it is inside
        ``with v.get_lock():``, process 1 cannot take ``v.get_lock()``."""
        needs_get_lock(self.flavour)
        lock, times, plan, with_first = scenario
        procs = len(plan)
        ipc_env.provision([self.flavour.counter(kind) for kind in self.flavour.counter_locks],
                          MAX_COUNTERS)
        objects = ipc_env.allocate(dict(INSTRUMENTS, v=self.flavour.counter(lock)), procs)
        wait = ipc_env.deadline / 4
        programs = [[macro("gate", "value:gate", i, procs, wait),
                     macro("v", "value:incr_with", times, inner, pause=p) if use_with
                     else macro("v", "value:incr", times, True, inner, pause=p)]
                    for i, (use_with, inner, p) in enumerate(plan)]
        history = ipc_env.run(objects, programs)
        after = ipc_env.run(objects, [[read("v", "value")]])
        spec.check_total(history, after, "v", times * procs)
        # The race above shows lost updates only when the processes happen to overlap; this shows a
        # lock that does not exclude every time.
        for use_with in (with_first, not with_first):
            flags = Ref("flags_with" if use_with else "flags")
            probe = ipc_env.run(objects, [[macro("v", "value:hold", flags, use_with, wait)],
                                          [macro("v", "value:try_lock", flags, wait)]])
            spec.check_excluded(probe, "with v:" if use_with else "with v.get_lock():")

    @checks("value.given_lock")
    @property_settings()
    @given(given_lock_plans())
    def test_given_lock(self, ipc_env, scenario):
        """A caller's lock shared by a Value and an Array is what both use: held by process 0
        through one route, process 1 can take it through none; released through any route,
        process 1 can take it through each and release it through another."""
        needs_get_lock(self.flavour)
        kind, holder, releaser, order = scenario
        prop = "value.given_lock"
        ipc_env.provision([self.flavour.shared_lock(k) for k in self.flavour.given_locks], 2)
        objects = ipc_env.allocate({"s": self.flavour.shared_lock(kind)}, 2)
        held = ipc_env.run(objects, [[lock_step(holder, "acquire")]])
        spec.check_outcomes(held, 0, [Outcome(prop, result=True)], "taking the free %s" % kind)
        tried = ipc_env.run(objects, [[], [lock_step(r, "acquire", False) for r in order]])
        spec.check_outcomes(tried, 1, [Outcome(prop, result=False)] * 3,
                            "while process 0 holds the %s (taken through %s)" % (kind, holder))
        freed = ipc_env.run(objects, [[lock_step(releaser, "release")]])
        spec.check_outcomes(freed, 0, [Outcome(prop)], "releasing what process 0 took through %s"
                            % holder)
        steps = []
        for i, route in enumerate(order):
            steps += [lock_step(route, "acquire", False), lock_step(order[i - 1], "release")]
        again = ipc_env.run(objects, [[], steps])
        spec.check_outcomes(again, 1, [Outcome(prop, result=True), Outcome(prop)] * 3,
                            "the %s once released" % kind)

    @checks("value.has_lock", "value.recursive", "value.no_lock")
    @property_settings()
    @given(lock_kind_plans())
    def test_lock_kinds(self, ipc_env, plan):
        """Each process probes every object's lock (take it, try again without blocking, release):
        the raw and ``lock=False`` objects have no get_lock; Value and Array with ``lock=True``
        (default or explicit) have one, and Value's is recursive."""
        outcomes = self.flavour.lock_outcomes
        ipc_env.provision([self.flavour.lock_kinds()], 3)
        objects = ipc_env.allocate({"k": self.flavour.lock_kinds()}, len(plan))
        programs = [[macro("k." + label, "value:reentrant", pause=p) for label in labels]
                    for labels, p in plan]
        history = ipc_env.run(objects, programs)
        for proc, (labels, _) in enumerate(plan):
            spec.check_outcomes(history, proc, [outcomes[label] for label in labels],
                                "probing get_lock()")


class TestValue(ValueProperties):
    """The native Value, Array, RawValue and RawArray."""

    flavour = Native


class Managed(Native):
    """``manager.Value(typecode, value)``: "Create an object with a writable value attribute and
    return a proxy for it" (SyncManager). The object lives in the manager's process; what the
    documentation promises of it is that attribute, shared by every process holding the proxy
    (value.initial, value.type, value.shared). The typecode is given (every one of the native
    Value's) but not promised to be applied: CPython's server keeps the Python object it is sent,
    and the kit draws each type's values within what the type holds, so that what is read is what
    was written either way. Not promised, so not checked: a lock (the proxy has no
    ``get_lock()``), the typecodes beyond one of each kind of value (:data:`MANAGED_VALUE_TYPES`).

    ``manager.Array(typecode, sequence)`` "Create[s] an array and return[s] a proxy for it": an
    ``array.array`` in the server, whose proxy offers ``len()``, indexing and slices. The Array
    properties run on it from a sequence (the documented form; there is none taking a size), with
    the array module's typecodes (:data:`MANAGED_ARRAY_TYPES`), a slice read as the list of its
    items (``value:listed``). Not promised, so not checked: slice assignment, which
    the array module makes take only an array of the same typecode and lets change the length
    (not a ctypes array's same-length rule), and the ``c_char`` array's ``value`` and ``raw``
    (the array module has no 'c' typecode)."""

    name = "manager"
    value_ctors = ("manager.Value",)
    value_types = MANAGED_VALUE_TYPES
    array_ctors = ("manager.Array",)
    array_types = MANAGED_ARRAY_TYPES
    array_inits = ("seq",)
    slice_assign = False
    slices_listed = True
    get_lock = False
    not_promised = {
        "value.exclusion": "a Manager's Value proxy has no get_lock() and is no context manager",
        "value.given_lock": "a Manager's Value takes no lock to share",
        "array.slice_assign": "a Manager's Array is an array.array in the server: its slice "
                              "assignment takes only an array of the same typecode",
        "array.slice_length": "a Manager's Array is an array.array in the server: a slice "
                              "assignment may change its length",
        "array.chars": "a Manager's Array has the array module's typecodes: no 'c' (c_char)",
    }

    @staticmethod
    def values(ctor):
        return Make(managed_value_set, ctor)

    @staticmethod
    def arrays(ctor, n):
        return Make(managed_array_set, ctor, n)


class TestManagerValue(ValueProperties):
    """A Manager's Value and Array proxies."""

    flavour = Managed
    test_exclusion = None
    test_given_lock = None
    test_lock_kinds = None
