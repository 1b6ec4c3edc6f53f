"""A ShareableList takes an index below -len modulo its bookkeeping instead of raising IndexError
(documented: "a mutable list-like object"); no tracker issue found.
https://github.com/python/cpython/blob/main/Lib/multiprocessing/shared_memory.py"""
import multiprocessing as mp, sys
from multiprocessing import shared_memory


def probe(name, q):
    sl, outcomes = shared_memory.ShareableList(name=name), []
    for index, action in ((-2, "read"), (-3, "read"), (-2, "assign")):
        try:
            if action == "read": outcomes.append((index, "read", repr(sl[index])))
            else: sl[index] = 7; outcomes.append((index, "assigned", list(sl)))
        except IndexError: pass
        except Exception as exc: outcomes.append((index, action + " raised", type(exc).__name__))
    q.put(outcomes)
    sl.shm.close()

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    sl = shared_memory.ShareableList([0])
    try:
        q = ctx.SimpleQueue()
        p = ctx.Process(target=probe, args=(sl.shm.name, q)); p.start()
        wrong = q.get(); p.join(30)
    finally:
        sl.shm.close(); sl.shm.unlink()
    if wrong: print(f"{method}: DIVERGES: indices below -len of a 1-item list: {wrong}, not IndexError")
    else: print(f"{method}: holds: IndexError for every index below -len")
    sys.exit(1 if wrong else 0)
