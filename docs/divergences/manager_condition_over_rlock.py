"""Documented: SyncManager.Condition([lock]) "Create a shared threading.Condition object and return
a proxy for it. If lock is supplied then it should be a proxy for a threading.Lock or
threading.RLock object", and threading's Condition.wait() may be called by whoever holds the lock.
Instead, over a manager's RLock proxy, wait() right after a successful acquire() raises
"RuntimeError: cannot wait on un-acquired lock" (over a manager's Lock proxy it works).
The server rebuilds the lock argument as a proxy to itself, served by another of its threads; that
proxy has no _is_owned, so threading.Condition falls back to lock.acquire(False), which the
reentrant RLock grants to the thread that already owns it: the Condition concludes that nobody
holds its lock.
https://docs.python.org/3/library/multiprocessing.html#multiprocessing.managers.SyncManager.Condition
https://github.com/python/cpython/issues/85106 (closed as not reproduced)"""
import multiprocessing as mp, sys


def wait_once(manager, kind):
    cond = manager.Condition(getattr(manager, kind)())
    acquired = cond.acquire()
    try:
        return "acquire() -> %r, wait(0.01) -> %r" % (acquired, cond.wait(0.01))
    except Exception as exc:
        return "acquire() -> %r, wait(0.01) raised %s: %s" % (acquired, type(exc).__name__, exc)
    finally:
        cond.release()


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    with ctx.Manager() as manager:
        seen = {kind: wait_once(manager, kind) for kind in ("Lock", "RLock")}
    wrong = {kind: what for kind, what in seen.items() if "raised" in what}
    if wrong: print(f"{method}: DIVERGES: {wrong}")
    else: print(f"{method}: holds: {seen}")
    sys.exit(1 if wrong else 0)
