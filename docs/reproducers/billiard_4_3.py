"""billiard 4.3's divergences found by ipc-spec, in plain billiard (python billiard_4_3.py).

Prints what happened for: Value('q') and Value('Q'), Condition.notify(n), SimpleQueue().empty(),
and how often Queue.get(timeout=0.005) returns before 5 ms.
"""
import time
import billiard as mp

def child_notify(cond):
    with cond:
        try:
            cond.notify(2)
            print("notify(2): ok")
        except TypeError as e:
            print("notify(2): TypeError:", e)

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    for code in ("q", "Q"):
        try:
            ctx.Value(code, 1)
            print("Value(%r): ok" % code)
        except TypeError as e:
            print("Value(%r): TypeError: %s" % (code, e))
    c = ctx.Condition()
    p = ctx.Process(target=child_notify, args=(c,)); p.start(); p.join()
    q = ctx.SimpleQueue()
    try:
        print("SimpleQueue().empty():", q.empty())
    except AttributeError as e:
        print("SimpleQueue().empty(): AttributeError:", e)
    qq = ctx.Queue()
    early = 0
    for i in range(200):
        t = time.monotonic()
        try:
            qq.get(timeout=0.005)
        except Exception:
            pass
        if time.monotonic() - t < 0.005:
            early += 1
    print("Queue.get(timeout=0.005) returned before 5 ms in %d of 200 calls" % early)
