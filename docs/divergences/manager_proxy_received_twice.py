"""Documented: proxies "are picklable so they can be passed between processes". A process given
one proxy twice holds two proxies of one dict; letting one go must leave the other working. But
when the collector frees the copy (held by a reference cycle, or by the traceback of an exception
raised through it) during a call through the other, the call raises TypeError and its write is
lost: the set of live proxies holds referent ids, so the copy's finalizer empties it and closes
the thread's connection to the manager.
https://docs.python.org/3/library/multiprocessing.html#proxy-objects
https://github.com/python/cpython/issues/71936 (the same set; its fix was merged for 3.14)"""
import gc, multiprocessing as mp, pickle, sys

def child(d, how, results):
    copy = pickle.loads(pickle.dumps(d))            # the same proxy, received a second time
    if how == "raised":
        try: copy["missing"]                        # a KeyError raised through the copy
        except KeyError: pass
    else: held = [copy]; held.append(held); del held  # the copy in a reference cycle
    del copy; d["opened"] = how; gc.set_threshold(1)  # collect at the next allocations
    try: d[how] = "written"; results.put((how, "returned"))
    except Exception as exc: results.put((how, "raised %r" % exc))

if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    with ctx.Manager() as manager:
        d, results = manager.dict(), ctx.SimpleQueue()
        for how in ("raised", "cycle"):
            p = ctx.Process(target=child, args=(d, how, results)); p.start(); p.join()
        seen = dict(results.get() for _ in range(2)); held = dict(d)
    wrong = {h: what for h, what in seen.items() if what != "returned" or h not in held}
    print(f"{method}: {'DIVERGES' if wrong else 'holds'}: {seen}; the dict holds {held}")
    sys.exit(1 if wrong else 0)
