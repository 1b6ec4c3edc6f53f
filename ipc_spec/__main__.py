"""``python -m ipc_spec [pytest options]``: run the conformance suite against this interpreter.

Equivalent to ``python -m pytest --pyargs ipc_spec.suite [options]`` from any directory, e.g.
``python -m ipc_spec --start-method spawn --ipc-impl multiprocess --ipc-report verdicts.json``.
"""

import sys

import pytest


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    defaults = ["--pyargs", "ipc_spec.suite", "-p", "no:cacheprovider"]
    if not any(a.startswith("--timeout") for a in args):
        defaults.append("--timeout=600")
    return pytest.main(defaults + args)


if __name__ == "__main__":
    sys.exit(main())
