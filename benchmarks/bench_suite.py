"""The whole conformance suite's time per start method, next to CPython's own tests of the same
primitives, measured in the same run on the same interpreter.

    python benchmarks/bench_suite.py [--python PATH] [--methods fork,spawn,forkserver]
                                     [--profile dev] [--no-cpython] [--json PATH]

For each start method it times, as separate processes:

- ``kit``: ``python -m pytest --pyargs ipc_spec.suite --start-method=M --hypothesis-profile=P``;
- ``cpython``: ``python -m test test_multiprocessing_M -m '*Barrier*' -m '*Event*' -m '*Lock*'
  -m '*Semaphore*' -m '*Condition*' -m '*Value*' -m '*Array*' -m '*Queue*' -m '*Connection*'``,
  where the interpreter ships CPython's test package (some builds leave it out: then the column
  says so).

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

CPYTHON_FILTERS = ["*Barrier*", "*Event*", "*Lock*", "*Semaphore*", "*Condition*", "*Value*",
                   "*Array*", "*Queue*", "*Connection*"]


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
        print("all methods: kit %.1f s, cpython %.1f s, ratio %.2f" % (
            total["kit_seconds"], total["cpython_seconds"],
            total["kit_seconds"] / total["cpython_seconds"]))
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    result = {"python": version, "profile": args.profile, "rows": rows, "total": total}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
