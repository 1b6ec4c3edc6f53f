"""billiard 4.3's divergences in its Manager and Pool found by ipc-spec, in plain billiard
(python billiard_4_3_managers_and_pool.py).

Prints what happened for: a Manager's Condition proxy's notify(2) (threading's signature is
notify(n=1)); wait() of a Manager's Condition over a Manager's RLock (CPython raises RuntimeError
there; billiard does not); a mutation through a list proxy held in a dict proxy, and through a
dict proxy held in a list proxy, read back (3.6's nested proxies); what a Pool's error_callback is
given for a task that raised KeyError; and what apply_async() does after close().
"""
import billiard as mp


def fail(value):
    raise KeyError(value)


if __name__ == "__main__":
    with mp.Manager() as m:
        cond = m.Condition(m.Lock())
        with cond:
            try:
                cond.notify(2)
                print("manager Condition.notify(2): returned")
            except TypeError as e:
                print("manager Condition.notify(2): TypeError:", e)
        cond = m.Condition(m.RLock())
        with cond:
            print("manager Condition(RLock()).wait(0.01) ->", cond.wait(0.01))
        d, l = m.dict({"k": m.list()}), m.list([m.dict()])
        d["k"].append(1)
        l[0]["a"] = 1
        print("d['k'].append(1); d['k'][:] ->", list(d["k"][:]))
        print("l[0]['a'] = 1; l[0].items() ->", list(l[0].items()))
    pool, given = mp.Pool(1), []
    pool.apply_async(fail, (0,), error_callback=given.append).wait(10)
    print("error_callback got: %s %r" % (type(given[0]).__name__, given[0]))
    pool.close()
    print("apply_async() after close() ->", repr(pool.apply_async(fail, (1,))))
    pool.join()
