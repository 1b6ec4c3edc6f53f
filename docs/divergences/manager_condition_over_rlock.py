"""Documented: SyncManager.Condition(lock): "If lock is supplied then it should be a proxy for a
threading.Lock or threading.RLock object", and whoever holds the lock may wait(). Instead, over a
manager's RLock proxy, wait() right after acquire() returned True raises "RuntimeError: cannot wait
on un-acquired lock" (over a Lock proxy it works). The server rebuilds the lock as a proxy to
itself, served by another of its threads; threading.Condition, finding no _is_owned on it, tries
acquire(False), which the RLock grants to its owner, so it takes the lock for free.
https://docs.python.org/3/library/multiprocessing.html#multiprocessing.managers.SyncManager.Condition
https://github.com/python/cpython/issues/85106 (closed as not reproduced)"""
import multiprocessing as mp, sys


def wait_once(manager, kind):
    cond = manager.Condition(getattr(manager, kind)()); acquired = cond.acquire()
    try: return "acquire() -> %r, wait(0.01) -> %r" % (acquired, cond.wait(0.01))
    except Exception as exc: return "acquire() -> %r, wait(0.01) raised %r" % (acquired, exc)
    finally: cond.release()


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    with ctx.Manager() as manager:
        seen = {kind: wait_once(manager, kind) for kind in ("Lock", "RLock")}
    wrong = {kind: what for kind, what in seen.items() if "raised" in what}
    if wrong: print(f"{method}: DIVERGES: {wrong}")
    else: print(f"{method}: holds: {seen}")
    sys.exit(1 if wrong else 0)
