"""Reproducer of faults.event_setter_killed under multiprocessing, start method 'fork'.

Promised: an Event whose setter or waiter was killed: every survivor's wait(t) returns by t +
LATE, True once set() returned, False (not before t) if nobody set it; is_set() is True after
set() returned.

Found by ipc-spec 0.1.0 (2026-12-03T19:34:46Z) on CPython 3.8.18 on
Linux-6.18.44-fc-v1252-x86_64-with-glibc2.34 with multiprocessing (stdlib, Python 3.8.18), start
method 'fork'.

The kit saw:
    Deadlock: the example did not finish within 0.881 s under start method 'fork'; the workers
    were killed (an eighth of the 7.05 s deadline: a known divergence)

Known divergence: once a waiter was killed inside Event.wait(), set() blocks for ever in the
condition's notify_all() holding its lock, and every survivor's wait(timeout) overstays its
timeout (docs/divergences/event_set_after_waiter_killed.py); a setter killed inside set() leaves
that lock held too, and wait(timeout) takes it with no timeout
(https://github.com/python/cpython/issues/75158)

The example, as the kit ran it:
  e = Event()
  phase 1:
    process 0: e.wait(0.05)
    fault: SIGKILL process 0 0 ms into step 1
  phase 2:
    process 1: e.set()
    process 2: e.wait(0.005); e.is_set()

Run it with ``python <this file> [--runs N]`` (Python 3.8 or later, or PyPy; it needs only the
standard library).
It runs the example with plain calls of the implementation, prints what each process did, and
exits 1 when the divergence shows (the steps that were blocked at the kit's deadline are blocked
again), 0 when it does not, 2 when the example could not run.

The parent sends the example's fault (SIGKILL process 0 0 ms into step 1) with os.kill when the
struck process's record says the moment has come, as the kit's harness did; a struck process
runs nothing after the step it was struck in, and the steps it did not run are not compared.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

try:
    import multiprocessing
except ImportError as exc:  # exit status 2: 1 would say that the divergence showed
    print("Cannot import what the example needs: %s" % exc)
    sys.exit(2)


METHOD = 'fork'
IMPLEMENTATION = 'multiprocessing stdlib, Python 3.8.18'
CLAUSE = 'faults.event_setter_killed'
PROMISE = "an Event whose setter or waiter was killed: every survivor's wait(t) returns by t + LATE, True once set() returned, False (not before t) if nobody set it; is_set() is True after set() returned"
SEEN = "Deadlock: the example did not finish within 0.881 s under start method 'fork'; the workers were killed (an eighth of the 7.05 s deadline: a known divergence)"


def context():
    """The implementation under test, in the start method of the kit's run."""
    return multiprocessing.get_context(METHOD)


# -- the kit's plumbing, in plain code ---------------------------------------------------------

clock = time.monotonic  # CLOCK_MONOTONIC: one clock for every process of the machine
_marks = []  # what this process marked: (label, time)


def mark(label):
    """Record ``label`` with the time, in this process (a Barrier's action ran, a planned death)."""
    _marks.append((label, clock()))


class Ref(object):
    """A step argument that stands for the example's object ``name`` (or part ``name.part``)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Ref(%r)" % self.name


# -- the faults: signals the parent sends, as the kit's harness does ---------------------------

PARK_LIMIT = 120.0  # seconds a process waits before a step for its fault's signal
BLOCKED_AFTER = 0.005  # without /proc: seconds inside a call after which a process counts as blocked


class Interruptible(object):
    """SIGINT in a process a fault may strike, as the kit's workers take it: raised as
    KeyboardInterrupt while ``armed`` (inside a call, or waiting for the fault before a step), else
    only noted in ``hit``; either way the program stops after the step it came in."""

    def __init__(self):
        self.armed = False
        self.hit = []

    def __call__(self, signum, frame):
        self.hit.append(clock())
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt()


def park(guard):
    """Wait before a step for the signal of a fault 'before' it (a SIGINT raises here); after
    PARK_LIMIT seconds (the parent is gone) go on."""
    limit = clock() + PARK_LIMIT
    guard.armed = True
    try:
        while clock() < limit:
            time.sleep(0.001)
    finally:
        guard.armed = False


def asleep(pid):
    """Whether process ``pid``'s main thread is asleep (S or D in /proc/<pid>/stat); None where
    that cannot be read."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    return state in (b"S", b"D")


class Follow(object):
    """The events a process appends to its record, read as they come (those of ``phase``)."""

    def __init__(self, path, phase):
        self.fd = os.open(path, os.O_RDONLY)
        self.phase = phase
        self.rest = b""

    def read(self):
        data = self.rest
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            data += chunk
        lines = data.split(b"\n")
        self.rest = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line.decode())
            except ValueError:
                continue
            if event[0] in ("call", "parked", "op", "done", "interrupted") and event[1] == self.phase:
                events.append(event)
        return events

    def close(self):
        os.close(self.fd)


class Nemesis(object):
    """The parent's side of the faults of one phase, as the kit's harness sends them: it follows
    the record of each process a fault may strike (the steps it begins, waits before and ends) and
    sends the signal with os.kill when the moment has come (see FAULTS)."""

    def __init__(self, phase, procs, folder, run):
        self.phase, self.procs, self.run = phase, procs, run
        self.pending = dict((f[0], f) for f in FAULTS.get(phase, ()) if f[0] in procs)
        self.follow = dict((i, Follow(os.path.join(folder, "process-%d.jsonl" % i), phase))
                           for i in self.pending)
        self.state = dict((i, {"ended": -1, "call": None, "parked": None, "done": False})
                          for i in self.pending)
        self.first_asleep = {}  # process -> when first seen asleep inside the step

    def poll(self):
        """Send each pending fault whose moment has come."""
        for i, f in list(self.pending.items()):
            state = self.state[i]
            for event in self.follow[i].read():
                if event[0] == "call":
                    state["call"] = (event[2], event[3])
                elif event[0] == "parked":
                    state["parked"] = event[2]
                elif event[0] == "op":
                    state["ended"] = event[2]
                else:
                    state["done"] = True
            now = clock()
            if state["done"]:  # its program is over: too late
                self.drop(i, "not sent: process %d had finished its program" % i)
                continue
            if not self.procs[i].is_alive():
                self.drop(i, "not sent: process %d had ended" % i)
                continue
            step, when, delay = f[1], f[3], f[4]
            call = state["call"] if state["call"] and state["call"][0] == step else None
            if state["ended"] >= step:
                due = True  # the step ended first: strike wherever the process is
            elif when == "before":
                due = state["parked"] == step
            elif call is None:
                due = False
            elif when == "after":
                due = now >= call[1] + delay
            else:
                due = self.blocked(i, now, call[1])
            if due:
                self.send(i, f, state, call)

    def blocked(self, i, now, since):
        state = asleep(self.procs[i].pid)
        if state is None:
            return now >= since + BLOCKED_AFTER
        if not state:
            self.first_asleep.pop(i, None)
            return False
        return now - self.first_asleep.setdefault(i, now) >= 0.001

    def send(self, i, f, state, call):
        del self.pending[i]
        step = f[1]
        if state["ended"] >= step:
            seen = "after step %d had ended" % (state["ended"] + 1)
        elif call is not None:
            seen = "inside step %d, %.1f ms after its call began" % (step + 1,
                                                                   (clock() - call[1]) * 1e3)
        else:
            seen = "while it waited before step %d" % (step + 1)
        at = clock()
        try:
            os.kill(self.procs[i].pid, getattr(signal, f[2]))
        except OSError:
            pass
        self.run.struck[(self.phase, i)] = (f, at, seen)

    def drop(self, i, why):
        f = self.pending.pop(i)
        self.run.unsent[(self.phase, i)] = (f, why)

    def finish(self):
        for i, f in list(self.pending.items()):
            self.drop(i, "never sent: process %d did not get there" % i)
        for follow in self.follow.values():
            follow.close()


def strike(run, phase, i, sent, record, ended):
    """Process ``i`` was sent its fault in ``phase``: the step the signal ended (for SIGKILL and
    SIGTERM, an op that ends when the parent saw the process gone, as in the kit's history), and
    where it struck, in the kit's words."""
    f, at, seen = sent
    program = PHASES[phase][1][i]
    done = len([k for k in run.ops if k[:2] == (phase, i)])
    if f[2] == "SIGINT":
        hit = [k for k in range(done) if run.ops[(phase, i, k)][2] == "KeyboardInterrupt"]
        if hit:
            where = "in step %d: %s" % (hit[-1] + 1, program[hit[-1]][5])
        else:  # swallowed by the call, or after the last step
            where = "after the program ended" if done == len(program) else "in step %d" % done
    elif done >= len(program):
        where = "after the program ended"
    else:
        calls = [c for c in record["call"] if c[0] == phase]
        inside = bool(calls) and calls[-1][1] == done
        where = "%s step %d: %s" % ("inside" if inside else "before the call of", done + 1,
                                   program[done][5])
        if ended:
            run.ops[(phase, i, done)] = (calls[-1][2] if inside else at, run.gone.get((phase, i), at),
                                         f[2], "killed by %s %s" % (
                                             f[2], "inside the call" if inside
                                             else "before the call began"))
    run.where[(phase, i)] = where


def fault_lines(run):
    """Where each fault struck in ``run`` (and in the kit's run): lines, not compared."""
    origin = run.origin or 0.0
    lines = []
    for phase, faults in sorted(FAULTS.items()):
        for f in faults:
            key = (phase, f[0])
            if key in run.struck:
                at, seen = run.struck[key][1:]
                now = "sent at %.1f ms (%s): it struck %s" % (
                    (at - origin) * 1e3, seen, run.where.get(key, "(unknown)"))
            elif key in run.unsent:
                now = run.unsent[key][1]
            else:
                now = "not sent: the phase did not run"
            kit = [row for row in KIT_FAULTS if tuple(row[:2]) == key]
            lines.append("fault: %s (phase %d): %s%s" % (
                f[5], phase + 1, now, "; in the kit's run it struck %s (sent at %.1f ms)" % (
                    kit[0][3], kit[0][4]) if kit else ""))
    return lines


#: The worker-side operations the steps name ('@name').
OPERATIONS = {}


# -- the example -------------------------------------------------------------------------------


def build(ctx):
    """The example's objects, built once in the parent; a dict of parts of a factory
    gives objects name.part (part "" is name itself)."""
    return {
        'e': ctx.Event(),  # Event()
    }


#: The example, phase by phase: whether the phase runs on new processes and objects
#: (fresh), and each process's program. A step is (object, call, args, kwargs, pause,
#: text): call is 'method', '.attr' (read), '.attr=' (write args[0]), '@operation'
#: (OPERATIONS), 'pause' or 'die' (SIGKILL itself after the pause); text is the step as
#: the kit writes it.
PHASES = [
    # phase 1
    (False, {
        0: [
            ('e', 'wait', (0.05,), {}, 0.0, 'e.wait(0.05)'),
        ],
        # fault: SIGKILL process 0 0 ms into step 1 (FAULTS)
    }),
    # phase 2
    (False, {
        1: [
            ('e', 'set', (), {}, 0.0, 'e.set()'),
        ],
        2: [
            ('e', 'wait', (0.005,), {}, 0.0, 'e.wait(0.005)'),
            ('e', 'is_set', (), {}, 0.0, 'e.is_set()'),
        ],
    }),
]

#: The faults of each phase (by its index): signals the parent sends a process with
#: os.kill, as the kit's harness did, when that process's record says the moment has
#: come: (process, step, signal, when, delay, text). 'before': the process waits before
#: the step until the signal comes; 'after': delay seconds after the step's call began
#: (wherever the process then is); 'blocked': once the process is inside the step's call
#: and asleep there (S or D in /proc/<pid>/stat) on two readings 1 ms apart, or at once if
#: the step ended first. Not sent once the process's program is over. A struck process
#: runs nothing after the step it was struck in; a SIGINT is the KeyboardInterrupt of
#: the call it strikes.
FAULTS = {
    0: [  # phase 1
        (0, 0, 'SIGKILL', 'after', 0.0, 'SIGKILL process 0 0 ms into step 1'),
    ],
}

#: Seconds each phase may take before what is still running is killed (SIGKILL).
DEADLINE = 0.892
#: How often the example runs by default (--runs), at most: the first run that shows the divergence is the last.
RUNS = 50

# -- what the kit saw --------------------------------------------------------------------------

#: What this run is compared with: 'named' (the outcome of the operations the broken
#: clause names), 'timing' (the bound they broke), 'blocked' (the steps still running
#: at the kit's deadline) or 'all' (the outcome of every operation).
COMPARE = 'blocked'
#: The kit's operations: (phase, process, step, text, exception type or None,
#: outcome).
KIT_OPS = []
#: Those of KIT_OPS whose result is clock times (enter, exit), by position: compared by
#: how they overlap, never by their text.
INTERVALS = []
#: For a timing divergence: the bound broken, 'early' (returned before LIMIT s) or
#: 'late' (after LIMIT s), as (bound, LIMIT).
BOUND = None
#: For a deadlock: the steps still running at the kit's deadline (phase, process,
#: step, text).
KIT_BLOCKED = [
    (1, 1, 0, 'e.set()'),
    (1, 2, 0, 'e.wait(0.005)'),
]
#: Where the kit's faults struck (phase, process, fault, where, sent at ms): shown,
#: not compared.
KIT_FAULTS = [
    (0, 0, 'SIGKILL process 0 0 ms into step 1', 'inside step 1: e.wait(0.05)', 1.838),
]


# -- the machinery (the same in every reproducer) ----------------------------------------------

POLL = 0.0005  # seconds between two looks at a gate (or at a process a fault waits for)
START_TIMEOUT = 60.0  # seconds a process may take to start and receive the objects
STOP_GRACE = 2.0  # seconds a process may take to exit once the example is over
PLAIN = (type(None), bool, int, float, complex, str, bytes)


class Opaque(object):
    """A result that is not plain data, as the kit shows it: <type repr>."""

    def __init__(self, value):
        text = repr(value)
        text = text[:200] + "..." if len(text) > 200 else text
        self.text = "<%s %s>" % (type(value).__name__, text)

    def __repr__(self):
        return self.text


def plain(value):
    if isinstance(value, PLAIN):
        return value
    if type(value) in (list, tuple):
        return type(value)(plain(v) for v in value)
    return Opaque(value)


def shown(value, limit=60):
    """``repr`` of a result as the kit writes it: cut to ``limit`` characters."""
    value = plain(value)
    text = repr(value)
    if len(text) > limit:
        size = len(value) if isinstance(value, (bytes, str, list, tuple, dict)) else None
        text = text[:limit - 20] + "..." + (" (%d long)" % size if size is not None else "")
    return text


def outcome_of(error, message, result):
    if error is None:
        return "-> " + shown(result)
    return "raised %s%s" % (error, ": " + message if message else "")


def run_step(objects, step, started=None, guard=None):
    """Run one step as the kit's workers do: (start, end, exception type or None, outcome).
    ``started(start)`` is called just before the call (the parent sends a fault by it); ``guard``
    is the Interruptible of a process a SIGINT may strike: armed during the call alone."""
    name, call, args, kwargs, pause = step[:5]
    if pause:
        time.sleep(pause)
    obj = objects.get(name)
    args = [objects[a.name] if type(a) is Ref else a for a in args]
    kwargs = dict((k, objects[v.name] if type(v) is Ref else v) for k, v in kwargs.items())
    start = clock()
    if started is not None:
        started(start)
    try:
        if guard is not None:
            guard.armed = True
        if call == "pause":
            result = None
        elif call.startswith("@"):
            result = OPERATIONS[call[1:]](obj, *args, **kwargs)
        elif call.startswith("."):
            if call.endswith("="):
                setattr(obj, call[1:-1], args[0])
                result = None
            else:
                result = getattr(obj, call[1:])
        else:
            result = getattr(obj, call)(*args, **kwargs)
        if guard is not None:
            guard.armed = False
        error, message = None, ""
    except (Exception, KeyboardInterrupt) as exc:  # the step's outcome, recorded
        if guard is not None:
            guard.armed = False
        result, error, message = None, type(exc).__name__, str(exc)[:500]
    end = clock()
    return start, end, error, outcome_of(error, message, result)


def note(fd, *event):
    """Append ``event`` to this process's record (one JSON line, written at once: a process killed
    later still shows what it did)."""
    os.write(fd, (json.dumps(event) + "\n").encode())


def await_file(path, stop):
    """Wait until the file ``path`` exists (True) or ``stop`` does (False)."""
    while not os.path.exists(path):
        if os.path.exists(stop):
            return False
        time.sleep(POLL)
    return True


def watch_parent(parent):
    """End this process once the one that started it is gone: no orphans, even after SIGKILL."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(70)


def worker(number, objects, programs, folder):
    """Process ``number``: run its program of each phase once the parent opens the phase (the file
    go-<phase> appears in ``folder``), appending what each step did to process-<number>.jsonl;
    then wait until the example is over (the file stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    watchdog = threading.Thread(target=watch_parent, args=(os.getppid(),))
    watchdog.daemon = True
    watchdog.start()
    path = os.path.join(folder, "process-%d.jsonl" % number)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    note(fd, "ready", os.getpid())  # the objects reached this process
    stop = os.path.join(folder, "stop")
    for phase, program, fault in programs:
        if not await_file(os.path.join(folder, "go-%d" % phase), stop):
            return
        guard = started = None
        if fault is not None:  # the parent may send it a signal: it notes each call as it begins
            guard = Interruptible()
            signal.signal(signal.SIGINT, guard)
        for index, step in enumerate(program):
            if fault is not None:
                started = lambda at: note(fd, "call", phase, index, at)
                if fault[3] == "before" and fault[1] == index and not guard.hit:
                    note(fd, "parked", phase, index, clock())
                    try:
                        park(guard)
                    except KeyboardInterrupt:
                        pass
            if guard is not None and guard.hit:  # a SIGINT between steps, or while parked
                start = end = clock()
                error, outcome = "KeyboardInterrupt", "raised KeyboardInterrupt: before the step began"
            elif step[1] == "die":  # fault injection: SIGKILL, after the pause
                if step[4]:
                    time.sleep(step[4])
                mark("died")
            else:
                start, end, error, outcome = run_step(objects, step, started, guard)
            while _marks:
                note(fd, "mark", *_marks.pop(0))
            if step[1] == "die":
                os.kill(os.getpid(), signal.SIGKILL)
            note(fd, "op", phase, index, start, end, error, outcome)
            if guard is not None and guard.hit:
                break
        if guard is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if guard.hit:  # it stops, as a program does on an uncaught KeyboardInterrupt
                note(fd, "interrupted", phase, guard.hit[0])
                sys.exit(1)
        note(fd, "done", phase)
        open(os.path.join(folder, "done-%d-%d" % (phase, number)), "w").close()
        if any(step[1] == "@leave" for step in program):
            return
    await_file(stop, stop)


def read_record(path):
    """What a process appended to its record: ``{"op": [...], "mark": [...], "done": [...]}``."""
    record = {"op": [], "mark": [], "done": [], "call": [], "parked": [], "interrupted": []}
    try:
        with open(path) as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:  # cut short by a kill
                    continue
                if event[0] in record:
                    record[event[0]].append(event[1:] if event[0] != "done" else event[1])
    except OSError:
        pass
    return record


def flat(objects):
    """The objects by the names the steps use: a dict of parts gives name.part ("" is name)."""
    out = {}
    for name, obj in objects.items():
        if type(obj) is dict:
            for part, value in obj.items():
                out[name + "." + part if part else name] = value
        else:
            out[name] = obj
    return out


def groups():
    """The phases in runs that share their objects and processes (a fresh phase has its own)."""
    out = []
    for number, (fresh, programs) in enumerate(PHASES):
        if fresh or not out or PHASES[out[-1][0]][0]:
            out.append([])
        out[-1].append(number)
    return out


class Run(object):
    """What one run of the example did."""

    def __init__(self):
        self.origin = None  # when the first phase opened
        self.ops = {}  # (phase, process, step) -> (start, end, exception type or None, outcome)
        self.blocked = {}  # (phase, process) -> (step, since): still running at the deadline
        self.opened = {}  # phase -> when it opened
        self.deadline = None  # (phase, when) if a phase hit the deadline
        self.fates = []  # (process, pid, what happened to it)
        self.marks = []  # (time, process, label)
        self.pids = []
        self.gone = {}  # (phase, process) -> when the parent saw it ended before its program did
        self.hung = set()  # the processes still running at the deadline
        self.struck = {}  # (phase, process) -> (fault, when sent, where the parent saw it then)
        self.unsent = {}  # (phase, process) -> (fault, why it was not sent)
        self.where = {}  # (phase, process) -> where its fault struck, as the kit says it
        self.error = None  # why the example could not run
        self.unstarted = False  # whether that is a process the implementation could not start


def run_example(ctx, folder):
    """Run the example once, in processes of ``ctx``, with its gates and records in ``folder``."""
    run = Run()
    if "FILE_CELLS" in globals() and FILE_CELLS:
        FILE_CELLS[0] = os.path.join(folder, "cells")
        os.mkdir(FILE_CELLS[0])
    for number, group in enumerate(groups()):
        if run.deadline is not None:
            break
        where = os.path.join(folder, "group-%d" % number)
        os.mkdir(where)
        try:
            objects = flat(build(ctx))
        except Exception as exc:
            run.error = "building the objects raised %s: %s" % (type(exc).__name__, exc)
            return run
        procs = {}
        try:
            run.error = start_group(ctx, group, objects, where, procs, run)
            if run.error is None:
                if PHASES[group[0]][0]:  # fresh: only the processes hold the Connections
                    for obj in objects.values():
                        if hasattr(obj, "recv_bytes") and hasattr(obj, "close"):
                            obj.close()
                for phase in group:
                    if run_phase(phase, procs, where, run):
                        break
        except BaseException:  # interrupted: kill at once
            end_group(group, procs, where, run, 0.0)
            raise
        end_group(group, procs, where, run, STOP_GRACE)
        if run.error is not None:
            return run
    return run


def start_group(ctx, group, objects, folder, procs, run):
    """Start one process per process number of the phases ``group``; None once each has its
    objects, else why not."""
    numbers = sorted(set(i for phase in group for i in PHASES[phase][1]))
    for i in numbers:
        programs = [(phase, PHASES[phase][1][i], fault_of(phase, i)) for phase in group
                    if i in PHASES[phase][1]]
        proc = ctx.Process(target=worker, args=(i, objects, programs, folder),
                           name="process-%d" % i)
        proc.daemon = True
        try:
            proc.start()
        except Exception as exc:
            run.unstarted = True
            return "process %d could not start: %s: %s" % (i, type(exc).__name__, exc)
        procs[i] = proc
        run.pids.append(proc.pid)
    limit = clock() + START_TIMEOUT
    for i, proc in procs.items():
        while not os.path.exists(os.path.join(folder, "process-%d.jsonl" % i)):
            if not proc.is_alive():
                return "process %d ended (exit code %s) before its first step" % (i, proc.exitcode)
            if clock() > limit:
                return "process %d did not start within %d s" % (i, START_TIMEOUT)
            time.sleep(0.001)
    return None


def fault_of(phase, number):
    """The fault that may strike process ``number`` in ``phase``, or None."""
    return next((f for f in FAULTS.get(phase, ()) if f[0] == number), None)


def run_phase(phase, procs, folder, run):
    """Open ``phase`` to its processes and wait until each has run its program or ended, or the
    deadline passes (then kill them all), sending the phase's faults when they are due. True if
    it passed."""
    nemesis = Nemesis(phase, procs, folder, run) if FAULTS.get(phase) else None
    run.opened[phase] = go = clock()
    if run.origin is None:
        run.origin = go
    open(os.path.join(folder, "go-%d" % phase), "w").close()
    waiting = set(PHASES[phase][1])
    delay = POLL
    while waiting:
        if nemesis is not None:
            nemesis.poll()
        for i in list(waiting):
            done = os.path.join(folder, "done-%d-%d" % (phase, i))
            if os.path.exists(done):
                waiting.discard(i)
            elif not procs[i].is_alive():
                waiting.discard(i)
                run.gone[(phase, i)] = clock()
        late = clock() > go + DEADLINE
        if waiting and late:
            run.deadline = (phase, go + DEADLINE)
            for i, proc in procs.items():
                if proc.is_alive():
                    run.hung.add(i)
                    os.kill(proc.pid, signal.SIGKILL)
        if not waiting or late:
            if nemesis is not None:
                nemesis.finish()
            return bool(waiting)
        time.sleep(POLL if nemesis is not None and nemesis.pending else delay)
        delay = min(2 * delay, 0.005)
    return False


def end_group(group, procs, folder, run, grace):
    """Tell the processes the example is over, reap them (killing any that has not exited
    ``grace`` seconds later), and read what they did."""
    open(os.path.join(folder, "stop"), "w").close()
    limit = clock() + grace
    for i, proc in procs.items():
        proc.join(max(0.0, limit - clock()))
        late = proc.is_alive()
        if late:
            os.kill(proc.pid, signal.SIGKILL)
            proc.join()
        record = read_record(os.path.join(folder, "process-%d.jsonl" % i))
        for phase, index, start, end, error, outcome in record["op"]:
            run.ops[(phase, i, index)] = (start, end, error, outcome)
        for label, at in record["mark"]:
            run.marks.append((at, i, label))
        died = any(label == "died" for label, at in record["mark"])
        killed = run.deadline is not None and run.deadline[0] in group
        if killed and i in run.hung:
            phase = run.deadline[0]
            if PHASES[phase][1].get(i) and phase not in record["done"]:
                index = len([k for k in run.ops if k[:2] == (phase, i)])
                since = run.ops[(phase, i, index - 1)][1] if index else run.opened[phase]
                run.blocked[(phase, i)] = (index, since)
        struck = [(phase, run.struck[(phase, i)]) for phase in group if (phase, i) in run.struck]
        fault = struck[0][1][0] if struck else None
        ended = (fault is not None and proc.exitcode == -getattr(signal, fault[2]) and not late
                 and i not in run.hung)
        if struck:
            strike(run, struck[0][0], i, struck[0][1], record, ended)
        if died:
            fate = "killed itself (planned SIGKILL)"
        elif ended:
            fate = "ended by the %s of its fault (%s)" % (fault[2], fault[5])
        elif (fault is not None and fault[2] == "SIGINT" and record["interrupted"]
              and proc.exitcode == 1):
            fate = "stopped after the KeyboardInterrupt of its fault (%s): exit code 1" % fault[5]
        elif late:
            fate = "did not exit within %.0f s after the example: killed (SIGKILL)" % grace
        elif killed and proc.exitcode == -signal.SIGKILL:
            fate = "killed at the deadline (SIGKILL)"
        elif proc.exitcode:
            fate = "ended with exit code %s" % proc.exitcode
        else:
            fate = "exited normally"
        run.fates.append((i, proc.pid, fate))


def struck_in(run, phase, proc):
    """The fault that struck ``proc`` in ``phase`` or in an earlier phase of the same processes,
    or None."""
    for (p, i), sent in run.struck.items():
        if i == proc and p <= phase and not any(PHASES[q][0] for q in range(p + 1, phase + 1)):
            return sent[0]
    return None


def describe(run, phase, proc, index):
    """What step ``index`` of process ``proc`` in ``phase`` did in ``run``."""
    op = run.ops.get((phase, proc, index))
    if op is not None:
        return op[3]
    if run.blocked.get((phase, proc), (None,))[0] == index:
        return "still running at the deadline"
    fault = struck_in(run, phase, proc)
    if fault is not None:
        return "did not run (the process was struck: %s)" % fault[5]
    return "did not run"


def compare(run):
    """Whether ``run`` shows the divergence: ``(shown, lines, summary)``, the lines comparing each
    operation with the kit's, the summary saying in a few words what decided."""
    lines, same, summary = [], [], []
    if COMPARE == "blocked":
        for phase, proc, index, text in KIT_BLOCKED:
            now = describe(run, phase, proc, index)
            again = now == "still running at the deadline"
            same.append(again)
            lines.append("%s (phase %d, process %d, step %d): the kit's was still running at its "
                         "deadline; this run's: %s" % (text, phase + 1, proc, index + 1, now))
            summary.append("%s %s" % (text, "was still running at the deadline, as in the kit's run"
                                      if again else now + ", where the kit's was blocked"))
        return all(same), lines, summary
    if COMPARE == "timing":
        kind, limit = BOUND
        for phase, proc, index, text, error, outcome in KIT_OPS:
            op = run.ops.get((phase, proc, index))
            if op is None:
                same.append(False)
                lines.append("%s: %s" % (text, describe(run, phase, proc, index)))
                summary.append(lines[-1])
                continue
            took = op[1] - op[0]
            broke = took < limit if kind == "early" else took > limit
            same.append(broke)
            lines.append("%s %s after %.4f s: %s its %s bound (%s %.4f s)" % (
                text, op[3], took, "breaks" if broke else "keeps", kind,
                "not before" if kind == "early" else "not after", limit))
            if kind == "early":
                summary.append("%s returned after %.4f s, %s its %.4f s timeout" % (
                    text, took, "before" if broke else "not before", limit))
            else:
                summary.append("%s returned after %.4f s, %s its limit of %.4f s" % (
                    text, took, "past" if broke else "within", limit))
        return all(same), lines, summary
    for k, (phase, proc, index, text, error, outcome) in enumerate(KIT_OPS):
        op = run.ops.get((phase, proc, index))
        now = describe(run, phase, proc, index)
        if op is None:
            again = False
        elif k in INTERVALS:  # clock times: compared below, by how they overlap
            again = interval(op[3]) is not None
        elif error is not None:
            again = op[2] == error
        else:
            again = op[2] is None and op[3] == outcome
        same.append(again)
        lines.append("%s (phase %d, process %d, step %d): the kit saw %s; this run: %s%s" % (
            text, phase + 1, proc, index + 1, outcome, now, "" if again else "   <- not the same"))
        if not again:
            summary.append("%s %s, where the kit saw %s" % (text, now, outcome))
    overlaps = []
    for n, a in enumerate(INTERVALS):
        for b in INTERVALS[n + 1:]:
            kit = overlap(interval(KIT_OPS[a][5]), interval(KIT_OPS[b][5]))
            ops = [run.ops.get(tuple(KIT_OPS[k][:3])) for k in (a, b)]
            now = overlap(*[interval(op[3]) if op else None for op in ops])
            same.append(now == kit)
            words = "%s and %s" % (KIT_OPS[a][3], KIT_OPS[b][3])
            lines.append("%s (clock times): %s in the kit's run; in this run: %s" % (
                words, OVERLAP[kit], OVERLAP[now]))
            if now == kit:
                overlaps.append("%s %s, as in the kit's run" % (words, OVERLAP[now]))
            else:
                summary.append("%s %s, where in the kit's run they %s" % (words, OVERLAP[now],
                                                                         OVERLAP[kit]))
    if all(same):
        others = [row for k, row in enumerate(KIT_OPS) if k not in INTERVALS]
        summary = overlaps + ["%s %s, as in the kit's run" % (
            row[3], "raised " + row[4] if row[4] else row[5]) for row in others[:3]]
        if len(others) > 3:
            summary.append("and %d more" % (len(others) - 3))
    return all(same), lines, summary[:3] + (["..."] if len(summary) > 3 else [])


#: How two clock intervals were: overlapped (True) or not (False), or one of them is missing.
OVERLAP = {True: "overlapped", False: "did not overlap", None: "were not both run"}


def interval(outcome):
    """The clock times (enter, exit) of a result such as '-> (12.5, 12.7)', else None."""
    if not (outcome.startswith("-> (") and outcome.endswith(")")):
        return None
    try:
        enter, leave = [float(part) for part in outcome[4:-1].split(", ")]
    except ValueError:
        return None
    return enter, leave


def overlap(a, b):
    """Whether the clock intervals ``a`` and ``b`` overlap; None if one is missing."""
    if a is None or b is None:
        return None
    return a[0] < b[1] and b[0] < a[1]


def print_run(run):
    """What each process did, phase by phase, in ms from the example's start."""
    origin = run.origin or 0.0
    compared = set(tuple(row[:3]) for row in KIT_OPS) | set(tuple(row[:3]) for row in KIT_BLOCKED)
    died = dict((proc, at) for at, proc, label in run.marks if label == "died")
    for phase, (fresh, programs) in enumerate(PHASES):
        print("  phase %d%s:" % (phase + 1, " (new processes and objects)" if fresh else ""))
        if phase not in run.opened:
            print("    not run (an earlier phase hit the deadline)")
            continue
        for proc in sorted(programs):
            print("    process %d:" % proc)
            for index, step in enumerate(programs[proc]):
                flag = "   <- compared" if (phase, proc, index) in compared else ""
                op = run.ops.get((phase, proc, index))
                if op is not None:
                    print("      [%8.1f .. %8.1f ms] %s %s%s" % (
                        (op[0] - origin) * 1e3, (op[1] - origin) * 1e3, step[5], op[3], flag))
                elif run.blocked.get((phase, proc), (None,))[0] == index:
                    print("      [%8.1f .. still running at the deadline, %.1f ms] %s%s" % (
                        (run.blocked[(phase, proc)][1] - origin) * 1e3,
                        (run.deadline[1] - origin) * 1e3, step[5], flag))
                elif step[1] == "die" and proc in died:
                    print("      [%8.1f ms] %s" % ((died[proc] - origin) * 1e3, step[5]))
                elif struck_in(run, phase, proc) is not None:
                    print("      (not run: the process was struck) %s" % step[5])
                else:
                    print("      (not run) %s" % step[5])
        for f in FAULTS.get(phase, ()):
            print("    fault: %s" % f[5])
    for at, proc, label in sorted(run.marks):
        if label != "died":
            print("  process %d marked %r at %.1f ms" % (proc, label, (at - origin) * 1e3))
    for proc, pid, fate in run.fates:
        print("  process %d (pid %d): %s" % (proc, pid, fate))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Reproducer of %s under %s."
                                                 % (CLAUSE, IMPLEMENTATION))
    parser.add_argument("--runs", type=int, default=RUNS, metavar="N",
                        help="run the example N times (default %(default)s); the divergence shows "
                             "if it shows in any run")
    args = parser.parse_args(argv)
    print("%s, start method %r, on %s %s" % (IMPLEMENTATION, METHOD, sys.implementation.name,
                                             sys.version.split()[0]))
    print("Promised (%s): %s" % (CLAUSE, PROMISE or "(not stated)"))
    print("The kit saw: %s" % SEEN.replace("\n", "\n    "))
    try:
        return run_all(context(), max(1, args.runs))
    except KeyboardInterrupt:
        print("Interrupted: every process of the example was killed and reaped.")
        return 130
    except Exception:  # exit status 2: 1 would say that the divergence showed
        import traceback

        traceback.print_exc(file=sys.stdout)
        print("The reproducer failed: the example could not run.")
        return 2


def run_all(ctx, runs):
    """Run the example ``runs`` times; the exit status."""
    shown_in = 0
    first = []
    for number in range(runs):
        folder = tempfile.mkdtemp(prefix="ipc-spec-reproducer-")
        try:
            run = run_example(ctx, folder)
            if run.unstarted and "FILE_CELLS" in globals() and not FILE_CELLS:
                print("Note: %s; the cells are now a file that every process maps." % run.error)
                FILE_CELLS.append(None)
                shutil.rmtree(folder, ignore_errors=True)
                folder = tempfile.mkdtemp(prefix="ipc-spec-reproducer-")
                run = run_example(ctx, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if run.error is not None:
            print("The example could not run: %s" % run.error)
            return 2
        same, lines, summary = compare(run)
        shown_in += same
        if number == 0:
            print("This run (times in ms from the example's start):")
            print_run(run)
            if FAULTS:
                print("The faults (where they struck is shown, not compared):")
                for line in fault_lines(run):
                    print("  " + line)
            print("Compared with the kit's run:")
            for line in lines:
                print("  " + line)
        else:
            print("run %d: %s" % (number + 1, "; ".join(summary)))
        if number == 0 or same and shown_in == 1:
            first = summary  # the first run's, or the first that showed the divergence
        if same and (COMPARE == "blocked" or FAULTS):  # one hang, or one strike, shows it
            runs = number + 1
            break
    if shown_in:
        where = " in %d of %d runs" % (shown_in, runs) if runs > 1 else ""
        print("DIVERGENCE SHOWN%s: %s" % (where, "; ".join(first)))
        return 1
    where = "in any of the %d runs" % runs if runs > 1 else "in this run"
    print("not shown %s: %s" % (where, "; ".join(first)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
