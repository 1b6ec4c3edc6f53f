"""loky 3.7's divergences found by ipc-spec, in plain loky.backend (python loky_3_7.py).

Prints what happened for: Barrier, Value and Array given to a loky Process (cannot be pickled),
Lock and Event (fine), BoundedSemaphore() without a value, Condition.notify(n),
SimpleQueue.empty() in a loky child, and Process.kill() and Process.close() of a loky Process.
"""
import time

import loky.backend


def child(obj):
    print("child got", type(obj).__name__)


def child_notify(cond):
    with cond:
        try:
            cond.notify(2)
            print("notify(2): ok")
        except TypeError as e:
            print("notify(2): TypeError:", e)


def sleeper():
    time.sleep(30)


def child_empty(q):
    try:
        print("SimpleQueue.empty() in a loky child:", q.empty())
    except AttributeError as e:
        print("SimpleQueue.empty() in a loky child: AttributeError:", e)


if __name__ == "__main__":
    ctx = loky.backend.get_context("loky")
    for make in (lambda: ctx.Barrier(2), lambda: ctx.Value("i", 1), lambda: ctx.Array("i", 2),
                 lambda: ctx.Lock(), lambda: ctx.Event()):
        obj = make()
        p = ctx.Process(target=child, args=(obj,))
        try:
            p.start()
            p.join()
        except Exception as e:
            print(type(obj).__name__, "->", type(e).__name__, e)
    try:
        ctx.BoundedSemaphore()
        print("BoundedSemaphore(): ok")
    except TypeError as e:
        print("BoundedSemaphore(): TypeError:", e)
    for target, arg in ((child_notify, ctx.Condition()), (child_empty, ctx.SimpleQueue())):
        p = ctx.Process(target=target, args=(arg,))
        p.start()
        p.join()
    for method in ("kill", "close"):
        p = ctx.Process(target=sleeper)
        p.start()
        if method == "close":
            p.terminate()
            p.join()
        try:
            getattr(p, method)()
            print("Process.%s(): ok" % method)
        except AttributeError as e:
            print("Process.%s(): AttributeError: %s" % (method, e))
        if p.exitcode is None:
            p.terminate()
            p.join()
