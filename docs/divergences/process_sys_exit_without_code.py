"""Documented: sys.exit() and sys.exit(None) exit with status 0 (sys.exit: "None is equivalent to
passing zero"), and Process.exitcode is "the child's exit code". Instead, on Python 3.8 a child
that calls sys.exit() or sys.exit(None) has exitcode 1 (and prints "None"); fixed in 3.9.
https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.exitcode
https://github.com/python/cpython/issues/79908"""
import multiprocessing as mp, sys


def bare():
    sys.exit()


def none():
    sys.exit(None)


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    codes = {}
    for name, target in (("sys.exit()", bare), ("sys.exit(None)", none)):
        p = ctx.Process(target=target); p.start(); p.join(30)
        codes[name] = p.exitcode
    wrong = {name: code for name, code in codes.items() if code != 0}
    if wrong: print(f"{method}: DIVERGES: exit codes {wrong}, not 0")
    else: print(f"{method}: holds: exit codes {codes}")
    sys.exit(1 if wrong else 0)
