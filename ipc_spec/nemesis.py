"""The nemesis: the harness's side of the faults of one phase (:class:`~ipc_spec.history.Fault`).

The harness, not the worker, sends each fault's signal, with ``os.kill`` on the worker's pid, when
the worker's stage on the crew's board (``ipc_spec._wire``) says the moment has come:

- ``before`` a step: the worker waits before that step (it was told to: :meth:`Nemesis.parks`) until
  the signal comes, so it strikes a process that has done exactly the steps before;
- ``after``: ``delay`` seconds after the step's call began (as the worker wrote it on the board);
  inside the call if it is still running or blocked, wherever the process has got to if not;
- ``blocked``: once the worker is inside the step's call and the operating system shows it asleep
  there on two readings a millisecond apart (``/proc/<pid>/stat``; where there is no ``/proc``,
  once it has been inside the call for :data:`BLOCKED_AFTER` seconds); at once if the step ended
  first.

A fault whose process has already replied (its program is over) is not sent: it is recorded as
:data:`~ipc_spec.history.MISSED`. Every worker a fault may strike sends the record of each step as
the step ends, so a SIGKILL loses none of what it did before. In the history, a fault is an op of
the process it struck (index -1, its call the signal's name, its result where it struck), and the
step it interrupted is an op that ends when the process was seen gone, raising the signal's name (a
SIGINT's step raises ``KeyboardInterrupt`` in the worker, which records it itself).

Nothing here calls the implementation under test: the board, the socket, ``os.kill`` and ``/proc``.
"""

import os
import signal
from typing import Any, Dict, List, Optional, Sequence

from . import _wire
from .errors import HarnessError
from .history import MISSED, SIGNALS, WHENS, Fault, Op, Step

#: Seconds between two readings of the board while a fault waits for its moment.
POLL = 0.0005
#: Where ``/proc`` is missing: seconds inside a call after which a process counts as blocked.
BLOCKED_AFTER = 0.005


def asleep(pid: int) -> Optional[bool]:
    """Whether process ``pid``'s main thread is asleep (``S`` or ``D`` in ``/proc/<pid>/stat``);
    None where that cannot be read."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    return state in (b"S", b"D")


def check(faults: Sequence[Fault], programs: Sequence[Sequence[Step]]):
    """Raise :class:`~ipc_spec.errors.HarnessError` unless each fault names a step of a program, and
    no process is struck twice (it is gone after the first)."""
    seen = set()
    for f in faults:
        if not isinstance(f, Fault) or f.signal not in SIGNALS or f.when not in WHENS:
            raise HarnessError("not a fault: %r (use ipc_spec.history.fault)" % (f,))
        if not 0 <= f.proc < len(programs) or not 0 <= f.step < len(programs[f.proc]):
            raise HarnessError("%s: the phase has no such step" % f.describe())
        if f.proc in seen:
            raise HarnessError("%s: a process can be struck once in a phase" % f.describe())
        seen.add(f.proc)


class Nemesis(object):
    """Sends the faults of one phase to the workers of ``crew`` and keeps what it saw."""

    def __init__(self, crew, programs, faults: Sequence[Fault]):
        check(faults, programs)
        self.crew = crew
        self.programs = programs
        self.pending: Dict[int, Fault] = {f.proc: f for f in faults}
        #: proc -> (fault, time sent, (status, stage, since) read just before sending)
        self.sent: Dict[int, Any] = {}
        self.missed: Dict[int, Fault] = {}
        self.streamed: Dict[int, List[Any]] = {f.proc: [] for f in faults}
        self.marks: Dict[int, List[Any]] = {f.proc: [] for f in faults}
        self.gone: Dict[int, float] = {}  # proc -> when it was seen gone (or its reply read)
        self._asleep: Dict[int, float] = {}  # proc -> when first seen asleep inside the step
        # Before the programs go out: what the board holds for a worker may be stale (a worker a
        # fault killed in its last example never cleared it, and its replacement inherits it).
        for proc in self.pending:
            crew.board.set_status(proc, -1)
            crew.board.set_stage(proc, _wire.OUTSIDE, 0.0)

    def parks(self, proc: int):
        """The steps before which process ``proc`` must wait for its fault (its program's message
        carries them), or None if no fault may strike it."""
        f = self.pending.get(proc)
        if f is None:
            return None
        return [f.step] if f.when == "before" else []

    def wake(self, limit: float) -> float:
        """When the harness must look at the board next (``limit`` if nothing is pending)."""
        return min(limit, _wire.clock() + POLL) if self.pending else limit

    def expects_end(self, proc: int) -> bool:
        """Whether ``proc`` was sent a signal that ends it without a reply (SIGKILL, SIGTERM)."""
        sent = self.sent.get(proc)
        return sent is not None and sent[0].signal != "SIGINT"

    def replied(self, proc: int):
        """``proc``'s reply was read: a fault not yet sent to it is missed."""
        f = self.pending.pop(proc, None)
        if f is not None:
            self.missed[proc] = f
        self.gone.setdefault(proc, _wire.clock())

    def ended(self, proc: int):
        """``proc``'s socket reached its end after a signal: it is gone."""
        self.gone.setdefault(proc, _wire.clock())

    def step(self, proc: int, number: int, record, marks):
        """A record streamed by ``proc`` as its step ``number`` ended."""
        self.streamed[proc].append(record)
        self.marks[proc].extend(marks)

    def poll(self):
        """Send each pending fault whose moment has come."""
        now = _wire.clock()
        for proc, f in list(self.pending.items()):
            board = self.crew.board
            status = board.status(proc)
            stage, since = board.stage(proc)
            if board.status(proc) != status:  # it moved on while we read: look again next time
                continue
            due = False
            if status < 0 and self.streamed[proc]:  # its program is over: too late
                self.missed[proc] = self.pending.pop(proc)
                continue
            if status > f.step:
                due = True  # past the step: strike where it is
            elif status == f.step:
                if f.when == "before":
                    due = stage == _wire.PARKED
                elif f.when == "after":
                    due = stage == _wire.IN_CALL and now >= since + f.delay
                elif stage == _wire.IN_CALL:
                    due = self._blocked(proc, now, since)
            if due:
                self._send(proc, f, (status, stage, since))

    def _blocked(self, proc, now, since):
        state = asleep(self.crew.pids[proc])
        if state is None:
            return now >= since + BLOCKED_AFTER
        if not state:
            self._asleep.pop(proc, None)
            return False
        first = self._asleep.setdefault(proc, now)
        return now - first >= 0.001

    def _send(self, proc, f, seen):
        del self.pending[proc]
        pid = self.crew.pids[proc]
        at = _wire.clock()
        try:
            os.kill(pid, getattr(signal, f.signal))
        except OSError:  # already gone: its end of the socket says so
            pass
        self.sent[proc] = (f, at, seen)
        self.crew.dead.add(proc)  # replaced before the next example, whatever it did

    # -- the history -----------------------------------------------------------------------------

    def ops(self, proc: int, program, reply) -> List[Op]:
        """``proc``'s ops: what it streamed, the step a signal interrupted, and the fault."""
        if reply is not None and reply[1]:  # a worker that was never told it might be struck
            records = reply[1]
        else:
            records = self.streamed.get(proc, [])
        ops = [Op(proc, i, program[i], start, end, result, *(error or (None, "")))
               for i, (start, end, result, error) in enumerate(records)]
        f = self.missed.get(proc)
        if f is not None:
            at = self.gone.get(proc, _wire.clock())
            ops.append(Op(proc, -1, Step("", f.signal, (f.describe(),)), at, at, MISSED, None,
                          "not sent"))
            return ops
        if proc not in self.sent:
            return ops
        f, at, (status, stage, since) = self.sent[proc]
        gone = self.gone.get(proc, _wire.clock())
        done = len(records)
        struck = None  # the index of the step the fault struck
        if f.signal == "SIGINT":
            # The worker says whether the SIGINT struck its program ("interrupted"): then its last
            # step is the one struck, whatever that step raised (a KeyboardInterrupt, or what the
            # implementation made of it) or returned.
            if reply is not None and reply[0] == "interrupted" and ops:
                struck = ops[-1].index
                where = "in step %d: %s" % (struck + 1, ops[-1].step.describe())
            else:
                where = MISSED
        elif done >= len(program):
            where = MISSED
        else:
            inside = status == done and stage == _wire.IN_CALL
            struck = done
            where = "%s step %d: %s" % ("inside" if inside else "before the call of", done + 1,
                                       program[done].describe())
            ops.append(Op(proc, done, program[done], since if inside else at, gone, None,
                          f.signal, "inside the call" if inside else "before the call began"))
        ops.append(Op(proc, -1, Step("", f.signal, (f.describe(),), {"struck": struck}), at, gone,
                      where, None, ""))
        return ops

    def describe(self, origin: float) -> List[str]:
        """Lines for a deadlock report: each fault, and what came of it."""
        lines = []
        for proc, (f, at, seen) in sorted(self.sent.items()):
            lines.append("  fault: %s, sent at %.1f ms%s" % (
                f.describe(), (at - origin) * 1e3,
                "; the process was gone %.1f ms later" % ((self.gone[proc] - at) * 1e3)
                if proc in self.gone else "; the process had not ended by the deadline"))
        for proc, f in sorted(self.pending.items()):
            lines.append("  fault: %s, never sent: process %d did not get there" % (
                f.describe(), proc))
        for proc, f in sorted(self.missed.items()):
            lines.append("  fault: %s, not sent: process %d had finished" % (f.describe(), proc))
        return lines
