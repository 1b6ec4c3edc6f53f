"""Documented: Condition.wait(timeout) returns once the timeout expires. Instead, once a waiter is
SIGKILLed inside c.wait(), notify_all() waits for the dead sleeper for ever while holding c's lock, so
another waiter, already inside c.wait(timeout=0.5), never returns (it cannot retake the lock).
https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Condition https://github.com/python/cpython/issues/75158"""
import multiprocessing as mp, sys, time

def waiter(c, ready, took, timeout):
    with c:
        ready.release(); t = time.monotonic(); c.wait(timeout); took.value = time.monotonic() - t

def notifier(c, go):
    go.acquire(timeout=5)
    with c: c.notify_all()

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    c, ready, go = ctx.Condition(), ctx.Semaphore(0), ctx.Semaphore(0)
    took = ctx.Value("d", -1.0, lock=False)
    n = ctx.Process(target=notifier, args=(c, go)); n.start()
    v, w = (ctx.Process(target=waiter, args=(c, ready, took, t)) for t in (None, 0.5))
    for p in (v, w):  # once we can take c's lock after `ready`, p has released it inside c.wait()
        p.start(); ready.acquire(timeout=5); c.acquire(timeout=5); c.release()
    v.kill(); v.join(); go.release()
    w.join(3); n.join(0.1)
    hung = [s for s, p in (("c.wait(timeout=0.5) blocked > 3 s", w), ("notify_all() blocked", n))
            if p.is_alive()]
    for p in (n, w): p.kill(); p.join()
    if hung: print(f"{method}: DIVERGES: {'; '.join(hung)} (waiter killed inside c.wait())")
    else: print(f"{method}: holds: c.wait(timeout=0.5) returned after {took.value:.3f} s")
    sys.exit(1 if hung else 0)
