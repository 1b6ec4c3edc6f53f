"""Documented: BrokenProcessPool "is raised when one of the workers of a ProcessPoolExecutor has
terminated in a non-clean fashion". Instead, under spawn and forkserver (which start processes on
demand, 3.9 on), a process started for a call that ends it abruptly while another process is busy
often goes unnoticed: no future finishes, none raises BrokenProcessPool, until some other event.
submit() wakes the executor's manager thread before it starts the new process, so the thread may
wait without that process's sentinel. Fork starts every process at once, and holds.
https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.process.BrokenProcessPool"""
import concurrent.futures as cf, multiprocessing as mp, os, shutil, sys, tempfile, time


def held(path):
    while not os.path.exists(path): time.sleep(0.001)


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "spawn"; ctx = mp.get_context(method)
    unnoticed, gate = 0, tempfile.mkdtemp()
    for i in range(10):
        path = os.path.join(gate, str(i)); executor = cf.ProcessPoolExecutor(2, mp_context=ctx)
        futures = [executor.submit(held, path), executor.submit(os._exit, 3)]
        unnoticed += bool(cf.wait(futures, timeout=2)[1])
        open(path, "w").close(); executor.shutdown(wait=True)
    shutil.rmtree(gate)
    if unnoticed: print(f"{method}: DIVERGES: a worker's death unnoticed for 2 s in {unnoticed} of 10")
    else: print(f"{method}: holds: BrokenProcessPool every time")
    sys.exit(1 if unnoticed else 0)
