"""SharedMemory, ShareableList and SharedMemoryManager properties (see
``ipc_spec.specs.shared_memory`` for the semantics checked).

The object of an example is the implementation's context (``ctx``). Worker 0 creates the blocks and
lists of an example, and a *child* it starts with the context (``ctx.Process``, the start method
under test) attaches to them by name, reads what the worker wrote, and writes for the worker to
read (see ``ipc_spec.ops.shared_memory``). A child, not a second kit worker: processes that share
a common ancestor through multiprocessing share one resource tracker, and the kit's workers,
started by the host under fork before any tracker runs, would not.

Every example runs in two phases (the second needs the names the first made) on one allocation;
its last step, ``reap``, closes and unlinks what the program left. Every name made and every
manager process started goes to the example's ledger file, so that an example whose workers were
killed (a deadlock) is swept on a new crew: a property that ends, fails or deadlocks leaves no
block on the system. (Under fork a killed worker had a resource tracker of its own, which reclaims
its blocks as it dies, and warns that it did.)

Children and managers are the cost of this family (a process start is 3-7 ms under fork, about
25 ms under forkserver, about 100 ms under spawn, plus the imports of the child): each property
draws a share of the profile's examples. Under the ``ci`` profile on CPython 3.11 the family
takes about 2 s a start method (6 s for the three) with its known divergences listed (their
properties stop at the first failure, unshrunk), and 18 s for the three when they are not.

The properties are methods of :class:`SharedMemoryProperties`, bound to a *flavour*; the ones that
a known CPython divergence breaks are kept apart (``test_list_text``: str of any characters;
``test_list_bounds``: indices out of range), so that the other clauses keep their verdicts.
"""

import inspect
import os
import sys
import tempfile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import (Make, checks, macro, merged, property_settings, returned,
                                share_of_profile)
from ipc_spec.specs import shared_memory as spec

#: The share of the profile's examples each property draws (each example starts a child, a
#: manager or a separate program).
BLOCK_SHARE = 0.2
LIST_SHARE = 0.3
MANAGER_SHARE = 0.125
#: Largest block asked for: a few pages.
MAX_SIZE = 3 * 4096 + 17
#: Most items of a ShareableList.
MAX_ITEMS = 6


def shared_memory_settings(share):
    return share_of_profile(share, least=3)


def implementation(ctx):
    """The implementation's context, once its ``shared_memory`` module is found: an implementation
    without one (billiard) cannot build the object of this family (``shared_memory.construct``)."""
    if getattr(ctx, "SharedMemory", None) is None:
        import importlib

        from ipc_spec.ops.process import _package

        importlib.import_module(_package(ctx) + ".shared_memory")
    return ctx


implementation.clause = "shared_memory"


@st.composite
def bounds_plans(draw):
    """A ShareableList's values and one to three indices outside -len..len-1."""
    values = draw(st.lists(VALUES, max_size=MAX_ITEMS))
    n = len(values)
    outside = draw(st.lists(st.one_of(st.integers(n, n + 3), st.integers(-n - 3, -n - 1),
                                      st.just(2 ** 40)), min_size=1, max_size=3))
    return values, outside


class Native(object):
    """The implementation's own ``shared_memory`` module and ``SharedMemoryManager``."""

    name = "native"

    @staticmethod
    def context():
        return Make(implementation).recycled_by(spec.reset, often=True)


def step(function, *args, **kwargs):
    """The step ``ctx.shared_memory:<function>!(...)``: ``ipc_spec.ops.shared_memory.<function>``."""
    return macro("ctx", "shared_memory:" + function, *args, **kwargs)


def fresh_name():
    """A block name no other run uses (``psm_`` as the implementation's own, so that a leak check
    looking for those sees it)."""
    return "psm_ipc%s" % os.urandom(5).hex()


# -- values of a ShareableList ---------------------------------------------------------------

INTS = st.integers(-2 ** 63, 2 ** 63 - 1)
#: Surrogates (category Cs) cannot be encoded as UTF-8; newer Hypothesis calls the argument that
#: excludes them ``exclude_categories``, older ``blacklist_categories``.
EXCLUDE_CATEGORIES = ("exclude_categories" if "exclude_categories" in
                      inspect.signature(st.characters).parameters else "blacklist_categories")
TEXT = st.text(st.characters(**{EXCLUDE_CATEGORIES: ("Cs",)}), max_size=12)
ASCII = st.text(st.characters(max_codepoint=0x7F), max_size=12)
#: Values of every supported type; a str of ASCII characters (one byte each in UTF-8): a str of
#: any characters is test_list_text's, so that an implementation that breaks only those still
#: gets the other verdicts of test_list.
VALUES = st.one_of(INTS, st.floats(), st.booleans(), ASCII, st.binary(max_size=12), st.none())
NUMBERS = st.one_of(INTS, st.floats(), st.booleans(), st.none())


def encoded(value):
    return value.encode("utf-8") if type(value) is str else value


@st.composite
def fitting(draw, original):
    """A value that fits the item created with ``original``: any number, bool or None; a str or
    bytes no longer (encoded) than ``original`` if it was one, else of at most 7 bytes."""
    room = len(encoded(original)) if type(original) in (str, bytes) else 7
    if type(original) not in (str, bytes, int, float):
        room = 0
    kind = draw(st.sampled_from(("number", "str", "bytes")))
    if kind == "number" or room == 0:
        return draw(NUMBERS)
    if kind == "bytes":
        return draw(st.binary(max_size=room))
    text = draw(TEXT.filter(lambda t: len(t.encode("utf-8")) <= room))
    return text


class SharedMemoryProperties(object):
    """The shared_memory properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def run(self, ipc_env, first, then):
        """Run one example in worker 0: the program ``first``, then ``then(history)``'s program
        followed by ``reap``, on one allocation; returns both histories. A ledger file collects
        what the example made; if the example did not reach its ``reap`` and made something, what
        it left is swept (on the crew if it is alive, else on a new one)."""
        fd, ledger = tempfile.mkstemp(prefix="ipc-spec-shm-", suffix=".ledger")
        os.close(fd)
        reaped = False
        ipc_env.provision([self.flavour.context()], 1)
        try:
            objects = ipc_env.allocate({"ctx": self.flavour.context()}, 1)
            one = ipc_env.run(objects, [[step("begin", ledger)] + first])
            two = ipc_env.run(objects, [then(one) + [step("reap")]])
            reaped = True
            return one, two
        finally:
            try:
                if not reaped and os.path.getsize(ledger):
                    self._sweep(ipc_env, ledger)
            finally:
                os.unlink(ledger)

    def _sweep(self, ipc_env, ledger):
        try:
            ipc_env.run({"ctx": self.flavour.context()}, [[step("reap"), step("sweep", ledger)]])
        except Exception:  # the crew was lost: the sweep runs on a new one
            ipc_env.run({"ctx": self.flavour.context()}, [[step("sweep", ledger)]])

    @checks("shared_memory.attach", "shared_memory.create", "shared_memory.name",
            "shared_memory.readonly", "shared_memory.unique", "shared_memory.unlink")
    @shared_memory_settings(BLOCK_SHARE)
    @given(st.data())
    def test_block(self, ipc_env, data):
        """A block of a drawn size, named or not, and a second one with a generated name: its size
        is at least the size asked, its buf a memoryview of that size; bytes the worker writes
        are read by a child attached by name, and bytes the child writes are read by the worker;
        name and size are read-only; its name cannot be created again; close() leaves it on the
        system, and once unlink() returned it is gone and cannot be attached."""
        size = data.draw(st.integers(1, MAX_SIZE), label="size")
        name = fresh_name() if data.draw(st.booleans(), label="named") else None
        offset = data.draw(st.integers(0, size - 1), label="offset")
        payload = data.draw(st.binary(min_size=1, max_size=min(64, size - offset)), label="data")
        back_at = data.draw(st.integers(0, size - 1), label="child's offset")
        back = data.draw(st.binary(min_size=1, max_size=min(64, size - back_at)), label="child's")
        first = [step("create", "m", size, called=name), step("create", "n", 8)]

        def then(one):
            made = [op.result[0] for op in one.ops if op.call == "@shared_memory:create" and op.ok]
            if len(made) < 2:
                return []
            block = made[0]
            return [
                step("write", "m", offset, payload), step("read", "m", offset, len(payload)),
                step("child", "m", "peer_block", block, offset, len(payload), back_at, back),
                step("read", "m", back_at, len(back)),
                step("assign", "m", "name", fresh_name()), step("assign", "m", "size", size + 1),
                step("create", "dup", 8, called=block), step("attach", "none", fresh_name()),
                step("exists", "m"), step("close", "m"), step("exists", "m"),
                step("unlink", "m"), step("exists", "m"), step("attach", "gone", block),
            ]

        one, two = self.run(ipc_env, first, then)
        block = spec.check_created(one, "m", size, name=name)
        spec.check_created(one, "n", 8)
        spec.check_distinct(one, ["m", "n"])
        spec.check_written(two, "m", offset, payload)
        spec.check_peer(two, "m", block, one.select("ctx", "@shared_memory:create")[0].result[1],
                        offset, payload, back_at, back)
        spec.check_readonly(two)
        spec.check_refused(two, "create", "shared_memory.unique",
                           "creating a block with the name of an existing one", label="dup")
        spec.check_refused(two, "attach", "shared_memory.attach",
                           "attaching by a name no block has", label="none")
        spec.check_lifetime(two, "m")
        spec.check_refused(two, "attach", "shared_memory.unlink",
                           "attaching by the name of an unlinked block", label="gone")

    @checks("shared_memory.track")
    @property_settings(max_examples=3)
    @given(st.sampled_from((None, True, False)))
    def test_track(self, ipc_env, track):
        """(3.13) A separate Python program creates a block and exits without unlinking it: with
        track=True, or by default, its resource tracker unlinks it once the program has exited;
        with track=False it is still there (the kit then unlinks it)."""
        if sys.version_info < (3, 13):
            pytest.skip("SharedMemory(track=) and the tracker's documented cleanup are 3.13's")
        one, _ = self.run(ipc_env, [step("program", track)], lambda one: [])
        spec.check_track(one, track)

    @checks("shared_memory.list_attach", "shared_memory.list_values", "shared_memory.list_index",
            "shared_memory.list_assign", "shared_memory.list_count", "shared_memory.list_format",
            "shared_memory.readonly")
    @shared_memory_settings(LIST_SHARE)
    @given(st.data())
    def test_list(self, ipc_env, data):
        """A ShareableList of drawn values of every supported type (ASCII str): the worker and a child attached
        by the name of its shm read them back with their types, by positive and negative index;
        the child's assignments (within each item's storage) are read by the worker; the worker's
        own assignments are stored, one longer than the block is refused with ValueError and
        changes nothing; other indices raise IndexError; count, index and format describe what is
        stored; format is read-only. (Indices out of range are test_list_bounds'.)"""
        values = data.draw(st.lists(VALUES, max_size=MAX_ITEMS), label="values")
        n = len(values)
        writes = []
        if n:
            for i in data.draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True),
                               label="child assigns"):
                writes.append((i, data.draw(NUMBERS, label="child's value")))
        probes = data.draw(st.lists(VALUES, max_size=3), label="probes") + values[:2]
        queries = [(what, v) for v in probes for what in ("count", "index")]
        slots = data.draw(st.lists(VALUES, min_size=1, max_size=MAX_ITEMS), label="slots")
        plan = []
        for i in data.draw(st.lists(st.integers(-len(slots), len(slots) - 1), max_size=4),
                           label="worker assigns"):
            plan.append((i, data.draw(fitting(slots[i]), label="value")))
        oversize = data.draw(st.booleans(), label="too long")
        first = [step("make_list", "l", values), step("items", "l"),
                 step("make_list", "s", slots), step("items", "s")]

        def then(one):
            made = [op for op in one.ops if op.call == "@shared_memory:make_list" and op.ok]
            if len(made) < 2:
                return []
            program = [step("child", "l", "peer_list", made[0].result[0], writes, queries),
                       step("items", "l")]
            for i, value in plan:
                program += [step("put", "s", i, value), step("get", "s", i)]
            if oversize:
                program += [step("put", "s", 0, b"x" * (made[1].result[3] + 1)),
                            step("get", "s", 0)]
            program += [step("items", "s"), step("list_format", "s"),
                        step("assign", "s", "format", "q")]
            program += [step(what, "s", v) for v in slots[:2] for what in ("count", "index")]
            return program

        one, two = self.run(ipc_env, first, then)
        spec.check_list_made(one, "l", values)
        spec.check_list_made(one, "s", slots)
        for label, want in (("l", values), ("s", slots)):
            (op,) = [o for o in one.ops if o.call == "@shared_memory:items"
                     and o.step.args[0] == label]
            spec.check_items(one, op, want, "shared_memory.list_values",
                             "ShareableList(%r) read back" % (want,))
        spec.check_peer_list(two, "l", values, writes, queries)
        model = list(slots)
        expected = []
        for i, value in plan:
            expected.append((i, value, True, model[i]))
            model[i] = value
        if oversize:
            expected.append((0, b"x" * (one.select("ctx", "@shared_memory:make_list")[1]
                                        .result[3] + 1), False, model[0]))
        spec.check_puts(two, "s", expected, len(slots))
        (items,) = [o for o in two.ops if o.call == "@shared_memory:items" and o.step.args[0] == "s"]
        spec.check_items(two, items, model, "shared_memory.list_assign",
                         "the list after the worker's assignments")
        (fmt,) = [o for o in two.ops if o.call == "@shared_memory:list_format"]
        returned(two, [fmt], "shared_memory.list_format", "reading format")
        spec.check_format(two, fmt.result, items.result, [fmt], "format after assignments")
        for op in [o for o in two.ops if o.call in ("@shared_memory:count", "@shared_memory:index")]:
            answer = ("ok", op.result) if op.ok else ("raised", op.error)
            spec.check_query(two, op.call.rpartition(":")[2], op.step.args[1], answer,
                             items.result, [op])
        spec.check_readonly(two)

    @checks("shared_memory.list_values")
    @shared_memory_settings(MANAGER_SHARE)
    @given(st.lists(TEXT, min_size=1, max_size=MAX_ITEMS))
    def test_list_text(self, ipc_env, values):
        """A ShareableList of str of any characters (UTF-8 encoded, up to 4 bytes each) gives them
        back, in the worker and in a child attached by name."""
        one, two = self.run(ipc_env, [step("make_list", "l", values), step("items", "l")],
                            lambda one: [step("child", "l", "peer_list", one.ops[1].result[0],
                                              [], [])] if one.ops[1].ok else [])
        spec.check_list_made(one, "l", values)
        (op,) = [o for o in one.ops if o.call == "@shared_memory:items"]
        spec.check_items(one, op, values, "shared_memory.list_values",
                         "ShareableList(%r) read back" % (values,))
        (child,) = [o for o in two.ops if o.call == "@shared_memory:child"]
        returned(two, [child], "shared_memory.list_values", "a child reading the list")
        spec.check_items(two, child.result[1], values, "shared_memory.list_values",
                         "what a child read of ShareableList(%r)" % (values,))

    @checks("shared_memory.list_index")
    @shared_memory_settings(LIST_SHARE)
    @given(bounds_plans())
    @example(plan=([0] * MAX_ITEMS, [-MAX_ITEMS - 1]))
    def test_list_bounds(self, ipc_env, plan):
        """Reading or assigning an item of a ShareableList at an index outside -len..len-1 raises
        IndexError, and the list is unchanged (its own property: an implementation that breaks it
        still gets the other verdicts of test_list)."""
        values, outside = plan
        n = len(values)
        program = [step("make_list", "l", values)]
        for i in outside:
            program += [step("get", "l", i), step("put", "l", i, 0)]
        one, two = self.run(ipc_env, program + [step("items", "l")], lambda one: [])
        spec.check_list_made(one, "l", values)
        spec.check_bounds(one, "l", n)
        (op,) = [o for o in one.ops if o.call == "@shared_memory:items"]
        spec.check_items(one, op, values, "shared_memory.list_index",
                         "the list after assignments out of range")

    @checks("shared_memory.manager")
    @shared_memory_settings(MANAGER_SHARE)
    @given(st.lists(st.one_of(st.integers(1, MAX_SIZE).map(lambda n: ("shm", n)),
                              st.lists(VALUES, max_size=4).map(lambda v: ("list", v))),
                    min_size=1, max_size=3), st.booleans())
    def test_manager(self, ipc_env, made, entered):
        """A SharedMemoryManager, started or entered as a with statement, makes blocks and lists:
        each is on the system while it runs, and none is once shutdown() returned or the with
        block ended."""
        labels = ["b%d" % i for i in range(len(made))]
        first = [step("manager", "smm", entered=entered)]
        first += [step("managed", label, "smm", kind, arg) for label, (kind, arg) in zip(labels, made)]
        first.append(step("end_manager", "smm"))

        def then(one):
            return [step("named", op.result[0]) for op in one.ops
                    if op.call == "@shared_memory:managed" and op.ok]

        one, two = self.run(ipc_env, first, then)
        spec.check_manager(merged(one, two), labels)


class TestSharedMemory(SharedMemoryProperties):
    flavour = Native
