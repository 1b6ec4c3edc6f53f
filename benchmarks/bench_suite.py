"""The whole conformance suite's time per start method, next to CPython's own tests of the same
primitives, measured in the same run on the same interpreter.

    python benchmarks/bench_suite.py [--python PATH] [--methods fork,spawn,forkserver]
                                     [--profile dev] [--no-cpython] [--json PATH]

For each start method it times, as separate processes:

- ``kit``: ``python -m pytest --pyargs ipc_spec.suite --start-method=M --hypothesis-profile=P``;
- ``cpython``: ``python -m test test_multiprocessing_M -m '*Barrier*' -m '*Event*' ...``, one
  ``-m`` for each of :data:`CPYTHON_FILTERS` (the test classes of the kit's families), plus
  ``python -m test test_concurrent_futures -m <M's process pool classes>``
  (:data:`FUTURES_FILTERS`), where the interpreter ships CPython's test package (some builds leave
  it out: then the column says so).

Then, over all the methods at once, as each is run by default:

- ``kit``: ``python -m ipc_spec --hypothesis-profile=P`` (its default xdist workers);
- ``cpython -jN``: ``python -m test -jN`` over the methods' test packages with the same filters,
  one worker per method (regrtest parallelises by test package).

``--python`` must have ipc-spec installed (e.g. a tox or venv interpreter). Prints a table, and
JSON with ``--json``.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time

#: CPython's test classes of the kit's families: the primitives (their ``WithManagerTest*`` classes,
#: the Manager flavours, included), Pipe and Connection, Process, Listener and Client with
#: authentication, shared_memory, the Manager's containers and types (the proxy family), and
#: Pool (its process, thread and manager flavours, its workers' lifetimes and errors).
CPYTHON_FILTERS = ["*Barrier*", "*Event*", "*Lock*", "*Semaphore*", "*Condition*", "*Value*",
                   "*Array*", "*Queue*", "*Connection*", "*TestPoll*", "*TestProcess.*",
                   "*TestSubclassingProcess*", "*TestListener*", "*OtherTest*",
                   "*ChallengeResponseTest*", "*TestSharedMemory*", "*TestContainers*",
                   "*TestSyncManagerTypes*", "*TestPool*"]


#: CPython's tests of ProcessPoolExecutor (the executor family), per start method: the process pool
#: classes of ``test_concurrent_futures`` (``ProcessPoolForkserver...`` is not ``Fork``'s).
FUTURES_FILTERS = {"fork": "*ProcessPoolFork[!s]*", "spawn": "*ProcessPoolSpawn*",
                   "forkserver": "*ProcessPoolForkserver*"}


def timed(command, cwd):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    elapsed = time.perf_counter() - start
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    return elapsed, done.returncode, tail[0]


def has_cpython_tests(python, method):
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('test.test_multiprocessing_%s') is None)"
    return subprocess.run([python, "-c", probe % method]).returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--methods", default=",".join(multiprocessing.get_all_start_methods()))
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--no-cpython", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if os.sep in args.python:  # a path relative to here: the runs happen elsewhere
        args.python = os.path.abspath(args.python)
    scratch = tempfile.mkdtemp(prefix="ipc-spec-bench-")  # outside the checkout: the installed kit

    rows = []
    for method in args.methods.split(","):
        row = {"method": method}
        kit = [args.python, "-m", "pytest", "--pyargs", "ipc_spec.suite", "-q", "-p", "no:cacheprovider",
               "--start-method=" + method, "--hypothesis-profile=" + args.profile]
        row["kit_seconds"], row["kit_exit"], row["kit_summary"] = timed(kit, scratch)
        if not args.no_cpython and has_cpython_tests(args.python, method):
            cpython = [args.python, "-m", "test", "test_multiprocessing_" + method]
            for pattern in CPYTHON_FILTERS:
                cpython += ["-m", pattern]
            row["cpython_seconds"], row["cpython_exit"], row["cpython_summary"] = timed(cpython, scratch)
            futures = [args.python, "-m", "test", "test_concurrent_futures", "-m",
                       FUTURES_FILTERS[method]]
            row["futures_seconds"], row["futures_exit"], row["futures_summary"] = timed(futures,
                                                                                        scratch)
            row["cpython_seconds"] += row["futures_seconds"]
            row["ratio"] = row["kit_seconds"] / row["cpython_seconds"]
        rows.append(row)

    print("%-11s %12s %16s %8s  %s" % ("method", "kit (s)", "cpython (s)", "ratio", "kit summary"))
    for row in rows:
        print("%-11s %12.1f %16s %8s  %s" % (
            row["method"], row["kit_seconds"],
            "%.1f" % row["cpython_seconds"] if "cpython_seconds" in row else "n/a",
            "%.2f" % row["ratio"] if "ratio" in row else "n/a", row["kit_summary"]))
    total = {k: sum(r.get(k, 0) for r in rows) for k in ("kit_seconds", "cpython_seconds")}
    if all("cpython_seconds" in r for r in rows):
        print("all methods, one after another: kit %.1f s, cpython %.1f s, ratio %.2f" % (
            total["kit_seconds"], total["cpython_seconds"],
            total["kit_seconds"] / total["cpython_seconds"]))

    methods = args.methods.split(",")
    kit = [args.python, "-m", "ipc_spec", "-q", "--start-method=" + args.methods,
           "--hypothesis-profile=" + args.profile]
    parallel = {}
    parallel["kit_seconds"], parallel["kit_exit"], parallel["kit_summary"] = timed(kit, scratch)
    if not args.no_cpython and all(has_cpython_tests(args.python, m) for m in methods):
        cpython = [args.python, "-m", "test", "-j%d" % len(methods)]
        cpython += ["test_multiprocessing_" + m for m in methods] + ["test_concurrent_futures"]
        for pattern in CPYTHON_FILTERS + [FUTURES_FILTERS[m] for m in methods]:
            cpython += ["-m", pattern]
        parallel["cpython_seconds"], parallel["cpython_exit"], parallel["cpython_summary"] = \
            timed(cpython, scratch)
        parallel["ratio"] = parallel["kit_seconds"] / parallel["cpython_seconds"]
    print("all methods at once: kit (python -m ipc_spec) %.1f s, cpython (-j%d) %s s, ratio %s; "
          "serial cpython %s s, ratio %s" % (
              parallel["kit_seconds"], len(methods),
              "%.1f" % parallel["cpython_seconds"] if "cpython_seconds" in parallel else "n/a",
              "%.2f" % parallel["ratio"] if "ratio" in parallel else "n/a",
              "%.1f" % total["cpython_seconds"] if total["cpython_seconds"] else "n/a",
              "%.2f" % (parallel["kit_seconds"] / total["cpython_seconds"])
              if total["cpython_seconds"] else "n/a"))
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    result = {"python": version, "profile": args.profile, "rows": rows, "total": total,
              "all_methods_at_once": parallel}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
