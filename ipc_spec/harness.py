"""Runs scenarios across real processes and records what happened.

A *scenario* is a set of named shared objects (each described by a :class:`Make`, or a
:class:`Cells` instrument of the kit's own) and one program of :class:`~ipc_spec.history.Step` per
process. :meth:`Env.run` runs it and returns a :class:`~ipc_spec.history.History`, or raises
:class:`~ipc_spec.errors.Deadlock` when it does not finish by its deadline.

Workers are reused. ``multiprocessing`` lets its synchronisation objects reach a process only when
the process starts, so a crew of workers (:mod:`ipc_spec.crews`) is started with a *bank* of fresh
objects of each kind the scenarios ask for, and every example draws objects no other example is
using. Unless it is recycled (below), no object is used by two examples, so no state can leak from
one to the next. When the bank lacks a kind, or runs dry, the crew is replaced by a new one with a
larger bank; a deadlocked crew is killed and replaced too.

An object whose family documents a way back to its initial state (``Make.recycled_by``) is *recycled*:
once an example that used it has passed (:meth:`Env.settle`), the host checks that state through
the primitive's own API, and the object serves a later example. Objects of a failed or deadlocked
example are never reused.

The harness trusts nothing it tests: the crews' processes are started by the host process
(:mod:`ipc_spec._host`) through the implementation, but replies, status, the clock and deadlines
are the kit's own (:mod:`ipc_spec._wire`), and a deadlocked crew is killed by its pids.
"""

import contextlib
import functools
from typing import Any, Dict, List, Optional, Sequence

from . import _wire, evidence
from . import crews as _crews
from . import impl as _impl
from .banks import Banks, Retry
from .crews import Crew
from .errors import Deadlock, HarnessError, Unsupported, WorkerDied
from .lacks import Lacks
from .history import Fault, History, Mark, Op, Step, merged
from .nemesis import Nemesis
from .objects import Cells, Make  # noqa: F401  (the authoring names)

__all__ = ["Env", "Make", "Cells", "Objects"]


def _unsupported(reason):
    raise Unsupported(reason)


class Objects(object):
    """Objects allocated to one example: where each name lives (a bank slot in its crew, or
    instrument cells on the crew's board)."""

    __slots__ = ("crew", "names")

    def __init__(self, crew, names):
        self.crew = crew
        self.names = names


class Env(Banks, Lacks):
    """One implementation in one start method, as a property test sees it.

    ``impl`` is the implementation under test: what ``--ipc-impl`` accepts (``"multiprocessing"``,
    ``"module:attribute"``), or such an object, found by its importable name; ``deadline`` bounds
    every example in seconds.
    """

    def __init__(self, impl, method: str, name: Optional[str] = None, deadline: float = 30.0,
                 skip=None, host=None, reject=None):
        self.impl = impl if isinstance(impl, str) else _impl.spec_of(impl)
        self.method = method
        self.name = name or self.impl
        self.deadline = deadline
        self.skip = skip or _unsupported
        #: Called to leave out an example that needs what the implementation lacks (Hypothesis's
        #: ``reject``); the lack is recorded in :attr:`lacks` and reported by :meth:`check_lacks`.
        #: Without it, such an example fails at once.
        self.reject = reject
        self.lacks: Dict[str, str] = {}
        self.host = host or _crews.host(method)
        self.crew: Optional[Crew] = None
        self.standby: Optional[Crew] = None  # the next crew, starting in the background
        #: After a first deadlock, Hypothesis shrinks by running smaller examples that may deadlock
        #: too: each of those gets a quarter of its deadline, so shrinking does not multiply the wait.
        self.hung = False
        #: In a known divergence (:meth:`examples_of`) every deadline is an eighth of its length.
        self.known = False
        self.want: Dict[Any, Any] = {}
        #: Kinds the implementation cannot build or hand to a process: key -> (how, what happened).
        self.lacking: Dict[Any, Any] = {}
        self.size = 1
        self.crews_started = 0
        self.examples = 0
        self._recycled = 0
        #: Recyclable objects handed out since the last :meth:`settle`: ``(crew, make, slot)``.
        self.lent: List[Any] = []
        #: Ids of the objects sent with examples (``Make.sent``) since the last :meth:`settle`,
        #: and the parts of those that the implementation could not build.
        self.sent_out: List[int] = []
        self.sent_parts: Dict[int, Any] = {}
        #: The current example as it ran: its objects, the programs of each phase, and the
        #: history of each phase that finished (for the report; see :meth:`evidence`).
        self.ran: List[Any] = [{}, [], []]
        #: ``respell(step) -> step``, applied to every step :meth:`run` is given (the plugin sets
        #: the property's flavour's), or None.
        self.respell = None

    # -- examples --------------------------------------------------------------------------------

    def budget(self, deadline: Optional[float] = None) -> float:
        """The deadline in force for the next example asking for ``deadline`` (the env's default if
        None): a quarter of it, at least 0.5 s, once an example of this env has deadlocked; an
        eighth, at least 0.5 s, in a known divergence (its failure is expected, its hang known)."""
        asked = self.deadline if deadline is None else deadline
        if self.known:
            return min(asked, max(0.5, asked / 8))
        return min(asked, max(0.5, asked / 4)) if self.hung else asked

    def allocate(self, objects: Dict[str, Any], procs: int) -> "Objects":
        """Fresh objects for one example that runs in phases (several :meth:`run` calls on the same
        objects, each phase over before the next starts), on up to ``procs`` processes. Instrument
        :class:`Cells` start at zero."""
        for attempt in range(3):
            try:
                crew = self._crew_for(objects, procs)
                break
            except Retry:  # a kind was found lacking and dropped from the bank
                if attempt == 2:
                    raise HarnessError("no crew could start under %r" % self.method) from None
        names = {}
        cells = 0
        for name, make in objects.items():
            if isinstance(make, Cells):
                names[name] = ("cells", cells, make.count)
                cells += make.count
                continue
            if make.sent:
                continue
            names[name] = slot = crew.take(make)
            if make.reset is not None:
                self.lent.append((crew, make, slot))
        names.update(self._send(objects))
        if cells > _wire.MAX_CELLS:
            raise HarnessError("an example may use %d cells, not %d" % (_wire.MAX_CELLS, cells))
        crew.board.clear_cells(cells)
        self.ran = [dict(objects), [], []]
        return Objects(crew, names)

    def _send(self, objects) -> Dict[str, Any]:
        """Names of ``objects`` whose kind is sent with the example (``Make.sent``), each mapped
        to ``("sent", id, pickled)``: built anew and pickled by the host in one request,
        unpickled by the workers that use them. A kind that cannot be built or pickled is marked
        lacking, and the example left out."""
        sent = [(name, make) for name, make in objects.items()
                if isinstance(make, Make) and make.sent]
        if not sent:
            return {}
        got = self.host.call("send", self.impl, self.method, [m for _, m in sent])
        names = {}
        for (name, make), answer in zip(sent, got):
            if answer[0] is None:
                self.lacking[make.key] = answer[1:]
                continue
            sid, pickled, parts = answer
            self.sent_out.append(sid)
            if parts:
                self.sent_parts[sid] = parts
            names[name] = ("sent", sid, pickled)
        if len(names) < len(sent):
            self._check_lacking(objects)
        return names

    def transcript(self) -> str:
        """The current (for a failure: the last, minimal) example as a program a person can read:
        its objects, then what each process ran in each phase."""
        objects, phases = self.ran[:2]
        if not phases:
            return ""
        lines = ["  %s = %r" % item for item in objects.items()]
        for number, (fresh, programs, faults) in enumerate(phases, 1):
            lines.append("  phase %d%s:" % (number, " (new processes)" if fresh else ""))
            for i, program in enumerate(programs):
                if program:
                    lines.append("    process %d: %s" % (i, "; ".join(s.describe() for s in program)))
            for f in faults:
                lines.append("    fault: %s" % f.describe())
        return "\n".join(lines)

    def settle(self, passed: bool):
        """The example that used the objects handed out since the last call is over: if it
        ``passed``, recycle those that can be (``Make.recycled_by``); if not, none is reused."""
        lent, self.lent = self.lent, []
        mine = [(make, slot) for crew, make, slot in lent if crew is self.crew]
        if passed and mine:
            self.crew.give_back(mine, self._count_recycled)
        sent, self.sent_out = self.sent_out, []
        if sent:  # never recycled (see ipc_spec._host.Host.op_send)
            for sid in sent:
                self.sent_parts.pop(sid, None)
            self.host.post("sent_back", sent, on_reply=lambda _: None)

    def close(self):
        """Stop every crew this env started, reap every worker, and have the host drop the
        objects sent with the last example."""
        Banks.close(self)
        if self.host.proc is not None and self.host.proc.poll() is None:
            self.settle(False)
        self.sent_out, self.sent_parts = [], {}

    def _count_recycled(self, n):
        self._recycled += n

    @property
    def recycled(self) -> int:
        """How many objects were given back to serve another example."""
        self.host.drain()
        return self._recycled

    def run(self, objects, programs: Sequence[Sequence[Step]],
            deadline: Optional[float] = None, fresh: bool = False,
            faults: Sequence[Fault] = ()) -> History:
        """Run one example, or one phase of one: every program in its own worker, all at once.

        ``objects`` is a dict of name -> :class:`Make` or :class:`Cells` (objects in their initial
        state, for this call alone: fresh, or recycled after a passing example) or what
        :meth:`allocate` returned. Returns the history; raises :class:`Deadlock` if the programs are
        not over within ``deadline`` seconds (the env's default if None), after killing the crew.

        ``fresh=True`` runs the example on new processes that hold nothing but its own objects, and
        stops them afterwards (waiting for them to exit): for properties about process start or
        exit, and for end-of-file on a Connection, which needs every other copy of the peer end
        closed. The host closes its own copies of Connections once the workers have started.

        ``faults`` are signals the harness sends during the phase (:class:`~ipc_spec.history.Fault`,
        :mod:`ipc_spec.nemesis`): each struck process is gone afterwards, and replaced before the
        next example; the history holds each fault and the call it interrupted.
        """
        if self.respell is not None:
            programs = [[self.respell(s) for s in program] for program in programs]
        if fresh:
            return self._run_fresh(objects, programs, deadline, faults)
        if not isinstance(objects, Objects):
            objects = self.allocate(objects, len(programs))
        return self._run(objects, programs, deadline, False, faults)

    def _run(self, objects: Objects, programs, deadline, fresh, faults=()) -> History:
        procs = len(programs)
        crew = objects.crew
        if crew is not self.crew or procs > crew.size:
            raise HarnessError("objects allocated for another crew, or for fewer processes")
        if crew.parts or self.sent_parts:
            self._check_parts(objects, programs)
        names = objects.names
        nemesis = Nemesis(crew, programs, faults) if faults else None
        self.ran[1].append((fresh, [list(p) for p in programs], list(faults)))
        wire = [[tuple(step) for step in program] for program in programs]
        self.examples += 1
        asked = self.deadline if deadline is None else deadline
        budget = self.budget(asked)
        origin = _wire.clock()
        busy = [i for i in range(procs) if programs[i]]  # an empty program: the worker sits out
        gone = sorted(set(busy) & crew.dead)
        if gone:
            raise HarnessError("process %s was struck by a fault in an earlier phase of this "
                               "example: it is replaced only before the next example, so give it "
                               "an empty program" % ", ".join(map(str, gone)))
        replies: Dict[int, Any] = {}
        try:
            for i in busy:
                parks = nemesis.parks(i) if nemesis else None
                try:
                    _wire.send(crew.socks[i], (names, wire[i]) if parks is None
                               else (names, wire[i], parks))
                except OSError:
                    said = crew.said(i)
                    self.crew = None
                    crew.kill()
                    raise WorkerDied("worker process %d had ended before this phase under %s "
                                     "(its end of the kit's socket was closed)%s"
                                     % (i, self.method, said)) from None
            limit = origin + budget
            waiting = {crew.socks[i]: i for i in busy}
            while waiting:
                ready = _wire.readable(list(waiting), nemesis.wake(limit) if nemesis else limit)
                if nemesis is not None:
                    nemesis.poll()
                if not ready and _wire.clock() >= limit:
                    self._deadlock(crew, programs, budget, asked, origin, replies, nemesis)
                for sock in ready:
                    i = waiting[sock]
                    reply = self._reply(crew, i, limit, programs, budget, asked, origin, replies,
                                        nemesis)
                    if reply is None:  # a record streamed by a process a fault may strike
                        continue
                    del waiting[sock]
                    replies[i] = reply
                    if nemesis is not None and reply[0] != "killed":
                        nemesis.replied(i)
        except BaseException:
            # Interrupted (Ctrl-C, pytest-timeout, a deadlock): the workers may still be busy with
            # this example, so the crew can serve no other.
            if self.crew is crew:
                crew.kill()
                self.crew = None
            self.hung = True
            raise
        unsent = [replies[i] for i in busy if replies[i][0] == "unsent"]
        if unsent:
            self._unsent(*unsent[0][1:])
        ops: List[Op] = []
        marks: List[Mark] = []
        for i in busy:
            self._collect(i, programs[i], replies[i], ops, marks, nemesis)
        history = History(ops, marks, origin, procs)
        self.ran[2].append(history)
        return history

    def _unsent(self, name, text):
        """A worker could not unpickle the sent object ``name``: its kind cannot be handed to a
        process (``<clause>.inherit``), and the example is left out."""
        make = self.ran[0].get(name)
        if not isinstance(make, Make):
            raise HarnessError("a worker could not unpickle object %r: %s" % (name, text))
        self.lacking[make.key] = ("inherit", "%r could not be unpickled in a process it was sent "
                                             "to: %s" % (make, text))
        self._check_lacking({name: make})

    def evidence(self) -> dict:
        """The current (for a failure: the last, minimal) example as data for the report: its
        ``scenario`` and its ``history`` (the phases that finished, merged; see
        :mod:`ipc_spec.evidence`)."""
        objects, phases, histories = self.ran
        if not phases:
            return {}
        return {"scenario": evidence.scenario(objects, phases),
                "history": evidence.history_data(merged(*histories)) if histories else None}

    def _reply(self, crew: Crew, i: int, limit, programs, budget, asked, origin, replies,
               nemesis=None):
        """Worker ``i``'s reply to the phase; None for a step's record streamed before it."""
        try:
            reply = _wire.recv(crew.socks[i], limit)
        except _wire.Timeout:  # part of a reply, then nothing: as good as hung
            self._deadlock(crew, programs, budget, asked, origin, replies, nemesis)
        except (EOFError, OSError):
            if nemesis is not None and nemesis.expects_end(i):  # the fault's signal ended it
                nemesis.ended(i)
                return ("killed", [], [])
            said = crew.said(i)
            crew.kill()
            self.crew = None
            raise WorkerDied("worker process %d ended unexpectedly under %s%s"
                             % (i, self.method, said)) from None
        if reply[0] == "step" and nemesis is not None:
            nemesis.step(i, *reply[1:])
            return None
        if reply[0] in ("died", "interrupted"):  # a planned death: replaced before the next example
            crew.dead.add(i)
        if reply[0] == "crash":
            crew.kill()
            self.crew = None
            raise HarnessError("worker %d failed outside any step:\n%s" % (i, reply[1]))
        return reply

    def _run_fresh(self, objects, programs, deadline, faults=()):
        saved, self.crew = self.crew, None
        try:
            self._check_lacking(objects)
            bank = {}
            for make in objects.values():
                if isinstance(make, Make) and not make.sent:
                    old = bank.get(make.key, (make, 0))[1]
                    bank[make.key] = (make, old + 1)
            crew = self.crew = self._new_crew(len(programs), bank)
            self._check_lacking(objects)
            try:
                self._await_ready(crew)
            except Retry:
                self._check_lacking(objects)
                raise
            self.host.call("close_conns", crew.cid)
            objs = {name: make for name, make in objects.items()}
            names, cells = {}, 0
            for name, make in objs.items():
                if isinstance(make, Cells):
                    names[name] = ("cells", cells, make.count)
                    cells += make.count
                elif not make.sent:
                    names[name] = crew.take(make)
            names.update(self._send(objs))
            crew.board.clear_cells(cells)
            self.ran = [dict(objects), [], []]
            history = self._run(Objects(crew, names), programs, deadline, True, faults)
            self.crew = None
            crew.stop()
            return history
        finally:
            if self.crew is not None:
                self.crew.kill()
            self.crew = saved

    @contextlib.contextmanager
    def examples_of(self, test, known=False):
        """While in this block, each example of ``test`` (a Hypothesis ``@given`` function) tells
        this env whether it passed, so that its objects can be recycled (:meth:`settle`). Without
        it, no object is reused.

        The deadlines start at their full length, whatever an earlier test did; ``known=True`` (a
        known divergence, expected to fail, maybe by hanging) shortens them to an eighth from the
        first example (:meth:`budget`): a hang it is known for costs little.
        """
        self.hung = self.known = known
        hyp = getattr(test, "hypothesis", None)
        if hyp is None or not hasattr(hyp, "inner_test"):
            yield
            return
        inner = hyp.inner_test

        @functools.wraps(inner)
        def example(*args, **kwargs):
            try:
                result = inner(*args, **kwargs)
            except BaseException:
                self.settle(False)
                raise
            self.settle(True)
            return result

        hyp.inner_test = example
        try:
            yield
        except Exception as exc:
            self.check_lacks(exc)
            raise
        else:
            self.check_lacks()
        finally:
            hyp.inner_test = inner
            self.known = False
            self.settle(False)

    @staticmethod
    def _collect(i, program, reply, ops, marks, nemesis=None):
        if nemesis is not None and i in nemesis.streamed:
            ops.extend(nemesis.ops(i, program, reply))
            marks.extend(Mark(i, label, t) for label, t in nemesis.marks[i] + list(reply[2]))
            return
        _, records, proc_marks = reply
        for index, (step, (start, end, result, error)) in enumerate(zip(program, records)):
            kind, message = error if error else (None, "")
            ops.append(Op(i, index, step, start, end, result, kind, message))
        marks.extend(Mark(i, label, t) for label, t in proc_marks)

    def _deadlock(self, crew, programs, budget, asked, origin, replies, nemesis=None):
        """Say who is waiting on what, kill the crew, raise :class:`Deadlock`."""
        now = _wire.clock()
        lines = ["the example did not finish within %.3g s under start method %r; "
                 "the workers were killed" % (budget, self.method)]
        ops: List[Op] = []
        marks: List[Mark] = []
        blocked = []
        for i, program in enumerate(programs):
            if not program:
                continue
            if i in replies:
                self._collect(i, program, replies[i], ops, marks, nemesis)
                lines.append("  process %d: %s" % (i, "gone after its fault" if replies[i][0] in (
                    "killed", "interrupted") else "finished its %d steps" % len(program)))
                continue
            if nemesis is not None and i in nemesis.streamed:
                self._collect(i, program, ("running", [], []), ops, marks, nemesis)
            at = crew.status(i)
            if 0 <= at < len(program):
                blocked.append((i, at, program[at].describe()))
                lines.append("  process %d: blocked in step %d of %d: %s (waiting %.3g s)" % (
                    i, at + 1, len(program), program[at].describe(), now - origin))
            else:
                lines.append("  process %d: never reported back (%d steps)" % (i, len(program)))
        if nemesis is not None:
            lines.extend(nemesis.describe(origin))
        crew.kill()
        self.crew = None
        if budget < asked:
            lines[0] += (" (an eighth of the %.3g s deadline: a known divergence)" % asked
                         if self.known else " (a quarter of the %.3g s deadline, as an earlier "
                         "example deadlocked)" % asked)
        self.hung = True
        done = History(ops, marks, origin, len(programs))
        if ops:
            lines.append("what the finished steps did:")
            lines.append(done.format())
        error = Deadlock("\n".join(lines))
        error.history = merged(*(self.ran[2] + [done]))
        error.blocked = blocked
        error.deadline = origin + budget
        raise error
