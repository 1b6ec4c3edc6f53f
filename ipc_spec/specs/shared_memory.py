"""SharedMemory, ShareableList and SharedMemoryManager, as documented for
``multiprocessing.shared_memory`` (``Doc/library/multiprocessing.shared_memory.rst``, 3.8 to 3.13).

SharedMemory(name=None, create=False, size=0, \\*, track=True)
  Creates a new shared memory block or attaches to an existing one. Each block has a unique name:
  one process creates a block with a name, and another attaches to it by that name.

- shared_memory.create: with ``create=True`` a new block of ``size`` bytes is made; "the exact
  size of the shared memory block may be larger or equal to the size requested", so ``size`` (the
  block's size in bytes) is at least the size asked for, and ``buf`` is "a memoryview of contents
  of the shared memory block": a memoryview of exactly ``size`` bytes, which the process can
  write and read back.
- shared_memory.name: with ``name=None`` "a novel name will be generated": a str, distinct from
  the name of every other block; a block created with a name has that name (``name`` is "the
  unique name of the shared memory block").
- shared_memory.readonly: ``name`` and ``size`` give "read-only access", and ShareableList's
  ``format`` is a "read-only attribute": assigning any of them raises AttributeError (Python's
  error for an attribute that cannot be set).
- shared_memory.attach: ``SharedMemory(name)`` (``create=False``, the default) in another process
  attaches to that block: the same name and size (``size`` is ignored when attaching), and bytes
  written through either instance are read through the other. Attaching by a name no block has
  cannot attach to "an existing shared memory block": it raises.
- shared_memory.unique: names are unique, so creating a block with the name of an existing one
  raises.
- shared_memory.unlink: ``close()`` "does not cause the shared memory block itself to be
  destroyed"; ``unlink()`` deletes the block (3.13: "Delete the underlying shared memory block";
  3.8: "Requests that the underlying shared memory block be destroyed", which "may or may not be
  immediately destroyed" on some platforms; this kit runs on Linux, where POSIX shared memory is
  a name in ``/dev/shm``). Once ``unlink()`` returned, the system no longer holds the block's name
  and attaching by it raises; ``unlink()`` and ``close()`` may come in either order.
- shared_memory.track (3.13): with ``track=True`` (the default) the block is registered with a
  resource tracker, which "ensures proper cleanup of the shared memory even if all other
  processes with access to the memory exit without doing so"; "Python processes created in any
  other way [than from a common ancestor through multiprocessing] will receive their own resource
  tracker". So a block that a separate Python program creates and does not unlink is unlinked
  once that program (and its tracker) has exited; with ``track=False`` nothing tracks it and it
  outlives the program.

ShareableList(sequence=None, \\*, name=None)
  "A mutable list-like object where all values stored within are stored in a shared memory
  block", constrained to ``int`` (3.13: "signed 64-bit"), ``float``, ``bool``, ``str`` and
  ``bytes`` (each "less than 10M bytes", 3.13: "when encoded as UTF-8") and ``None``; its length
  cannot change.

- shared_memory.list_values: each value of ``sequence`` is read back, in any process attached to
  the list, equal to the value and of the same type (a float bit for bit, NaN as NaN). A known
  issue, documented since 2023 ("How to work around the ShareableList rstrip problem",
  gh-106939): a ``str`` or ``bytes`` ending in NUL "may be silently stripped" of its trailing NULs
  when fetched; such a value may come back as the value without them.
- shared_memory.list_index: ``len()`` is the length of the sequence, always; ``l[i]`` and
  ``l[i] = v`` take ``-len(l) <= i < len(l)``, negative indices counting from the end, as for a
  list ("list-like"); any other index raises IndexError.
- shared_memory.list_assign: "Changing data types is supported": an ``int``, ``float``, ``bool``
  or ``None`` assigned to any item is stored (read back as list_values says); so is a ``str`` or
  ``bytes`` no longer, encoded, than the ``str`` or ``bytes`` the item was created with, or of at
  most 7 bytes in an item created with an ``int`` or a ``float`` (the documentation's
  ``a[2] = 'dry ice'``). A ``str`` or ``bytes`` "larger than previously allocated storage space"
  raises ValueError and leaves the item as it was; the kit assigns ones longer than the whole
  block (``shm.size``), larger than any item's storage.
- shared_memory.list_count: ``count(value)`` "returns the number of occurrences of value" (items
  equal to it, as for a list), ``index(value)`` "returns first index position of value" and
  "raises ValueError if value is not present".
- shared_memory.list_format: ``format`` is "the struct packing format used by all currently
  stored values": a format ``struct`` accepts, describing exactly ``len(l)`` values in order
  (padding aside), each fit for the value stored: ``'q'`` (a standard signed 64-bit integer) for
  an int, ``'d'`` for a float, ``'?'`` for a bool, and an ``'s'`` field at least as long as the
  encoded value for a str or bytes; it follows assignments.
- shared_memory.list_attach: ``shm`` is "the SharedMemory instance where the values are stored",
  and ``ShareableList(name=l.shm.name)`` in another process attaches to the same list: values
  written through either are read through the other.

SharedMemoryManager([address[, authkey]]) (``multiprocessing.managers``)

- shared_memory.manager: ``SharedMemory(size)`` and ``ShareableList(sequence)`` of a started
  manager create blocks; ``shutdown()`` "triggers a SharedMemory.unlink() call on all of the
  SharedMemory objects managed by that process", and used in a ``with`` statement "the shared
  memory blocks created using that manager are all released when the with statement's code
  block finishes execution": once either returned, the system holds none of them.

What the docstrings and code say, and the documentation does not, is not checked. CPython
raises ValueError for ``create=True`` with ``size`` 0 or negative (its code; the documentation
gives ``size`` no bound, and a change under review lets ``size=0`` attach); which exception
attaching by an unknown name or creating an existing one raises (CPython: FileNotFoundError and
FileExistsError, from ``shm_open``; the documentation names none, so any exception is a refusal).

Not promised, so not checked: the initial contents of a new block (zeros on Linux); the form of
generated names (``psm_`` and hexadecimal digits in CPython); how much larger than the request a
block is; the storage an item of a ShareableList has beyond the rules above (CPython rounds a
str or bytes up to a multiple of 8 bytes; a value longer than the item it replaces but shorter
than its storage may or may not fit); what becomes of a ``str`` or ``bytes`` with trailing NULs
(the documented known issue above) or of an int beyond 64 bits (struct.error in CPython); slices
of a ShareableList (documented as not creating new lists, otherwise unspecified); what
``unlink()`` twice raises; whether processes from a common ancestor share one resource tracker
(3.13 documents it; under fork, siblings whose ancestor had started no tracker each start their
own, and one that only attached to a block unlinks it as it exits: the kit attaches from children
of the creating process, which share its tracker); the tracker before 3.13, where this module's
documentation does not speak of it (``multiprocessing``'s "Contexts and start methods" says that
spawn and forkserver start one that unlinks what the program's processes left once all have
exited); access to a block after ``unlink()`` ("may result in memory access errors"); Windows
(``unlink()`` does nothing there).
"""

import re
import struct

from . import declare, expect, returned

CLAUSES = declare(
    "shared_memory",
    create="SharedMemory(create=True, size=n) makes a block whose size is at least n and whose buf "
           "is a memoryview of exactly size bytes, written and read back",
    name="a block created with name=None gets a new str name, distinct from every other block's, "
         "and one created with a name has that name",
    readonly="SharedMemory's name and size and ShareableList's format are read-only: assigning "
             "one raises AttributeError",
    attach="SharedMemory(name) in another process attaches to the same block (same name and size, "
           "bytes written through either read through the other), and attaching by a name no "
           "block has raises",
    unique="creating a block with the name of an existing block raises",
    unlink="close() leaves the block on the system; once unlink() returned the system no longer "
           "holds its name and attaching by it raises",
    track="(3.13) a block a separate program creates and leaves is unlinked once that program "
          "and its resource tracker exited when created with track=True or by default, and "
          "outlives it with track=False",
    list_values="each value of ShareableList(sequence) is read back, in any process attached to "
                "it, equal and of the same type (int, float, bool, str, bytes, None; a str or "
                "bytes may lose trailing NULs, a documented known issue)",
    list_index="len() of a ShareableList is its sequence's length; items are read and assigned at "
               "-len <= i < len, negative from the end, and any other index raises IndexError",
    list_assign="an int, float, bool or None assigned to any item, or a str or bytes within the "
                "item's storage, is stored; a str or bytes longer than the block raises "
                "ValueError and leaves the item unchanged",
    list_count="count(v) is the number of items equal to v; index(v) the first position of one, "
               "and ValueError when there is none",
    list_format="format is a struct format describing exactly the values stored, in order: 'q' "
                "for an int, 'd' for a float, '?' for a bool, an 's' field at least as long as a "
                "str or bytes encoded",
    list_attach="a ShareableList's shm is a SharedMemory, and ShareableList(name=shm.name) in "
                "another process attaches to the same list: values written through either are "
                "read through the other",
    manager="the SharedMemory blocks and ShareableLists a SharedMemoryManager made are no longer "
            "on the system once its shutdown() returned, or its with block ended",
)

#: The struct codes of a ShareableList's values, by the type of the value stored (None: any).
FORMAT_CODES = {int: "q", float: "d", bool: "?", str: "s", bytes: "s"}
_FIELD = re.compile(r"(\d*)([xcbB?hHiIlLqQnNefdspP])")


def reset(ctx, *args, **kwargs) -> bool:
    """The object of an example is the implementation's context, which holds no state an example
    changes: it serves every example."""
    return True


def _ops(history, name, label=None, proc=0):
    """The ops of ``proc`` that are the macro ``shared_memory:<name>`` about ``label``."""
    return [op for op in history.of(proc) if op.call == "@shared_memory:" + name
            and (label is None or op.step.args[:1] == (label,))]


def _one(history, name, label, prop, what, proc=0):
    found = _ops(history, name, label, proc)
    expect(found, prop, "%s: no %s step of %s ran" % (what, name, label), history)
    returned(history, found[:1], prop, what)
    return found[0]


def same(got, want):
    """Whether ``got`` is ``want``, as a ShareableList must give it back: equal and of the same
    type; a float bit for bit (NaN as NaN, -0.0 not 0.0)."""
    if type(got) is not type(want):
        return False
    if type(want) is float:
        return struct.pack("<d", got) == struct.pack("<d", want) or (got != got and want != want)
    return got == want


def same_or_stripped(got, want):
    """:func:`same`, or, for a str or bytes, ``want`` without its trailing NULs (the documented
    known issue of ShareableList)."""
    if same(got, want):
        return True
    if type(want) is str:
        return same(got, want.rstrip("\0"))
    if type(want) is bytes:
        return same(got, want.rstrip(b"\0"))
    return False


# -- SharedMemory --------------------------------------------------------------------------------


def check_created(history, label, size, name=None, proc=0):
    """The ``create`` step of ``label`` returned a block of at least ``size`` bytes, its ``buf`` a
    writable memoryview of ``size`` bytes, named ``name`` if one was given. Returns its name."""
    op = _one(history, "create", label, "shared_memory.create", "creating %s" % label, proc)
    got_name, got_size, buf_type, buf_len, readonly = op.result
    expect(type(got_name) is str, "shared_memory.name", "%s.name is %r, not a str"
           % (label, got_name), history, [op])
    if name is not None:
        expect(got_name == name, "shared_memory.name", "%s was created with the name %r, yet its "
               "name is %r" % (label, name, got_name), history, [op])
    expect(type(got_size) is int and got_size >= size, "shared_memory.create",
           "%s was asked for %d bytes: its size is %r" % (label, size, got_size), history, [op])
    expect(buf_type == "memoryview" and buf_len == got_size and readonly is False,
           "shared_memory.create", "%s.buf is a %s of %d bytes%s, its size %r" % (
               label, buf_type, buf_len, " (read-only)" if readonly else "", got_size),
           history, [op])
    return got_name


def check_distinct(history, labels, proc=0):
    """The blocks ``labels`` created with generated names have distinct names."""
    names = {}
    for label in labels:
        for op in _ops(history, "create", label, proc):
            if op.ok:
                names.setdefault(op.result[0], []).append(op)
    for name, ops in names.items():
        expect(len(ops) == 1, "shared_memory.name", "%d blocks were given the same generated "
               "name %r" % (len(ops), name), history, ops)


def check_written(history, label, offset, data, clause="shared_memory.create", proc=0):
    """The first ``read`` of ``label`` at ``offset`` after the ``write`` of ``data`` there
    returned ``data``."""
    writes = [op for op in _ops(history, "write", label, proc) if op.step.args[1] == offset
              and op.step.args[2] == data]
    returned(history, writes, clause, "writing %s.buf" % label)
    if not writes:
        return
    reads = [op for op in _ops(history, "read", label, proc) if op.start >= writes[0].end
             and op.step.args[1:] == (offset, len(data))]
    returned(history, reads[:1], clause, "reading %s.buf" % label)
    for op in reads[:1]:
        expect(op.result == data, clause, "%s.buf[%d:%d] read %r after %r was written there"
               % (label, offset, offset + len(data), op.result, data), history, [writes[0], op])


def check_peer(history, label, name, size, offset, data, data_offset, data_back, proc=0):
    """The child that attached to ``name`` saw its name and size, read ``data`` (written by the
    worker before), and the worker then read ``data_back``, which the child wrote."""
    (op,) = [o for o in history.of(proc) if o.call == "@shared_memory:child"
             and o.step.args[:2] == (label, "peer_block")]
    returned(history, [op], "shared_memory.attach", "a child attaching to %s by its name" % label)
    seen_name, seen_size, seen = op.result
    expect(seen_name == name and seen_size == size, "shared_memory.attach",
           "a child attached to %r: it saw name %r and size %r, not %r and %r"
           % (name, seen_name, seen_size, name, size), history, [op])
    expect(seen == data, "shared_memory.attach", "a child read %r where the worker had written %r"
           % (seen, data), history, [op])
    after = [o for o in _ops(history, "read", label, proc) if o.start >= op.end
             and o.step.args[1:] == (data_offset, len(data_back))]
    returned(history, after, "shared_memory.attach", "reading what the child wrote")
    for o in after[:1]:
        expect(o.result == data_back, "shared_memory.attach", "the worker read %r where its "
               "child had written %r" % (o.result, data_back), history, [op, o])


def check_refused(history, name, clause, what, proc=0, label=None):
    """Every step ``name`` (of ``label``) raised: what the clause says must be refused."""
    for op in _ops(history, name, label, proc):
        expect(not op.ok, clause, "%s: %s returned %r" % (what, op.step.describe(), op.result),
               history, [op])


def check_readonly(history, proc=0):
    """Every ``assign`` step raised AttributeError."""
    for op in _ops(history, "assign", None, proc):
        expect(op.error == "AttributeError", "shared_memory.readonly", "%s (a read-only "
               "attribute): %s, not AttributeError" % (op.step.describe(), op.outcome()),
               history, [op])


def check_lifetime(history, label, proc=0):
    """``exists`` steps of ``label``: True before its ``unlink``, False after it returned."""
    unlinks = [op for op in _ops(history, "unlink", label, proc)]
    returned(history, unlinks[:1], "shared_memory.unlink", "unlink() of %s" % label)
    done = unlinks[0].end if unlinks else float("inf")
    for op in _ops(history, "exists", label, proc):
        returned(history, [op], "shared_memory.unlink", "looking for %s on the system" % label)
        want = op.start < done
        expect(op.result is want, "shared_memory.unlink", "%s: the system %s the block %s" % (
            op.step.describe(), "holds" if op.result else "no longer holds",
            "after unlink() returned" if not want else "before unlink() (close() alone)"),
            history, unlinks[:1] + [op])


def check_track(history, track, proc=0):
    """The separate program's block was left on the system exactly when ``track`` is False."""
    (op,) = _ops(history, "program", None, proc)
    returned(history, [op], "shared_memory.track", "a separate program leaving a block")
    name, left = op.result
    want = track is False
    expect(left is want, "shared_memory.track", "a block created with %s by a separate program "
           "that exited without unlinking it was %s once the program and its tracker had ended"
           % ("the default track" if track is None else "track=%r" % track,
              "still on the system" if left else "gone"), history, [op])


# -- ShareableList -------------------------------------------------------------------------------


def check_list_made(history, label, values, proc=0):
    """``make_list`` of ``label`` returned; its ``shm`` is a SharedMemory, its length that of
    ``values``. Returns its name."""
    op = _one(history, "make_list", label, "shared_memory.list_values",
              "ShareableList(%d values)" % len(values), proc)
    name, is_shm, length, _size = op.result
    expect(is_shm is True, "shared_memory.list_attach", "%s.shm is not a SharedMemory" % label,
           history, [op])
    expect(length == len(values), "shared_memory.list_index", "len() of a ShareableList of %d "
           "values is %r" % (len(values), length), history, [op])
    return name


def check_items(history, op, want, clause, what):
    """``op`` (an ``items`` step, or a list of values) read ``want``, value by value."""
    ops = [op] if hasattr(op, "result") else []
    returned(history, ops, clause, what)
    got = op.result if ops else op
    expect(len(got) == len(want), "shared_memory.list_index", "%s: %d items, not %d"
           % (what, len(got), len(want)), history, ops)
    for i, (g, w) in enumerate(zip(got, want)):
        expect(same_or_stripped(g, w), clause, "%s: item %d is %r (%s), not %r (%s)" % (
            what, i, g, type(g).__name__, w, type(w).__name__), history, ops)


def check_peer_list(history, label, values, writes, queries, proc=0):
    """What the child attached to list ``label`` saw (``values``), by positive and negative index;
    the worker then reads its ``writes``; the child's queries and format are checked against the
    list as the worker reads it after the child."""
    (op,) = [o for o in history.of(proc) if o.call == "@shared_memory:child"
             and o.step.args[:2] == (label, "peer_list")]
    returned(history, [op], "shared_memory.list_attach",
             "a child attaching to %s by the name of its shm" % label)
    facts, seen, backwards, answers, fmt = op.result
    expect(facts[2] == len(values), "shared_memory.list_index", "len() of %s in a child is %r, "
           "not %d" % (label, facts[2], len(values)), history, [op])
    check_items(history, seen, values, "shared_memory.list_values", "what a child read of %s"
                % label)
    expect(len(backwards) == len(seen) and all(same(b, s) for b, s in zip(backwards, seen)),
           "shared_memory.list_index", "a child read %s at -%d..-1 as %r, and at 0..%d as %r"
           % (label, len(seen), backwards, len(seen) - 1, seen), history, [op])
    model = list(values)
    for i, v in writes:
        model[i] = v
    later = [o for o in _ops(history, "items", label, proc) if o.start >= op.end]
    returned(history, later[:1], "shared_memory.list_attach", "reading %s after a child wrote"
             % label)
    check_items(history, later[0], model, "shared_memory.list_attach",
                "%s read by the worker after its child assigned %s" % (label, writes))
    stored = later[0].result
    for (what, value), answer in zip(queries, answers):
        check_query(history, what, value, answer, stored, [op])
    check_format(history, fmt, stored, [op], "%s.format in a child" % label)


def check_query(history, what, value, answer, stored, ops):
    """``answer`` to ``count(value)`` or ``index(value)`` over the items ``stored``."""
    hits = [i for i, v in enumerate(stored) if v == value]
    if what == "count":
        want = ("ok", len(hits))
    else:
        want = ("ok", hits[0]) if hits else ("raised", "ValueError")
    expect(tuple(answer) == want, "shared_memory.list_count", "%s(%r) over %r: %r, not %r"
           % (what, value, stored, tuple(answer), want), history, ops)


def check_format(history, fmt, stored, ops, what):
    """``fmt`` describes the values ``stored``, in order."""
    expect(type(fmt) is str, "shared_memory.list_format", "%s is %r, not a str" % (what, fmt),
           history, ops)
    try:
        struct.calcsize(fmt)
        ok = True
    except struct.error:
        ok = False
    expect(ok, "shared_memory.list_format", "%s is %r, which struct refuses" % (what, fmt),
           history, ops)
    fields = [(int(n) if n else 1, code) for n, code in _FIELD.findall(fmt) if code != "x"]
    expect(len(fields) == len(stored), "shared_memory.list_format", "%s is %r: %d fields for %d "
           "values %r" % (what, fmt, len(fields), len(stored), stored), history, ops)
    for (n, code), value in zip(fields, stored):
        want = FORMAT_CODES.get(type(value))
        if want is None:
            continue
        fits = code == want and (want != "s" or n >= len(
            value.encode("utf-8") if type(value) is str else value))
        expect(fits, "shared_memory.list_format", "%s is %r: the field %s%s for the value %r"
               % (what, fmt, n if n != 1 else "", code, value), history, ops)


def check_puts(history, label, plan, length, proc=0):
    """``plan``: ``(index, value, fits, previous)`` per ``put`` of ``label`` in program order, each
    followed by a ``get`` of the same index: a put that fits returned and the get read the value;
    one that does not (longer than the block) raised ValueError and the get read ``previous``, the
    item as it was. (Steps at an index outside ``-length..length-1`` are :func:`check_bounds`'s.)"""
    def inside(op):
        return -length <= op.step.args[1] < length

    puts = [op for op in _ops(history, "put", label, proc) if inside(op)]
    gets = [op for op in _ops(history, "get", label, proc) if inside(op)]
    for (i, value, fits, previous), put, got in zip(plan, puts, gets):
        returned(history, [got], "shared_memory.list_index", "reading item %d of %s" % (i, label))
        if fits:
            returned(history, [put], "shared_memory.list_assign", "assigning %r to item %d"
                     % (value, i))
            expect(same_or_stripped(got.result, value), "shared_memory.list_assign",
                   "item %d read %r (%s) after %r (%s) was assigned to it" % (
                       i, got.result, type(got.result).__name__, value, type(value).__name__),
                   history, [put, got])
        else:
            expect(put.error == "ValueError", "shared_memory.list_assign",
                   "assigning a value of %d bytes, longer than the whole block, to item %d: %s, "
                   "not ValueError" % (len(value), i, put.outcome()), history, [put])
            expect(same_or_stripped(got.result, previous), "shared_memory.list_assign",
                   "item %d read %r after a refused assignment, not %r as it was"
                   % (i, got.result, previous), history, [put, got])


def check_bounds(history, label, length, proc=0):
    """Every ``get`` or ``put`` of ``label`` at an index outside ``-length..length-1`` raised
    IndexError."""
    for name in ("get", "put"):
        for op in _ops(history, name, label, proc):
            i = op.step.args[1]
            if -length <= i < length:
                continue
            expect(op.error == "IndexError", "shared_memory.list_index", "%s on a list of %d: "
                   "%s, not IndexError" % (op.step.describe(), length, op.outcome()),
                   history, [op])


# -- SharedMemoryManager -----------------------------------------------------------------------


def check_manager(history, labels, proc=0):
    """Every block the manager made was on the system while it ran, and none is once it ended."""
    names = {}
    for label in labels:
        op = _one(history, "managed", label, "shared_memory.manager", "a block of the manager",
                  proc)
        name, there = op.result
        expect(there is True, "shared_memory.manager", "%s: the system does not hold the block "
               "%r the manager made" % (op.step.describe(), name), history, [op])
        names[name] = op
    (end,) = _ops(history, "end_manager", None, proc)
    returned(history, [end], "shared_memory.manager", "ending the manager")
    for op in _ops(history, "named", None, proc):
        if op.start >= end.end and op.step.args[0] in names:
            expect(op.ok and op.result is False, "shared_memory.manager",
                   "the block %r of the manager is still on the system after %s" % (
                       op.step.args[0], end.step.describe()), history, [names[op.step.args[0]],
                                                                         end, op])
