"""billiard 4.3's divergences found by ipc-spec, in plain billiard (python billiard_4_3.py).

Prints what happened for: Value('q') and Value('Q'), Condition.notify(n), SimpleQueue().empty(),
how often Queue.get(timeout=0.005) returns before 5 ms, the exit codes of sys.exit() and
sys.exit("a message") in a child, whether billiard has parent_process(), whether a process that
exits terminates its daemonic child, and under forkserver the exit code of a child killed by a
signal and whether join() waits until the child is gone; then, of billiard.connection, whether a
Client reaches a Listener at an abstract name by its address, whether Listener(authkey=b'')
accepts Client(authkey=b'') within 5 s, and what Client() raises for a first message that is not a
challenge.
"""
import os
import signal
import socket
import sys
import time
import billiard as mp


def child_exit(*args):
    sys.stderr = open(os.devnull, "w")
    sys.exit(*args)


def selfkill():
    os.kill(os.getpid(), signal.SIGUSR1)


def holds_socket(port):
    globals()["conn"] = socket.create_connection(("127.0.0.1", port))  # closed as it exits


def grandchild():
    time.sleep(30)


def child_with_daemon(q):
    g = mp.Process(target=grandchild)
    g.daemon = True
    g.start()
    q.put(g.pid)

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
    for args in ((), (None,), ("a message",)):
        p = ctx.Process(target=child_exit, args=args); p.start(); p.join()
        print("sys.exit(%s) in a child: exitcode %r (documented: %d)"
              % (", ".join(map(repr, args)), p.exitcode, 1 if args and args[0] else 0))
    print("billiard.parent_process:", getattr(mp, "parent_process", "absent"))
    sq = ctx.SimpleQueue()
    p = ctx.Process(target=child_with_daemon, args=(sq,)); p.start()
    gpid = sq.get(); p.join()
    time.sleep(0.5)
    try:
        with open("/proc/%d/stat" % gpid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        state = "gone"
    print("the daemonic child of a process that exited: %s" % (
        "gone" if state in ("gone", "Z") else "still running (state %s)" % state))
    if state not in ("gone", "Z"):
        os.kill(gpid, 9)
    fs = mp.get_context("forkserver")
    p = fs.Process(target=selfkill); p.start(); p.join()
    print("forkserver: a child killed by SIGUSR1 has exitcode %r (documented: %d)"
          % (p.exitcode, -signal.SIGUSR1))
    listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
    early = 0
    for _ in range(20):
        p = fs.Process(target=holds_socket, args=(listener.getsockname()[1],)); p.start()
        conn, _ = listener.accept(); p.join(); conn.setblocking(False)
        try:
            early += conn.recv(1) != b""
        except BlockingIOError:  # the child still holds its end: it has not ended
            early += 1
        conn.close()
    print("forkserver: join() returned before the child had ended in %d of 20 calls" % early)
    import struct
    import threading
    from billiard.connection import Client, Listener
    at = Listener("\0ipc-spec-billiard")
    try:
        Client(at.address).close()
        print("Client(Listener('\\0...').address): connected")
    except ValueError as e:
        print("Client(Listener('\\0...').address): ValueError:", e)
    try:
        at.close()
    except ValueError as e:  # it unlinks the abstract name as a file name
        print("Listener('\\0...').close(): ValueError:", e)
    empty, done = Listener(authkey=b""), []
    threading.Thread(target=lambda: done.append(Client(empty.address, authkey=b"")),
                     daemon=True).start()
    empty.accept().poll(5.0)
    print("Listener(authkey=b'') and Client(authkey=b''):", "connected" if done else "hang")
    server = socket.socket(socket.AF_UNIX); server.bind("\0ipc-spec-greeter"); server.listen(1)
    threading.Thread(target=lambda: server.accept()[0].sendall(struct.pack("!i", 2) + b"hi"),
                     daemon=True).start()
    try:
        Client("\0ipc-spec-greeter", authkey=b"k")
    except Exception as e:
        print("Client() greeted without a challenge: %s: %s" % (type(e).__name__, e))
