"""Documented: ProcessPoolExecutor(max_tasks_per_child=n) is "the maximum number of tasks a single
process can execute before it will exit and be replaced with a fresh worker process". Instead,
with 1 < n, once a process has run n calls and exited no replacement is started: the calls still
queued are never run, and their futures never finish (3.11 to 3.13.0 at least; fixed in 2026 by
gh-140900 and its backports). max_tasks_per_child is incompatible with fork: run under spawn.
https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.ProcessPoolExecutor
https://github.com/python/cpython/issues/115634"""
import concurrent.futures as cf, multiprocessing as mp, os, sys

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "spawn"
    method = "spawn" if method == "fork" else method  # documented as incompatible with fork
    executor = cf.ProcessPoolExecutor(1, mp_context=mp.get_context(method), max_tasks_per_child=2)
    futures = [executor.submit(os.getpid) for _ in range(5)]
    done, stalled = cf.wait(futures, timeout=10)
    if stalled: print(f"{method}: DIVERGES: {len(stalled)} of 5 calls not run after 10 s")
    else: print(f"{method}: holds: processes {sorted(set(f.result() for f in futures))}")
    sys.stdout.flush()
    os._exit(1 if stalled else 0)  # shutdown() would wait for the stalled calls for ever
