"""A ShareableList cuts a str whose UTF-8 encoding is longer than its characters (documented: str
values "less than 10M bytes each when encoded as UTF-8"); fixed in 3.14.
https://github.com/python/cpython/issues/88336"""
import multiprocessing as mp, sys
from multiprocessing import shared_memory

VALUE = "ééééé"  # 5 characters, 10 bytes in UTF-8


def read(name, q):
    sl = shared_memory.ShareableList(name=name)
    try:
        q.put(("ok", sl[0]))
    except Exception as exc:
        q.put(("raised", type(exc).__name__))
    sl.shm.close()


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"; ctx = mp.get_context(method)
    sl = shared_memory.ShareableList([VALUE])
    try:
        q = ctx.SimpleQueue()
        p = ctx.Process(target=read, args=(sl.shm.name, q)); p.start()
        seen = q.get(); p.join(30)
    finally:
        sl.shm.close(); sl.shm.unlink()
    if seen != ("ok", VALUE): print(f"{method}: DIVERGES: {VALUE!r} stored, a child read {seen}")
    else: print(f"{method}: holds: a child read {seen}")
    sys.exit(1 if seen != ("ok", VALUE) else 0)
