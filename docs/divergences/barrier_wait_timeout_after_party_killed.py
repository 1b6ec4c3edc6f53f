"""Documented: Barrier.wait(timeout) breaks the barrier and raises BrokenBarrierError once the timeout
expires. Instead, once a party is SIGKILLed inside b.wait(), the survivors' b.wait(timeout=0.05) never
return: breaking the barrier calls Condition.notify_all(), which waits for the dead sleeper for ever.
https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Barrier https://github.com/python/cpython/issues/123899"""
import multiprocessing as mp, sys, threading, time

def party(b, took, i):
    t = time.monotonic()
    try: b.wait(timeout=0.05)
    except threading.BrokenBarrierError: pass
    took[i] = time.monotonic() - t

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    b, took = ctx.Barrier(3), ctx.Array("d", [-1.0, -1.0], lock=False)
    v = ctx.Process(target=b.wait); v.start()
    for _ in range(5000):  # until the victim is counted and sleeps inside b.wait()
        with open(f"/proc/{v.pid}/stat") as f: state = f.read().rsplit(")", 1)[1].split()[0]
        if b.n_waiting == 1 and state == "S": break
        time.sleep(0.001)
    v.kill(); v.join()
    survivors = [ctx.Process(target=party, args=(b, took, i)) for i in range(2)]
    for p in survivors: p.start()
    deadline = time.monotonic() + 3
    for p in survivors: p.join(max(0, deadline - time.monotonic()))
    hung = sum(p.is_alive() for p in survivors)
    for p in survivors: p.kill(); p.join()
    if hung: print(f"{method}: DIVERGES: {hung} of 2 survivors still in b.wait(timeout=0.05) after 3 s")
    else: print(f"{method}: holds: b.wait(timeout=0.05) took {took[0]:.3f} s, {took[1]:.3f} s")
    sys.exit(1 if hung else 0)
