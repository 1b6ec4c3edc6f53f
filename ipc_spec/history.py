"""What a scenario did: the operations each process ran, with their outcomes and timestamps.

Pure data, no ``multiprocessing``: specifications (``ipc_spec.specs``) are checks over a
:class:`History`, and can be tested on hand-written histories.

Times are seconds on the machine's monotonic clock, which every process shares (CLOCK_MONOTONIC on
Linux, ``mach_absolute_time`` on macOS), so ``a.end < b.start`` means *a* finished before *b* began,
whichever processes ran them.
"""

from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (payloads can be megabytes)."""
    text = repr(value)
    if len(text) > limit:
        size = len(value) if isinstance(value, (bytes, str, list, tuple, dict)) else None
        text = text[:limit - 20] + "...%s" % (" (%d long)" % size if size is not None else "")
    return text


class Step(NamedTuple):
    """One operation of a process's program (see ``ipc_spec._child`` for ``call``)."""

    obj: str
    call: str
    args: tuple = ()
    kwargs: dict = {}
    pause: float = 0.0

    def describe(self) -> str:
        if self.call == "pause":
            return "pause(%.3g)" % self.pause
        if self.call == "die":
            return "pause(%.3g); SIGKILL" % self.pause if self.pause else "SIGKILL"
        if self.call in SIGNALS:
            return "%s from the harness (%s)" % (self.call, self.args[0]) if self.args else self.call
        if self.call.startswith("."):
            if self.call.endswith("="):
                return "%s%s %s" % (self.obj, self.call[:-1] + " =", _short(self.args[0]))
            return self.obj + self.call
        parts = [_short(a) for a in self.args]
        parts += ["%s=%s" % (k, _short(v)) for k, v in sorted(self.kwargs.items())]
        call = self.call[1:] + "!" if self.call.startswith("@") else self.call
        text = "%s.%s(%s)" % (self.obj, call, ", ".join(parts))
        if self.pause:
            text = "pause(%.3g); %s" % (self.pause, text)
        return text


def call(obj: str, method: str, *args: Any, pause: float = 0.0, **kwargs: Any) -> Step:
    """``call("b", "wait", timeout=1.0)``: the step ``b.wait(timeout=1.0)``."""
    return Step(obj, method, args, kwargs, pause)


def read(obj: str, attr: str, pause: float = 0.0) -> Step:
    """The step that reads ``obj.attr``."""
    return Step(obj, "." + attr, (), {}, pause)


def write(obj: str, attr: str, value: Any, pause: float = 0.0) -> Step:
    """The step ``obj.attr = value``."""
    return Step(obj, "." + attr + "=", (value,), {}, pause)


def die(pause: float = 0.0) -> Step:
    """The step that kills its process with SIGKILL, after ``pause`` (fault injection). What the
    process did before is kept; the history marks ``"died"`` at that moment."""
    return Step("", "die", (), {}, pause)


def macro(obj: str, name: str, *args: Any, pause: float = 0.0, **kwargs: Any) -> Step:
    """A compound operation run in the worker: ``macro("l", "lock:critical", ...)`` runs
    ``critical`` of ``ipc_spec.ops.lock`` (see ``ipc_spec._child.operation``)."""
    return Step(obj, "@" + name, args, kwargs, pause)


#: The signals a :class:`Fault` may send, as the documentation's calls send them: ``Process.kill()``
#: (SIGKILL), ``Process.terminate()`` (SIGTERM), and a user's Ctrl-C (SIGINT, which a worker receives
#: as ``KeyboardInterrupt`` inside the call it is in).
SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT")
#: When a :class:`Fault` strikes, relative to its step: ``"before"`` it starts (the process waits
#: there for the signal), ``"after"`` ``delay`` seconds into it (inside the call if it is still
#: running or blocked, else wherever the process has got to), ``"blocked"`` once the process is seen
#: asleep inside it (or at once, wherever it is, if the step ended without blocking).
WHENS = ("before", "after", "blocked")
#: The result of a fault's op when it reached its process after its program was over (too late to
#: interrupt anything; the process is replaced all the same).
MISSED = "after the program ended"


class Fault(NamedTuple):
    """A signal the harness sends a process of one phase (the *nemesis*), and when.

    ``proc`` is the process, ``step`` the index of a step of its program, ``signal`` one of
    :data:`SIGNALS`, ``when`` one of :data:`WHENS`, ``delay`` seconds (for ``"after"``). The process
    is gone afterwards (SIGINT: once it has reported the ``KeyboardInterrupt``) and is replaced
    before the next example; its steps after the one interrupted do not run.
    """

    proc: int
    step: int
    signal: str = "SIGKILL"
    when: str = "before"
    delay: float = 0.0

    def describe(self) -> str:
        if self.when == "before":
            at = "before step %d" % (self.step + 1)
        elif self.when == "after":
            at = "%.3g ms into step %d" % (self.delay * 1e3, self.step + 1)
        else:
            at = "once blocked in step %d" % (self.step + 1)
        return "%s process %d %s" % (self.signal, self.proc, at)


def fault(proc: int, step: int, signal: str = "SIGKILL", when: str = "before",
          delay: float = 0.0) -> Fault:
    """``fault(1, 0, "SIGKILL", "blocked")``: kill process 1 once it is blocked in its first step."""
    if signal not in SIGNALS or when not in WHENS or delay < 0:
        raise ValueError("a fault is one of %s, %s, and a delay >= 0" % (SIGNALS, WHENS))
    return Fault(proc, step, signal, when, float(delay))


class Op(NamedTuple):
    """A step as it ran: who ran it, when, and what came of it."""

    proc: int
    index: int
    step: Step
    start: float
    end: float
    result: Any
    error: Optional[str]  # the exception's type name, None if the call returned
    message: str = ""

    @property
    def obj(self) -> str:
        return self.step.obj

    @property
    def call(self) -> str:
        return self.step.call

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def is_fault(self) -> bool:
        """Whether this is a signal the harness sent (a :class:`Fault`), not a step."""
        return self.step.call in SIGNALS

    def outcome(self) -> str:
        if self.error in ("SIGKILL", "SIGTERM"):
            return "killed by %s%s" % (self.error, " " + self.message if self.message else "")
        if self.error is None:
            return "-> %s" % _short(self.result)
        return "raised %s%s" % (self.error, ": " + self.message if self.message else "")


class Mark(NamedTuple):
    """Something a process recorded besides its steps (a Barrier action ran), and when."""

    proc: int
    label: str
    time: float


class History(object):
    """The operations of one example, in each process's program order."""

    def __init__(self, ops: Sequence[Op], marks: Sequence[Mark] = (), origin: float = 0.0,
                 procs: int = 0):
        self.ops: List[Op] = list(ops)
        self.marks: List[Mark] = sorted(marks, key=lambda m: m.time)
        self.origin = origin
        self.procs = procs or (max((o.proc for o in self.ops), default=-1) + 1)

    def of(self, proc: int) -> List[Op]:
        """The ops of process ``proc``, in program order."""
        return [o for o in self.ops if o.proc == proc]

    def select(self, obj: Optional[str] = None, call: Optional[str] = None) -> List[Op]:
        """The ops on ``obj`` (any if None) calling ``call`` (any if None), by start time."""
        ops = [o for o in self.ops
               if (obj is None or o.obj == obj) and (call is None or o.call == call)]
        return sorted(ops, key=lambda o: o.start)

    def faults(self) -> List[Op]:
        """The signals the harness sent (see :class:`Fault`), by time."""
        return sorted((o for o in self.ops if o.is_fault), key=lambda o: o.start)

    def victims(self) -> set:
        """The processes a fault struck: they are gone after it."""
        return {o.proc for o in self.ops if o.is_fault and o.result != MISSED}

    def struck(self, proc: int) -> Optional[Op]:
        """The op of ``proc`` its fault interrupted (None if none did), whatever it raised."""
        for fault in self.faults():
            index = fault.step.kwargs.get("struck")
            if fault.proc == proc and index is not None:
                return next((o for o in self.of(proc) if o.index == index and not o.is_fault),
                            None)
        return None

    def survivors(self, obj: Optional[str] = None, call: Optional[str] = None) -> List[Op]:
        """:meth:`select`, leaving out the ops of :meth:`victims`."""
        gone = self.victims()
        return [o for o in self.select(obj, call) if o.proc not in gone]

    def times(self, label: str) -> List[float]:
        return [m.time for m in self.marks if m.label == label]

    def format(self, ops: Optional[Sequence[Op]] = None) -> str:
        """A table a person can read: one line an op, times in ms from the example's start."""
        ops = self.ops if ops is None else ops
        lines = []
        for proc in range(self.procs):
            mine = [o for o in ops if o.proc == proc]
            if not mine and ops is not self.ops:
                continue
            lines.append("  process %d:" % proc)
            if not mine:
                lines.append("    (no steps)")
            for o in mine:
                lines.append("    [%7.1f .. %7.1f ms] %s %s" % (
                    (o.start - self.origin) * 1e3, (o.end - self.origin) * 1e3,
                    o.step.describe(), o.outcome()))
        for m in self.marks:
            lines.append("  process %d marked %r at %.1f ms" % (m.proc, m.label,
                                                              (m.time - self.origin) * 1e3))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<History of %d ops in %d processes>" % (len(self.ops), self.procs)


def on(steps: Dict[int, Sequence[Step]]) -> List[List[Step]]:
    """The programs of one phase: ``on({0: [a], 2: [b, c]})`` runs ``a`` in worker 0 and ``b, c`` in
    worker 2, at once; workers not named sit the phase out."""
    return [list(steps.get(i, ())) for i in range(max(steps) + 1)]


def merged(*histories: "History") -> History:
    """The phases of one example (several runs on the same objects, one after another) as one
    history; process ``i`` is the same worker in each, and times stay comparable."""
    histories = [h for h in histories if h is not None]
    ops = [op for h in histories for op in h.ops]
    marks = [m for h in histories for m in h.marks]
    return History(ops, marks, min((h.origin for h in histories), default=0.0),
                   max((h.procs for h in histories), default=0))


Program = List[Step]
Scenario = Tuple[dict, List[Program]]
