"""Examples per second, per start method: the kit against the floor.

    python benchmarks/bench_examples.py [--examples N] [--repeat K] [--methods fork,spawn,forkserver]
                                        [--json PATH]

For each start method, in the same run:

- ``floor``: a minimal reuse loop written directly against ``multiprocessing``: workers started
  once with one Barrier per party count and Events, each example sends the workers a message, they
  pass the barrier (or wait for the event while one sets it) and answer. Nothing is recorded, no
  object is fresh: the least an example can cost.
- ``kit``: the same Hypothesis-drawn scenarios through the harness, as a property test runs them:
  objects in their initial state every example (recycled after a passing one), a recorded
  history, the spec's check.
- ``<property>``: whole property tests of the suite, with their own (richer) scenarios, crew start
  included, e.g. ``barrier.generations``.

The floor and the kit are timed in turn, ``--repeat`` times each (default 3); the table gives the
median rate of each and the median of the kit/floor ratios of each turn. Prints a table, and JSON
with ``--json``. Figures vary with the machine's load: compare ratios measured in one run, not
absolutes across runs.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PARTIES = (2, 3, 4)


def _floor_worker(conn, barriers, events):
    while True:
        message = conn.recv()
        if message is None:
            return
        kind, n = message
        if kind == "barrier":
            conn.send(barriers[n].wait())
        elif kind == "set":
            events[n].set()
            conn.send(None)
        else:
            conn.send(events[n].wait())


class Floor(object):
    """The minimal reuse loop: workers started once with the objects, reused as they are."""

    def __init__(self, method):
        ctx = multiprocessing.get_context(method)
        self.barriers = {p: ctx.Barrier(p) for p in PARTIES}
        self.events = {p: ctx.Event() for p in range(1, max(PARTIES) + 1)}
        self.conns, self.procs = [], []
        for _ in range(max(PARTIES) + 1):
            a, b = ctx.Pipe()
            proc = ctx.Process(target=_floor_worker, args=(b, self.barriers, self.events), daemon=True)
            proc.start()
            self.conns.append(a)
            self.procs.append(proc)
        for conn in self.conns:  # every worker has started
            conn.send(("set", 1))
        for conn in self.conns:
            conn.recv()

    def barrier(self, parties):
        for conn in self.conns[:parties]:
            conn.send(("barrier", parties))
        indices = sorted(conn.recv() for conn in self.conns[:parties])
        assert indices == list(range(parties))

    def event(self, waiters):
        self.events[waiters].clear()
        for conn in self.conns[:waiters]:
            conn.send(("wait", waiters))
        self.conns[waiters].send(("set", waiters))
        assert all(conn.recv() for conn in self.conns[:waiters])
        self.conns[waiters].recv()

    def close(self):
        for conn, proc in zip(self.conns, self.procs):
            conn.send(None)
            proc.join()


class Kit(object):
    """The same scenarios through the harness: objects in their initial state each example, a
    history, a check."""

    def __init__(self, method):
        from ipc_spec.harness import Env
        from ipc_spec.suite import test_barrier, test_event

        # The suite's own native flavours: their objects are recycled as in a property test.
        self.barrier_of = test_barrier.Native.barrier
        self.event_of = test_event.Native.event
        self.env = Env("multiprocessing", method)
        self.env.provision([self.barrier_of(p) for p in PARTIES] + [self.event_of()],
                           max(PARTIES) + 1)

    def barrier(self, parties):
        from ipc_spec.history import call
        from ipc_spec.specs import barrier

        history = self.env.run({"b": self.barrier_of(parties)},
                               [[call("b", "wait")] for _ in range(parties)])
        barrier.check_generations(history, "b", parties, 1)
        self.env.settle(True)  # passed: the Barrier may serve again, as in a property test

    def event(self, waiters):
        from ipc_spec.history import call

        history = self.env.run({"e": self.event_of()},
                               [[call("e", "wait")] for _ in range(waiters)] + [[call("e", "set")]])
        assert all(op.result is True for op in history.select("e", "wait"))
        self.env.settle(True)

    def close(self):
        self.env.close()


def rate(runner, scenario, examples):
    """Examples per second of ``scenario`` (``"barrier"`` or ``"event"``) driven by Hypothesis."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    low = 2 if scenario == "barrier" else 1
    count = [0]

    @settings(max_examples=examples, database=None, deadline=None, derandomize=True)
    @given(st.integers(low, max(PARTIES)), st.integers(0, 2 ** 32))  # a salt: 3 values would exhaust
    def test(n, salt):
        count[0] += 1
        getattr(runner, scenario)(n)

    getattr(runner, scenario)(low)  # warm: the crew has started, the code paths are hot
    start = time.perf_counter()
    test()
    return count[0] / (time.perf_counter() - start)


def property_rate(method, test):
    """Examples per second of a property test function, its crew start included."""
    from ipc_spec.harness import Env

    count = [0]
    inner = test.hypothesis.inner_test

    def counted(*args, **kwargs):
        count[0] += 1
        return inner(*args, **kwargs)

    test.hypothesis.inner_test = counted
    env = Env("multiprocessing", method)
    start = time.perf_counter()
    try:
        with env.examples_of(test):
            test(ipc_env=env)
    finally:
        elapsed = time.perf_counter() - start
        test.hypothesis.inner_test = inner
        env.close()
    return count[0] / elapsed, count[0]


def properties():
    """The property tests to time, by name (those that exist in this checkout)."""
    import importlib

    found = {}
    for name, module, cls, test in (
            ("barrier.generations", "test_barrier", "TestBarrier", "test_generations"),
            ("event.set_wakes_all", "test_event", "TestEvent", "test_set_wakes_all")):
        try:
            found[name] = getattr(getattr(importlib.import_module("ipc_spec.suite." + module), cls)(),
                                  test)
        except (ImportError, AttributeError):
            pass
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--methods", default=",".join(multiprocessing.get_all_start_methods()))
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from hypothesis import settings

    from ipc_spec import profiles

    settings.register_profile("bench", max_examples=args.examples, derandomize=True, database=None,
                              **profiles.PROPERTY_SETTINGS)
    settings.load_profile("bench")  # before the suite modules are imported: they read it then
    props = properties()

    rows = []
    for method in args.methods.split(","):
        row = {"method": method}
        floor, kit = Floor(method), Kit(method)
        try:
            for scenario in ("barrier", "event"):
                turns = [(rate(floor, scenario, args.examples), rate(kit, scenario, args.examples))
                         for _ in range(max(1, args.repeat))]
                row["floor " + scenario] = statistics.median(f for f, _ in turns)
                row["kit " + scenario] = statistics.median(k for _, k in turns)
                row["kit/floor " + scenario] = statistics.median(k / f for f, k in turns)
        finally:
            floor.close()
            kit.close()
        for name, test in props.items():
            row[name], row[name + " examples"] = property_rate(method, test)
        rows.append(row)

    names = [k for k in rows[0] if k != "method" and not k.endswith(" examples")]
    print("%-11s" % "method" + "".join("%22s" % n for n in names))
    for row in rows:
        print("%-11s" % row["method"] + "".join("%22.2f" % row[n] for n in names))
    print("examples/s; kit/floor: the kit's rate over the minimal reuse loop's, same run, same "
          "Hypothesis-drawn scenarios (2-4 processes)")
    result = {"python": sys.version.split()[0], "examples": args.examples, "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
