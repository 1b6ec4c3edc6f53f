"""The host: a small single-threaded process that builds the objects under test and starts, replaces
and reaps the worker processes, through the implementation under test.

The harness runs in pytest's process, where other threads run (pytest-xdist's, a Queue's feeder):
forking there can deadlock a child and warns from Python 3.12. So the harness never starts a
worker itself. It starts this process once (``subprocess``, which does not fork the interpreter),
and asks it, over a socket of the kit's own (:mod:`ipc_spec._wire`), to build a crew: the host
imports the implementation, builds the bank of objects, and starts the workers with the start
method under test. Workers then talk to the harness directly, on its own socket; the host only
builds, resets and reaps.

Requests are tuples ``(op, *args)``; the reply is ``("ok", value)`` or ``("error", traceback)``.
Whatever a request does through the implementation is bounded by the harness's own timeout on the
reply: a host that does not answer is killed, and its workers notice and leave.
"""

import os
import pickle
import signal
import sys
import traceback

from . import _child, _wire
from .objects import Lacking

#: Seconds a worker gets to leave once asked, or a probe to run, before it is killed.
STOP_TIMEOUT = 5.0
PROBE_TIMEOUT = 60.0
#: How often a crew's start is tried: a failed start is probed kind by kind; when no kind is to
#: blame, the start is tried again (PyPy 7.3.11 under forkserver once refused to pickle a Queue's
#: lock in the middle of ``Process.start()``, then started the same crew).
START_ATTEMPTS = 3
#: Descriptors a forkserver crew's bank may hold: forkserver passes a child's descriptors in one
#: message, and refuses past about 250 (``multiprocessing.forkserver.MAXFDS_TO_SEND``).
FORKSERVER_FDS = 160


def _descriptors(obj) -> int:
    """About how many file descriptors pickling ``obj`` for a child passes: its Connections, one
    level down too (a Queue's pipe ends)."""
    count = 0
    for part in (obj.values() if type(obj) is dict else (obj,)):
        if hasattr(part, "fileno"):
            count += 1
            continue
        try:
            fields = vars(part).values()
        except TypeError:
            continue
        count += sum(1 for value in fields if hasattr(value, "fileno"))
    return count


def _error(make, exc):
    return "%r raised %s: %s" % (make, type(exc).__name__, exc)


def build(ctx, make):
    """``(object, None)``, or ``(None, (how, what happened))`` when ``make`` cannot be built:
    ``"absent"`` (the implementation has no such factory) or ``"construct"`` (building it raised)."""
    if isinstance(make.factory, str) and not hasattr(ctx, make.factory):
        return None, ("absent", make.factory)
    try:
        return make.build(ctx), None
    except AttributeError as exc:
        missing = getattr(exc, "name", None) or str(exc).rpartition(" attribute ")[2].strip("'\"")
        if missing and not hasattr(ctx, missing):
            return None, ("absent", missing)
        return None, ("construct", _error(make, exc))
    except Exception as exc:  # a verdict about this kind, never about its neighbours
        return None, ("construct", _error(make, exc))


def _lacking_parts(obj):
    """``{part: (clause, what happened)}`` of a compound object's parts that could not be built."""
    if type(obj) is not dict:
        return {}
    return {name: (v.clause, v.text) for name, v in obj.items() if isinstance(v, Lacking)}


def build_bank(ctx, method, kinds, need):
    """The bank's objects, kind by kind, and the error of each kind that cannot be built. Under
    forkserver, objects holding file descriptors are built one of each kind in turn, so that the
    descriptor budget is shared fairly; what the next example takes (``need``) comes first."""
    objects = [[] for _ in kinds]
    errors = {}
    descriptors = 0

    def one(k, make):
        obj, error = build(ctx, make)
        if error is not None:
            errors[k] = error
        return obj

    for k, (make, count) in enumerate(kinds):
        for _ in range(min(count, need[k] if k < len(need) else 0)):
            obj = one(k, make)
            if obj is None:
                break
            objects[k].append(obj)
            descriptors += _descriptors(obj)
    full = set(errors)
    while True:
        grew = False
        for k, (make, count) in enumerate(kinds):
            if k in full or len(objects[k]) >= count:
                continue
            obj = one(k, make)
            if obj is None:
                full.add(k)
                continue
            more = _descriptors(obj)
            if objects[k] and more and method == "forkserver" and descriptors + more > FORKSERVER_FDS:
                full.add(k)
                continue
            objects[k].append(obj)
            descriptors += more
            grew = True
        if not grew:
            return objects, errors


class HostCrew(object):
    def __init__(self, ctx, method, kinds, args):
        self.ctx = ctx
        self.method = method
        self.kinds = kinds
        self.args = args  # (cid, address, board path, owner pid)
        self.objects = []
        self.procs = {}
        self.retired_at = None


def _kill(proc):
    try:
        if proc.pid is not None:
            os.kill(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def _reap(procs, timeout):
    """Join each process for up to ``timeout`` s in all, SIGKILL what is left, join it; returns
    their exit codes."""
    codes = []
    deadline = _wire.clock() + timeout
    for proc in procs:
        try:
            proc.join(max(0.0, deadline - _wire.clock()))
        except Exception:
            pass
    for proc in procs:
        try:
            alive = proc.is_alive()
        except Exception:
            alive = False
        if alive:
            _kill(proc)
            try:
                proc.join(STOP_TIMEOUT)
            except Exception:
                pass
        codes.append(proc.exitcode)
        if hasattr(proc, "close"):
            try:
                proc.close()
            except Exception:
                pass
    return codes


class Host(object):
    def __init__(self):
        self.contexts = {}
        self.crews = {}
        self.retired = []
        self.scratch = None  # the harness's directory of sockets and boards
        self.sent = {}  # id -> an object sent with the example in progress (Make.sent)
        self.sent_ids = 0

    def context(self, spec, method):
        key = (spec, method)
        if key not in self.contexts:
            from . import impl

            ctx = impl.load(spec).context(method)
            if method == "forkserver" and hasattr(ctx, "set_forkserver_preload"):
                ctx.set_forkserver_preload([_child.__name__])
            self.contexts[key] = ctx
        return self.contexts[key]

    def _start(self, crew, i):
        cid, address, board, owner = crew.args
        proc = crew.ctx.Process(target=_child.serve, name="ipc-spec-worker-%d" % i,
                                args=(i, cid, address, board, crew.objects, owner))
        proc.daemon = True
        proc.start()
        crew.procs[i] = proc
        return proc.pid

    def _probe(self, crew, kinds):
        """Which of ``kinds`` (bank indices) cannot be handed to a process at its start: each is
        given alone to a process that does nothing else."""
        bad = {}
        for k in kinds:
            if not crew.objects[k]:
                continue
            bank = [[] for _ in crew.objects]
            bank[k] = crew.objects[k][:1]
            try:
                proc = crew.ctx.Process(target=_child.probe, args=(bank,))
                proc.daemon = True
                proc.start()
            except Exception as exc:
                bad[k] = ("inherit", "%r could not be handed to a process at its start: %s: %s" % (
                    crew.kinds[k][0], type(exc).__name__, exc))
                continue
            (code,) = _reap([proc], PROBE_TIMEOUT)
            if code != 0:
                bad[k] = ("inherit", "a process given %r at its start ended with exit code %s "
                                     "before running" % (crew.kinds[k][0], code))
        return bad

    # -- requests ----------------------------------------------------------------------------

    def op_init(self, path, cwd, scratch=None):
        sys.path[:] = path
        os.chdir(cwd)
        self.scratch = scratch
        if scratch:  # every process started from here inherits it (ipc_spec.ops.listener's paths)
            os.environ[_wire.SCRATCH_VARIABLE] = scratch

    def op_crew(self, cid, spec, method, size, kinds, need, address, board, owner):
        ctx = self.context(spec, method)
        crew = self.crews[cid] = HostCrew(ctx, method, kinds, (cid, address, board, owner))
        crew.objects, errors = build_bank(ctx, method, kinds, need)
        inherit = {}
        flukes = []  # starts that failed once and then went through: reported, not fatal
        for attempt in range(START_ATTEMPTS):
            try:
                pids = [self._start(crew, i) for i in range(size)]
                break
            except Exception as exc:
                _reap([crew.procs.pop(i) for i in list(crew.procs)], 0.0)
                if attempt == START_ATTEMPTS - 1:
                    raise
                failed = "%s: %s" % (type(exc).__name__, exc)
                bad = self._probe(crew, range(len(kinds)))
                if not bad:
                    # Every kind can be handed to a process alone: the failure did not come from
                    # an object the crew holds. Start again, and say so.
                    flukes.append(failed)
                    continue
                inherit.update(bad)
                for k in bad:
                    crew.objects[k] = []
        errors.update(inherit)
        parts = {}
        for k, objs in enumerate(crew.objects):
            lacking = _lacking_parts(objs[0]) if objs else {}
            if lacking:
                parts[k] = lacking
        return [len(objs) for objs in crew.objects], errors, parts, pids, flukes

    def op_probe(self, cid):
        crew = self.crews[cid]
        return self._probe(crew, range(len(crew.kinds)))

    def op_respawn(self, cid, workers):
        """Start new workers in place of ``workers``: ``(pids, flukes, failed)``, where a start
        that raised is tried again (``flukes``: those that then went through) up to
        ``START_ATTEMPTS`` times; ``failed`` says what the last attempt raised when a worker
        could not be started at all (its pid is None), and the harness then gives up the crew."""
        crew = self.crews[cid]
        _reap([crew.procs.pop(i) for i in workers if i in crew.procs], 1.0)
        pids, flukes = [], []
        for i in workers:
            failures = []
            while len(failures) < START_ATTEMPTS:
                try:
                    pids.append(self._start(crew, i))
                    break
                except Exception as exc:
                    failures.append("%s: %s" % (type(exc).__name__, exc))
            else:
                return pids + [None] * (len(workers) - len(pids)), flukes, failures[-1]
            flukes.extend(failures)
        return pids, flukes, None

    def op_exitcodes(self, cid):
        crew = self.crews[cid]
        return {i: proc.exitcode for i, proc in crew.procs.items()}

    def op_reset(self, slots):
        done = []
        for cid, kind, index in slots:
            crew = self.crews.get(cid)
            ok = False
            if crew is not None:
                make = crew.kinds[kind][0]
                try:
                    ok = make.reset(crew.objects[kind][index], *make.args, **make.kwargs) is True
                except Exception:  # a primitive whose reset fails is simply not reused
                    ok = False
            done.append(ok)
        return done

    def op_send(self, spec, method, makes):
        """New objects of ``makes`` (``Make.sent``) for one example: for each, ``(id, pickled,
        lacking parts)``, which the harness hands to the workers, or ``(None, how, what
        happened)``. The host keeps each object, so that its referent lives, until the example
        is over (:meth:`op_sent_back`).

        A sent object serves one example, never recycled: a worker lets it go once an example no
        longer names it, and a proxy may outlive that in a reference cycle (an exception raised
        through it holds its frame). If the same proxy were sent to that worker again, the worker
        would hold two proxies of one referent, and the old one's finalizer, run by the garbage
        collector at any moment, would take the referent out of the process's set of live ids
        (``BaseProxy._idset``) and close the thread's connection to the manager under the new
        one's call (seen: ``TypeError`` from ``os.write`` on the closed handle, a ``reset()``
        lost). Building a proxy costs one round trip to the manager."""
        ctx = self.context(spec, method)
        out = []
        for make in makes:
            obj, error = build(ctx, make)
            if error is not None:
                out.append((None,) + error)
                continue
            try:
                pickled = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                out.append((None, "inherit", "%r could not be pickled to be sent to a process: "
                                             "%s: %s" % (make, type(exc).__name__, exc)))
                continue
            self.sent_ids += 1
            self.sent[self.sent_ids] = obj
            out.append((self.sent_ids, pickled, _lacking_parts(obj)))
        return out

    def op_sent_back(self, ids):
        """The example that used the sent objects ``ids`` is over: drop them."""
        for sid in ids:
            self.sent.pop(sid, None)

    def op_close_conns(self, cid):
        """Close the host's copies of the crew's Connections (the workers have theirs)."""
        for kind in self.crews[cid].objects:
            for obj in kind:
                for part in (obj.values() if type(obj) is dict else (obj,)):
                    if hasattr(part, "recv_bytes") and hasattr(part, "close"):
                        part.close()

    def _idle(self, crew, told):
        """Kill the crew's workers the harness could not tell to leave (``told``: those it could):
        they never called in, or called in but were never claimed, and have run nothing."""
        for i, proc in crew.procs.items():
            if i not in told:
                _kill(proc)

    def op_retire(self, cid, told=None):
        """The harness asked the workers ``told`` to leave: reap them as they do (killed after
        ``STOP_TIMEOUT``), and the others at once."""
        crew = self.crews.pop(cid, None)
        if crew is not None:
            self._idle(crew, told if told is not None else crew.procs)
            crew.retired_at = _wire.clock()
            self.retired.append(crew)

    def op_stop(self, cid, timeout, told=None):
        crew = self.crews.pop(cid, None)
        if crew is not None:
            self._idle(crew, told if told is not None else crew.procs)
            _reap(list(crew.procs.values()), timeout)

    def op_kill(self, cid):
        crew = self.crews.pop(cid, None)
        if crew is not None:
            for proc in crew.procs.values():
                _kill(proc)
            _reap(list(crew.procs.values()), STOP_TIMEOUT)

    def reap_retired(self):
        keep = []
        for crew in self.retired:
            procs = list(crew.procs.values())
            try:
                done = not any(p.is_alive() for p in procs)  # is_alive() reaps those that exited
            except Exception:
                done = True
            if done or _wire.clock() - crew.retired_at > STOP_TIMEOUT:
                _reap(procs, 0.0)
            else:
                keep.append(crew)
        self.retired = keep

    def shutdown(self):
        for cid in list(self.crews):
            self.op_kill(cid)
        for crew in self.retired:
            for proc in crew.procs.values():
                _kill(proc)
            _reap(list(crew.procs.values()), STOP_TIMEOUT)


def main(fd):
    import socket

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    sock = socket.socket(fileno=fd)
    host = Host()
    try:
        while True:
            if host.retired:
                host.reap_retired()
            if not _wire.readable([sock], _wire.clock() + (0.2 if host.retired else 3600.0)):
                continue
            try:
                request = _wire.recv(sock)
            except (EOFError, OSError):
                break
            try:
                reply = ("ok", getattr(host, "op_" + request[0])(*request[1:]))
            except BaseException:
                reply = ("error", traceback.format_exc())
            try:
                _wire.send(sock, reply)
            except OSError:
                break
    finally:
        host.shutdown()
        if host.scratch:  # the harness may be gone without a word (killed): leave nothing behind
            import shutil

            shutil.rmtree(host.scratch, ignore_errors=True)
