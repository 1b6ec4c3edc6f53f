"""dict, list and Namespace proxy properties (see ``ipc_spec.specs.proxy`` for the semantics
checked).

Every object is a proxy of the one ``SyncManager`` of the context in the host process
(``ipc_spec.ops.manager``), made in the host for one example and sent to its workers pickled, as
proxies are meant to be passed (``Make.sent``; a sent proxy is never recycled, so the documented
resets of ``ipc_spec.specs.proxy`` are stated, not used). Properties run in
phases: concurrent steps, then reads by every process once they are over, then rounds in which one
process acts alone and the others read what it left. What a round's calls must return is what a
plain ``dict``, ``list`` or namespace holding the same items returns (``spec.apply``).
"""

from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import (Make, call, checks, macro, pauses, property_settings, read,
                                share_of_profile, write)
from ipc_spec.linearizability import check_linearizable
from ipc_spec.ops import manager
from ipc_spec.specs import proxy as spec

DICT = Make(manager.managed_dict)
LIST = Make(manager.managed_list)
NAMESPACE = Make(manager.managed_Namespace)
NESTED = Make(manager.managed_nested)


def context(ctx):
    """The implementation's context: what a worker starts a manager of its own with."""
    return ctx


context.clause = "proxy"
CONTEXT = Make(context).recycled_by(spec.reset_context, often=True)

PROCS = 3
#: The share of the profile's examples for the property that starts a manager per example.
SHARE = 0.25
#: The keys the linearizability properties contend on.
HOT_KEYS = ("a", "b")
#: Values of a round's calls: few, so that ``remove``, ``index`` and ``count`` find some.
VALUES = st.integers(-2, 3)


def tag(proc, i):
    """A value no other step of the example writes: process ``proc``'s ``i``-th."""
    return 1000 * (proc + 1) + i


def items_of(result):
    """A dict's items as read (a list of pairs) as the model's state (a tuple of pairs)."""
    return tuple(tuple(pair) for pair in result)


def everyone_reads(env, objects, procs, step):
    """A phase in which every process runs ``step``."""
    return env.run(objects, [[step] for _ in range(procs)])


def check_agreed(history, procs, prop, what):
    """Every process read the same thing (the first one's read); returns it."""
    first = history.of(0)[0]
    spec.check_reads(history, range(procs), first.result, prop, what)
    return first.result


def run_rounds(env, objects, procs, rounds, kind, state, read_step, prop):
    """Round after round, one process runs its steps alone, each having the outcome a plain
    ``kind`` holding ``state`` gives; then every other process runs ``read_step`` and reads what it
    left."""
    for proc, steps in rounds:
        history = env.run(objects, [[]] * proc + [steps])
        state = spec.check_sequential(history, proc, kind, state, prop, "process %d alone" % proc)
        others = [p for p in range(procs) if p != proc]
        after = env.run(objects, [[] if p == proc else [read_step] for p in range(procs)])
        spec.check_reads(after, others, list(state), prop, "what process %d left" % proc)


# -- dict ----------------------------------------------------------------------------------------


def dict_key_step(what, key, value, pause=0.0):
    """One call on the key ``key`` of the dict proxy ``d``."""
    if what in ("__setitem__", "setdefault"):
        return call("d", what, key, value, pause=pause)
    if what == "update":
        return call("d", "update", {key: value}, pause=pause)
    return call("d", what, key, pause=pause)


KEY_CALLS = ("__setitem__", "__getitem__", "get", "__delitem__", "pop", "setdefault",
             "__contains__")


@st.composite
def dict_round_steps(draw, keys):
    """One process's calls of a round, on keys of ``keys`` (some there, some not)."""
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        what = draw(st.sampled_from(KEY_CALLS + ("update", "popitem", "clear", "__len__",
                                                 "pop_default", "get_default")))
        key, value = draw(st.sampled_from(keys)), draw(VALUES)
        if what in ("popitem", "clear", "__len__"):
            steps.append(call("d", what))
        elif what == "pop_default":
            steps.append(call("d", "pop", key, value))
        elif what == "get_default":
            steps.append(call("d", "get", key, value))
        else:
            steps.append(dict_key_step(what, key, value))
    return steps


@st.composite
def dict_plans(draw):
    procs = draw(st.integers(2, PROCS))
    writes = [[(draw(st.sampled_from(("__setitem__", "update", "setdefault"))), "p%d_%d" % (p, i),
                draw(VALUES), draw(pauses()))
               for i in range(draw(st.integers(1, 4)))] for p in range(procs)]
    keys = ("p0_0", "p1_0", "x", "y")
    rounds = draw(st.lists(st.tuples(st.integers(0, procs - 1), dict_round_steps(keys)),
                           min_size=1, max_size=3))
    return procs, writes, rounds


@st.composite
def key_programs(draw, calls, steps_of):
    """2 or 3 programs of 1-5 calls on the hot keys, each value written unique."""
    procs = draw(st.integers(2, PROCS))
    return [[steps_of(draw(st.sampled_from(calls)), draw(st.sampled_from(HOT_KEYS)), tag(p, i),
                      draw(pauses()))
             for i in range(draw(st.integers(1, 5)))] for p in range(procs)]


# -- list ----------------------------------------------------------------------------------------


def list_add_step(proc, what, values, pause):
    """``append``, ``extend`` or ``+=`` of process ``proc``'s ``values``."""
    if what == "append":
        return call("l", "append", values[0], pause=pause)
    return call("l", what, list(values), pause=pause)


@st.composite
def list_adds(draw, proc):
    """Process ``proc``'s adds: 1-4 of them, each of values tagged with it."""
    adds, count = [], 0
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(("append", "extend", "__iadd__")))
        n = 1 if what == "append" else draw(st.integers(0, 2))
        adds.append((what, [tag(proc, count + i) for i in range(n)], draw(pauses())))
        count += n
    return adds


INDICES = st.integers(-4, 4)
SLICES = st.builds(slice, st.none() | INDICES, st.none() | INDICES)


@st.composite
def list_round_steps(draw):
    """One process's calls of a round on the list proxy ``l``."""
    makers = {
        "append": lambda: (VALUES,), "extend": lambda: (st.lists(VALUES, max_size=2),),
        "insert": lambda: (INDICES, VALUES), "__setitem__": lambda: (INDICES, VALUES),
        "__getitem__": lambda: (INDICES,), "__delitem__": lambda: (INDICES,), "pop": lambda: (),
        "pop_at": lambda: (INDICES,), "remove": lambda: (VALUES,), "index": lambda: (VALUES,),
        "count": lambda: (VALUES,), "__len__": lambda: (), "reverse": lambda: (),
        "sort": lambda: (), "slice": lambda: (SLICES,),
        "slice_assign": lambda: (SLICES, st.lists(VALUES, max_size=3)),
        "__iadd__": lambda: (st.lists(VALUES, max_size=2),),
    }
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        what = draw(st.sampled_from(sorted(makers)))
        args = [draw(s) for s in makers[what]()]
        method = {"pop_at": "pop", "slice": "__getitem__",
                  "slice_assign": "__setitem__"}.get(what, what)
        steps.append(call("l", method, *args))
    return steps


@st.composite
def list_plans(draw):
    procs = draw(st.integers(2, PROCS))
    adds = [draw(list_adds(p)) for p in range(procs)]
    rounds = draw(st.lists(st.tuples(st.integers(0, procs - 1), list_round_steps()),
                           min_size=1, max_size=3))
    return procs, adds, rounds


LINEAR_CALLS = ("append", "insert", "pop", "pop0", "first", "last", "__len__", "whole")


def list_linear_step(what, value, pause):
    if what == "append":
        return call("l", "append", value, pause=pause)
    if what == "insert":
        return call("l", "insert", 0, value, pause=pause)
    if what == "pop0":
        return call("l", "pop", 0, pause=pause)
    if what in ("first", "last"):
        return call("l", "__getitem__", 0 if what == "first" else -1, pause=pause)
    if what == "whole":
        return call("l", "__getitem__", slice(None), pause=pause)
    return call("l", what, pause=pause)


@st.composite
def list_programs(draw):
    procs = draw(st.integers(2, PROCS))
    return [[list_linear_step(draw(st.sampled_from(LINEAR_CALLS)), tag(p, i), draw(pauses()))
             for i in range(draw(st.integers(1, 4)))] for p in range(procs)]


# -- Namespace and nested ------------------------------------------------------------------------


def namespace_step(what, name, value, pause):
    """A write, read or deletion of the attribute ``name`` of the Namespace proxy ``ns``."""
    if what == "write":
        return write("ns", name, value, pause=pause)
    if what == "read":
        return read("ns", name, pause=pause)
    return call("ns", "__delattr__", name, pause=pause)


NESTED_LIST_CALLS = ("append", "extend", "pop", "__len__", "insert", "remove")
NESTED_DICT_CALLS = ("__setitem__", "__getitem__", "pop", "setdefault", "clear", "update")


@st.composite
def nested_steps(draw):
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            what = draw(st.sampled_from(NESTED_LIST_CALLS))
            args = {"append": (draw(VALUES),), "extend": (draw(st.lists(VALUES, max_size=2)),),
                    "insert": (0, draw(VALUES)), "remove": (draw(VALUES),)}.get(what, ())
            steps.append(macro("n.dict", "proxy:inner", spec.NESTED_KEY, what, *args))
        else:
            what = draw(st.sampled_from(NESTED_DICT_CALLS))
            key = draw(st.sampled_from(spec.NAMES))
            args = {"__setitem__": (key, draw(VALUES)), "setdefault": (key, draw(VALUES)),
                    "update": ({key: draw(VALUES)},), "clear": ()}.get(what, (key,))
            steps.append(macro("n.list", "proxy:inner", 0, what, *args))
    return steps


@st.composite
def nested_plans(draw):
    procs = draw(st.integers(2, PROCS))
    rounds = draw(st.lists(st.tuples(st.integers(0, procs - 1), nested_steps()),
                           min_size=1, max_size=3))
    return procs, rounds


TALLY_CALLS = st.one_of(st.tuples(st.just("add"), st.integers(-5, 5)).map(list),
                        st.sampled_from((["total"], ["seen"], ["_secret"])))


@st.composite
def user_manager_plans(draw):
    """``(procs, key, intruder, wrong key, calls of each visitor, values for m.Tally())``."""
    procs = draw(st.integers(2, PROCS))
    key = draw(st.none() | st.binary(min_size=1, max_size=32))
    calls = [draw(st.lists(TALLY_CALLS, min_size=1, max_size=5)) for _ in range(procs - 1)]
    intruder = draw(st.none() | st.integers(1, procs - 1))
    wrong = None if intruder is None else draw(
        st.binary(min_size=1, max_size=32).filter(lambda k: k != key))
    return procs, key, intruder, wrong, calls, draw(st.lists(st.integers(-5, 5), max_size=3))


@st.composite
def copy_plans(draw):
    """``(processes, how the copy is let go, writes)``: 2 to 4 writes of drawn values to keys
    ``a``..``c`` (the first opens the connection, the others run with the collector at work)."""
    writes = draw(st.lists(st.tuples(st.sampled_from(spec.NAMES), st.integers(-5, 5)),
                           min_size=2, max_size=4))
    return draw(st.integers(1, PROCS)), draw(st.sampled_from(("raised", "cycle", "plain"))), writes


class TestProxy(object):
    """A Manager's dict, list and Namespace proxies, and proxies nested in them."""

    @checks("proxy.dict_shared")
    @property_settings()
    @given(dict_plans())
    @example(plan=(2, [[("__setitem__", "p0_0", 1, 0.0)], [("__setitem__", "p1_0", 2, 0.0)]],
                   [(0, [call("d", "popitem"), call("d", "popitem")])]))
    def test_dict_shared(self, ipc_env, plan):
        """Processes write keys of their own at once (``d[k] = v``, ``update``, ``setdefault``);
        then every process reads the same items, exactly those written. Then, round after round,
        one process makes drawn calls alone, each returning what a dict holding the same items
        returns, and every other process reads the items it left, in the dict's order."""
        procs, writes, rounds = plan
        prop = "proxy.dict_shared"
        ipc_env.provision([DICT], PROCS)
        objects = ipc_env.allocate({"d": DICT}, procs)
        ipc_env.run(objects, [[dict_key_step(what, key, value, pause)
                               for what, key, value, pause in row] for row in writes])
        read_items = macro("d", "proxy:items")
        seen = everyone_reads(ipc_env, objects, procs, read_items)
        agreed = check_agreed(seen, procs, prop, "the items once every writer was done")
        written = sorted((key, value) for row in writes for _, key, value, _ in row)
        spec.expect(sorted(items_of(agreed)) == sorted(written), prop,
                    "writers of different keys at once: the dict holds %r, they wrote %r"
                    % (sorted(items_of(agreed)), written), seen, seen.of(0))
        run_rounds(ipc_env, objects, procs, rounds, "dict", items_of(agreed), read_items, prop)

    @checks("proxy.dict_linearizable")
    @property_settings()
    @given(key_programs(KEY_CALLS, dict_key_step))
    @example(programs=[[dict_key_step("__setitem__", "a", tag(0, 0)),
                        dict_key_step("__getitem__", "a", None),
                        dict_key_step("__setitem__", "a", tag(0, 1)),
                        dict_key_step("__getitem__", "a", None)], []])
    def test_dict_linearizable(self, ipc_env, programs):
        """2 or 3 processes call ``d[k] = v``, ``d[k]``, ``get``, ``del``, ``pop``,
        ``setdefault`` and ``in`` on two keys at once (every value written once): the history is
        linearizable, key by key, against a dict."""
        ipc_env.provision([DICT], PROCS)
        history = ipc_env.run({"d": DICT}, programs)
        for key, ops in sorted(spec.by_key(history.select("d")).items()):
            check_linearizable(ops, {"d": spec.Like("dict")}, "proxy.dict_linearizable")

    @checks("proxy.list_shared")
    @property_settings()
    @given(list_plans())
    def test_list_shared(self, ipc_env, plan):
        """Processes append and extend at once (``append``, ``extend``, ``+=``); then every process
        reads the same items: each one added exactly once, each process's in the order it added
        them. Then, round after round, one process makes drawn calls alone, each returning what a
        list holding the same items returns, and every other process reads the list it left."""
        procs, adds, rounds = plan
        prop = "proxy.list_shared"
        ipc_env.provision([LIST], PROCS)
        objects = ipc_env.allocate({"l": LIST}, procs)
        ipc_env.run(objects, [[list_add_step(p, what, values, pause)
                               for what, values, pause in row] for p, row in enumerate(adds)])
        whole = call("l", "__getitem__", slice(None))
        seen = everyone_reads(ipc_env, objects, procs, whole)
        agreed = check_agreed(seen, procs, prop, "the items once every process was done adding")
        added = [v for row in adds for _, values, _ in row for v in values]
        spec.expect(sorted(agreed) == sorted(added), prop,
                    "processes adding at once: the list holds %r, they added %r (each once)"
                    % (agreed, sorted(added)), seen, seen.of(0))
        for p, row in enumerate(adds):
            own = [v for _, values, _ in row for v in values]
            spec.expect([v for v in agreed if v in own] == own, prop,
                        "process %d added %r in that order; the list holds them as %r"
                        % (p, own, [v for v in agreed if v in own]), seen, seen.of(0))
        run_rounds(ipc_env, objects, procs, rounds, "list", tuple(agreed), whole, prop)

    @checks("proxy.list_linearizable")
    @property_settings()
    @given(st.lists(VALUES, max_size=3), list_programs())
    @example(initial=[], programs=[[list_linear_step("append", tag(p, i), 0.0) for i in range(3)]
                                   + [list_linear_step("whole", None, 0.0)] for p in range(3)])
    @example(initial=[1, 2, 3], programs=[[list_linear_step("pop", None, 0.0)],
                                          [list_linear_step("pop0", None, 0.0)]])
    def test_list_linearizable(self, ipc_env, initial, programs):
        """The list holds ``initial`` (put there in a phase before); then 2 or 3 processes call
        ``append``, ``insert(0, v)``, ``pop()``, ``pop(0)``, ``l[0]``, ``l[-1]``, ``len`` and
        ``l[:]`` at once (every value added once): the history is linearizable against a list."""
        ipc_env.provision([LIST], PROCS)
        objects = ipc_env.allocate({"l": LIST}, len(programs))
        if initial:
            ipc_env.run(objects, [[call("l", "extend", initial)]])
        history = ipc_env.run(objects, programs)
        check_linearizable(history, {"l": spec.Like("list", initial)}, "proxy.list_linearizable")

    @checks("proxy.namespace")
    @property_settings()
    @given(key_programs(("write", "read", "__delattr__"), namespace_step), st.integers(),
           pauses())
    def test_namespace(self, ipc_env, programs, private, pause):
        """2 or 3 processes write, read and delete two attributes of a Namespace at once (every
        value written once); then every process reads every attribute: the whole history is
        linearizable, attribute by attribute, against a namespace (an attribute never set, or
        deleted, raises AttributeError). Then process 0 sets ``_private`` and reads it back, and
        process 1 finds no such attribute: a name beginning with ``_`` is the proxy's own."""
        prop = "proxy.namespace"
        procs = len(programs)
        ipc_env.provision([NAMESPACE], PROCS)
        objects = ipc_env.allocate({"ns": NAMESPACE}, procs)
        history = ipc_env.run(objects, programs)
        reads = [read("ns", name) for name in spec.NAMES]
        after = ipc_env.run(objects, [reads for _ in range(procs)])
        for name, ops in sorted(spec.by_key(history.select("ns") + after.select("ns")).items()):
            check_linearizable(ops, {"ns": spec.Like("namespace")}, prop)
        own = ipc_env.run(objects, [[write("ns", "_private", private), read("ns", "_private")],
                                    [read("ns", "_private", pause=pause)]])
        written, read_back = own.of(0)
        spec.returned(own, [written, read_back], prop, "a proxy's own attribute, set and read")
        spec.expect(read_back.result == private, prop,
                    "ns._private = %r, then ns._private read %r in the same process"
                    % (private, read_back.result), own, [written, read_back])
        elsewhere = own.of(1)[0]
        spec.expect(elsewhere.error == "AttributeError", prop,
                    "ns._private, set by process 0 on its proxy, read in process 1: %s, expected "
                    "AttributeError (\"an attribute beginning with '_' will be an attribute of "
                    "the proxy and not an attribute of the referent\")" % (
                        "raised " + elsewhere.error if elsewhere.error
                        else "returned %r" % (elsewhere.result,)), own, [elsewhere])
        ipc_env.run(objects, [[call("ns", "__delattr__", "_private")]])

    @checks("proxy.nested")
    @property_settings()
    @given(nested_plans())
    def test_nested(self, ipc_env, plan):
        """A dict proxy holding a list proxy (``d["k"]``) and a list proxy holding a dict proxy
        (``l[0]``): round after round, one process calls methods through ``d["k"]`` and
        ``l[0]``, each returning what a plain list or dict holding the same items returns; then
        every process reads both, and finds what that process left."""
        procs, rounds = plan
        prop = "proxy.nested"
        ipc_env.provision([NESTED], PROCS)
        objects = ipc_env.allocate({"n": NESTED}, procs)
        reads = [macro("n.dict", "proxy:inner_read", spec.NESTED_KEY),
                 macro("n.list", "proxy:inner_read", 0)]
        states = {"list": (), "dict": ()}
        for proc, steps in rounds:
            history = ipc_env.run(objects, [[]] * proc + [steps])
            for op in history.of(proc):
                kind = "list" if op.obj == "n.dict" else "dict"
                method, args = op.step.args[1], op.step.args[2:]
                error, result, after = spec.apply(kind, states[kind], call(kind, method, *args))
                spec.expect(spec.matches(op, error, result), prop,
                            "process %d alone, through %s: on a %s holding %r, %s(%s) %s, but "
                            "the proxy's %s" % (
                                proc, "d[%r]" % spec.NESTED_KEY if kind == "list" else "l[0]",
                                kind, list(states[kind]), method, ", ".join(map(repr, args)),
                                "raised %s" % error if error else "returned %r" % (result,),
                                "raised %s" % op.error if op.error
                                else "returned %r" % (op.result,)), history, [op])
                states[kind] = after
            seen = ipc_env.run(objects, [reads for _ in range(procs)])
            for p in range(procs):
                in_list, in_dict = seen.of(p)
                spec.returned(seen, [in_list, in_dict], prop, "reading d[%r] and l[0]"
                              % spec.NESTED_KEY)
                for op, kind in ((in_list, "list"), (in_dict, "dict")):
                    want = list(states[kind])
                    spec.expect(spec.matches(op, None, want), prop,
                                "process %d read %s as %r after process %d's round; it holds %r"
                                % (p, "d[%r]" % spec.NESTED_KEY if kind == "list" else "l[0]",
                                   op.result, proc, want), seen, [op])

    @checks("proxy.copies")
    @property_settings()
    @given(copy_plans())
    @example(plan=(2, "cycle", [("a", 1), ("b", 2), ("a", 3)]))
    def test_copies(self, ipc_env, plan):
        """Process 0 receives the dict proxy a second time (unpickles a copy), lets the copy go
        (at once, after a KeyError raised through it, or from a reference cycle), and writes
        through its first proxy, then again while the garbage collector runs at nearly every
        allocation; every write returns, and then every process reads each written key's last
        value."""
        procs, how, writes = plan
        ipc_env.provision([DICT], PROCS)
        objects = ipc_env.allocate({"d": DICT}, procs)
        wrote = ipc_env.run(objects, [[macro("d", "proxy:copied", how, writes)]])
        seen = everyone_reads(ipc_env, objects, procs, macro("d", "proxy:items"))
        spec.check_copies(wrote, wrote.ops[0], how, writes, seen.ops)

    @checks("proxy.register", "proxy.connect", "proxy.authkey")
    @share_of_profile(SHARE)
    @given(user_manager_plans())
    @example(plan=(2, None, 1, b"wrong", [[["add", 1], ["_secret"], ["seen"]]], [2]))
    def test_user_manager(self, ipc_env, plan):
        """Process 0 starts the implementation's ``BaseManager`` with the kit's ``Tally`` and
        ``get_tally`` registered and a drawn authkey (or None). Then at once: process 0 adds 0-3
        values to ``m.Tally()``; each other process (one maybe first trying a wrong key, which
        must raise AuthenticationError) connects by address and key and calls ``add``,
        ``total``, ``seen`` and the unexposed ``_secret`` on ``get_tally(its name)``, each
        returning what a Tally returns. Then every process reads every Tally, and finds what its
        visitor left."""
        procs, key, intruder, wrong, calls, made = plan
        ipc_env.provision([CONTEXT], procs)
        objects = ipc_env.allocate({"ctx": CONTEXT}, procs)
        started = ipc_env.run(objects, [[macro("ctx", "manager:serve", key)]])
        spec.returned(started, started.of(0), "proxy.register", "process 0: BaseManager with "
                      "Tally registered, start()")
        address = started.of(0)[0].result
        names = ["t%d" % p for p in range(1, procs)]
        visits = ipc_env.run(objects, [[macro("ctx", "manager:made_here", made)]] + [
            [macro("ctx", "manager:visit", address, key, wrong if p == intruder else None,
                   names[p - 1], calls[p - 1])] for p in range(1, procs)])
        reads = ipc_env.run(objects, [[macro("ctx", "manager:read_tallies", address, key, names)]
                                      for _ in range(procs)])
        ipc_env.run(objects, [[macro("ctx", "manager:stop")]])
        shown_key = "authkey None" if key is None else "a %d-byte authkey" % len(key)
        states = []
        for p in range(1, procs):
            op = visits.of(p)[0]
            spec.returned(visits, [op], "proxy.authkey" if key is None else "proxy.connect",
                          "process %d: connect() by address with %s" % (p, shown_key))
            intruded, outcomes = op.result
            if intruded is not None:
                spec.check_intruder(visits, op, intruded, key, "process %d" % p)
            states.append(spec.check_tally_calls(
                visits, op, calls[p - 1], outcomes, "proxy.register",
                "process %d, through get_tally(%r)" % (p, names[p - 1])))
        own = visits.of(0)[0]
        spec.returned(visits, [own], "proxy.register", "process 0: m.Tally()")
        spec.check_tally_calls(visits, own, [["add", v] for v in made] + [["seen"]], own.result,
                               "proxy.register", "process 0, through m.Tally()")
        spec.check_reads(reads, range(procs), states, "proxy.connect",
                         "every process reading get_tally(name).seen() of %s" % ", ".join(names))
