"""PyPy 7.3.11's ProcessPoolExecutor, as Debian 12 ships it (7.3.11+dfsg-2+deb12u3), cannot take a
call under spawn or forkserver (pypy3 this file).

Its concurrent/futures/process.py names the method that starts processes on demand
``_adjust_process_count_cpython`` while ``submit()`` calls ``_adjust_process_count``: under the
start methods that start processes on demand (not fork), every ``submit()`` and ``map()`` raises
AttributeError. CPython 3.9 and later take the call.
"""
import concurrent.futures
import multiprocessing
import sys

if __name__ == "__main__":
    for method in ("fork", "spawn", "forkserver"):
        executor = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context(method))
        try:
            print("%s: submit(pow, 2, 3).result() -> %r" % (
                method, executor.submit(pow, 2, 3).result()))
        except AttributeError as exc:
            print("%s: submit() raised AttributeError: %s" % (method, exc))
        executor.shutdown()
    sys.exit(0)
