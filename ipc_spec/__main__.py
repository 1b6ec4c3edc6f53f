"""``python -m ipc_spec [pytest options]``: run the conformance suite against this interpreter.

Equivalent to ``python -m pytest --pyargs ipc_spec.suite -n N [options]`` from any directory, e.g.
``python -m ipc_spec --start-method spawn --ipc-impl multiprocess --ipc-report verdicts.json``.

The suite spends most of its time waiting (timeouts that properties must observe, processes
starting), so it runs on :func:`workers` pytest-xdist workers unless the options choose (``-n 0``
runs it in one process).
"""

import importlib.util
import os
import sys

import pytest


def workers() -> int:
    """Two xdist workers per core, at most eight: the suite uses about 0.4 of a core per worker."""
    return max(1, min(8, 2 * (os.cpu_count() or 1)))


def _chooses_workers(args) -> bool:
    for i, arg in enumerate(args):
        if arg.startswith(("-n", "--numprocesses", "--dist")):  # -n 4, -n4, -nauto, ...
            return True
        if arg == "-p" and i + 1 < len(args) and args[i + 1] == "no:xdist" or arg == "-pno:xdist":
            return True
    return False


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    # The kit's checks raise, they do not assert: no assertion rewriting, which every xdist worker
    # would otherwise redo for each plugin module (about 0.4 s of CPU a worker without a bytecode
    # cache), and which would warn that ``-m ipc_spec`` imported the plugin before it could.
    defaults = ["--pyargs", "ipc_spec.suite", "-p", "no:cacheprovider", "--assert=plain"]
    if not any(a.startswith("--timeout") for a in args):
        defaults.append("--timeout=600")
    if not _chooses_workers(args) and importlib.util.find_spec("xdist") is not None:
        defaults += ["-n", str(workers())]  # xdist is a dependency, but the kit runs without it
    return pytest.main(defaults + args)


if __name__ == "__main__":
    sys.exit(main())
