"""Documented: Event.wait(timeout) returns once the timeout expires, and set() wakes every waiter.
Instead, once a waiter is SIGKILLed inside e.wait(), e.set() waits for the dead sleeper for ever (in
Condition.notify_all) while holding the event's lock, so a later e.wait(timeout=0.05) never returns.
https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Event https://github.com/python/cpython/issues/75158"""
import multiprocessing as mp, sys, time

def victim(e, ready):
    ready.release(); e.wait()

def timed_wait(e, took):
    t = time.monotonic(); e.wait(timeout=0.05); took.value = time.monotonic() - t

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    e, ready, took = ctx.Event(), ctx.Semaphore(0), ctx.Value("d", -1.0, lock=False)
    v = ctx.Process(target=victim, args=(e, ready)); v.start(); ready.acquire(timeout=5)
    for _ in range(5000):  # until the victim sleeps inside e.wait()
        with open(f"/proc/{v.pid}/stat") as f: state = f.read().rsplit(")", 1)[1].split()[0]
        if state == "S": break
        time.sleep(0.001)
    v.kill(); v.join()
    setter = ctx.Process(target=e.set); setter.start(); setter.join(1)
    w = ctx.Process(target=timed_wait, args=(e, took)); w.start(); w.join(3)
    hung = [n for n, p in (("e.set() blocked > 1 s", setter), ("e.wait(timeout=0.05) blocked > 3 s", w))
            if p.is_alive()]
    for p in (setter, w): p.kill(); p.join()
    if hung: print(f"{method}: DIVERGES: {'; '.join(hung)} (waiter killed inside e.wait())")
    else: print(f"{method}: holds: e.set() returned; e.wait(timeout=0.05) took {took.value:.3f} s")
    sys.exit(1 if hung else 0)
