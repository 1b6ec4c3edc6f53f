"""How fast is the linearizability checker?  (``python benchmarks/bench_checker.py``)

For each model, random linearizable histories (``tests.test_linearizability.random_history``: the
model run sequentially by random processes, each op given an interval that spans from around its
process's previous op to around its next one, so that it overlaps up to ``procs - 1`` others) are
checked with ``check_linearizable``; then, for some models, the same history with one result
corrupted, which the checker should reject (the time includes shrinking to a minimal sub-history
and writing the message). Items put or sent are unique ``(process, seq)`` pairs, as scenarios tag them;
SimpleQueue histories have puts and gets only (the case the checker decides without a search), and
a Connection has two processes, one on each end (the documented way to use a Pipe).

Prints a table, then the same rows as JSON (``--json PATH`` writes them to a file too). The target
is a 1,000-operation, 8-process history in under a second.
"""

import argparse
import json
import os
import platform
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from ipc_spec.errors import SpecViolation  # noqa: E402
from ipc_spec.linearizability import check_linearizable  # noqa: E402
from tests.test_linearizability import GENERATED, random_history  # noqa: E402

#: Models whose corrupted histories are timed too (one result changed to one the model rejects
#: where the generation put it; another order may still explain it: the verdict column says).
CORRUPTED = ("Lock", "Semaphore", "Queue", "SimpleQueue")


def history_for(name, size, procs, seed):
    rng = random.Random("%s-%d-%d-%d" % (name, size, procs, seed))
    only = ("put", "get") if name == "SimpleQueue" else None
    return random_history(rng, name, size, procs, unique=True, only=only)


def corrupt(name, model, ops, seed):
    """``ops`` with the outcome of one op, late in the history, changed to one the model rejects
    in the state the (sequential) generation left it in. (``ops`` are in that order.)"""
    states = []
    state = model.init()
    for o in ops:
        states.append(state)
        state = model.step(state, o)[1]
    rng = random.Random(seed)
    for tries in range(4000):
        # late in the history if possible
        i = rng.choice(range(len(ops) * 3 // 4 if tries < 1000 else 0, len(ops)))
        o = ops[i]
        if name in ("Lock", "Semaphore") and o.call == "acquire" and o.result is True:
            bad = o._replace(result=False, step=o.step._replace(args=(), kwargs={}))
        elif name in ("Queue", "SimpleQueue") and o.call == "get" and o.error is None:
            bad = o._replace(result=("never", "put"))
        elif name == "Value" and o.call == ".value":
            bad = o._replace(result=o.result + 1000)
        else:
            continue
        if not model.step(states[i], bad)[0]:
            return ops[:i] + [bad] + ops[i + 1:]
    raise RuntimeError("nothing to corrupt in this %s history" % name)


def key_for(name):
    return "p" if name == "Connection" else "x"


def timed(ops, model, name):
    start = time.perf_counter()
    try:
        check_linearizable(ops, {key_for(name): model})
        verdict = "linearizable"
    except SpecViolation as error:
        verdict = "violation (%d ops shown)" % len(error.ops)
    return time.perf_counter() - start, verdict


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,3000", help="history sizes (default %(default)s)")
    parser.add_argument("--procs", default="8", help="process counts (default %(default)s)")
    parser.add_argument("--models", default=",".join(GENERATED), help="models to time")
    parser.add_argument("--corrupted-max", type=int, default=1000, metavar="OPS",
                        help="time corrupted histories up to this size (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="histories per row (different seeds); the table shows the slowest")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    procs_list = [int(p) for p in args.procs.split(",")]
    names = args.models.split(",")

    rows = []
    header = "%-17s %-12s %6s %6s %9s %9s  %s" % ("model", "history", "ops", "procs", "max s",
                                                   "mean s", "verdict")
    print(header)
    print("-" * len(header))
    for name in names:
        for size in sizes:
            for procs in procs_list:
                kinds = ["linearizable"]
                if name in CORRUPTED and size <= args.corrupted_max:
                    kinds.append("corrupted")
                for kind in kinds:
                    times, verdicts = [], set()
                    for seed in range(args.repeat):
                        ops, model = history_for(name, size, procs, seed)
                        if kind == "corrupted":
                            ops = corrupt(name, model, ops, seed)
                        seconds, verdict = timed(ops, model, name)
                        times.append(seconds)
                        verdicts.add(verdict.split(" (")[0])
                    used = min(procs, 2) if name == "Connection" else procs
                    row = {"model": name, "history": kind, "ops": size, "processes": used,
                           "seconds_max": round(max(times), 4),
                           "seconds_mean": round(sum(times) / len(times), 4),
                           "runs": len(times), "verdicts": sorted(verdicts)}
                    rows.append(row)
                    print("%-17s %-12s %6d %6d %9.4f %9.4f  %s" % (
                        name, kind, size, used, row["seconds_max"], row["seconds_mean"],
                        ", ".join(row["verdicts"])))
                    sys.stdout.flush()
    report = {"python": platform.python_version(), "machine": platform.machine(),
              "cpus": os.cpu_count(), "rows": rows}
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=1)
    target = [r for r in rows if r["ops"] == 1000 and r["processes"] == 8
              and r["history"] == "linearizable"]
    slow = [r for r in target if r["seconds_max"] >= 1.0]
    if target:
        print("target (1,000 ops, 8 processes, under 1 s): %s" % (
            "met by every model" if not slow else "missed by " + ", ".join(r["model"] for r in slow)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
