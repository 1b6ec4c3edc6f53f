"""Process, as documented for ``multiprocessing.Process`` and the module's functions about
processes (``Doc/library/multiprocessing.rst``, "Process and exceptions").

A ``Process`` object represents an activity run in a separate process:

- ``start()`` starts the activity; ``is_alive()`` is, "roughly", True from the moment ``start()``
  returns until the child process terminates, and False before.
- ``join()`` blocks until the process terminates; ``join(timeout)`` blocks at most ``timeout``
  seconds. Either returns None: "check the process's exitcode to determine if it terminated". A
  process can be joined many times.
- ``exitcode`` is None while the child has not terminated; 0 when ``run()`` returned; N when it
  ended by ``sys.exit(N)``; 1 for an exception not caught in ``run()``; -N when signal N ended it.
  ``sys.exit()`` and ``sys.exit(None)`` are ``sys.exit(0)``, and ``sys.exit(message)`` prints the
  message and exits with 1 (``sys.exit``'s own documentation), so they give 0, 0 and 1.
- ``terminate()`` ends the process with SIGTERM, ``kill()`` with SIGKILL, so their exit codes are
  -SIGTERM and -SIGKILL.
- ``pid`` is None before the process is spawned; ``ident`` is the same as ``pid``. ``name`` is the
  name given, else one the module makes; ``daemon`` is inherited from the creating process unless
  set before ``start()``. In the child, ``current_process()`` is that Process (same name, pid and
  daemon flag), and ``parent_process()`` (3.8) is the process that started it.
- ``sentinel`` is "a numeric handle of a system object which will become ready when the process
  ends", for ``multiprocessing.connection.wait()``.
- ``close()`` raises ValueError if the process is still running; once it returned, "most other
  methods and attributes" raise ValueError. Taken here to mean those about the child's run:
  ``is_alive()``, ``join()`` and ``exitcode``.
- ``active_children()`` lists the live children of the current process, and "joins" those that
  have finished.
- A daemonic process is not allowed to create child processes; when a process exits, it attempts to
  terminate all of its daemonic children.

Not promised, so not checked: what ``start()`` called twice raises (the documentation says it
"must be called at most once"); the exception type a daemonic process gets when it starts a child;
the default names' exact form; what ``terminate()`` leaves of a child's own children (they are
orphaned, as documented) or of the objects it used (see the faults family); a process killed by a
signal rather than ended by its exit path terminating its daemonic children (the documentation
speaks of a process that exits); how soon after the child's end ``is_alive()`` turns False without
a ``join()`` ("roughly").
"""

from . import declare, expect, not_before, not_late, returned

CLAUSES = declare(
    "process",
    exitcode="exitcode is None while the child runs; 0 when run() returned, N after sys.exit(N), 1 "
             "after sys.exit(a message) or an exception not caught in run(), -N when signal N "
             "ended it",
    exit_none="sys.exit() and sys.exit(None) in the child give exitcode 0, as sys.exit(0) does",
    terminate="terminate() ends a running child with SIGTERM and kill() with SIGKILL: its exitcode "
              "is then -SIGTERM or -SIGKILL",
    join="join() returns None once the child has ended, and again when called again",
    join_timeout="join(timeout) on a child that runs on returns None no earlier than its timeout and "
                 "within it plus LATE, and the child still runs",
    is_alive="is_alive() is False before start(), True from the moment start() returns while the "
             "child runs, and False once join() returned",
    identity="pid is None before start() and the child's os.getpid() after, ident equals pid, name "
             "is the name given, daemon the flag set or else the creator's; in the child "
             "current_process() has that name, pid and daemon flag",
    parent="in the child, parent_process() is the process that started it",
    sentinel="sentinel is not ready while the child runs and becomes ready when it ends; "
             "connection.wait() returns exactly the sentinels of ended children, and [] by its "
             "timeout when none has ended",
    close="close() raises ValueError while the child runs; once the child ended it returns, and "
          "afterwards is_alive(), join() and exitcode raise ValueError",
    active_children="active_children() lists exactly the children that were started and have not "
                    "ended, and joins those that ended (their exitcode is set afterwards)",
    daemon="a daemonic process cannot start a child; a process that exits terminates its daemonic "
           "children",
)

#: The signal numbers of ``terminate()`` and ``kill()`` on POSIX (the module is pure: no ``signal``).
SIGTERM, SIGKILL = 15, 9


def expected_exitcode(how, arg):
    """The documented exit code of a child that ends by ``how``: ``"return"``, ``"exit"``
    (``sys.exit(arg)``), ``"exit_bare"`` (``sys.exit()``), ``"raise"``, ``"signal"`` (signal number
    ``arg`` sent by the child to itself), or the parent's ``"terminate"`` or ``"kill"``."""
    if how == "return":
        return 0
    if how == "exit":
        if arg is None:
            return 0
        return arg if type(arg) is int else 1
    if how == "exit_bare":
        return 0
    if how == "raise":
        return 1
    if how == "signal":
        return -arg
    if how == "terminate":
        return -SIGTERM
    if how == "kill":
        return -SIGKILL
    raise ValueError("unknown way to end: %r" % (how,))


def exit_clause(how, arg):
    """The clause whose promise gives the exit code of ``how``."""
    if how == "exit_bare" or (how == "exit" and arg is None):
        return "process.exit_none"
    if how in ("terminate", "kill"):
        return "process.terminate"
    return "process.exitcode"


def reset(ctx, *args, **kwargs) -> bool:
    """A context holds no state an example changes: it serves every example."""
    return True


def _step(history, label, name, proc=0):
    """The ops of ``proc`` that are the macro ``process:<name>`` about child ``label``."""
    return [op for op in history.of(proc)
            if op.call == "@process:" + name and op.step.args[:1] == (label,)]


def _value(history, op, prop, what):
    returned(history, [op], prop, what)
    return op.result


def check_started(history, label, name=None, daemon=None, proc=0):
    """What ``process:start`` of ``label`` answered: the Process before and after ``start()``, and
    what the child saw of itself."""
    (op,) = _step(history, label, "start", proc)
    returned(history, [op], "process.identity", "starting %s" % label)
    seen = record(op.result)
    before, facts = seen["before"], seen["child"]
    expect(before["alive"] is False, "process.is_alive",
           "%s.is_alive() was %r before start()" % (label, before["alive"]), history, [op])
    expect(before["exitcode"] is None, "process.exitcode",
           "%s.exitcode was %r before start()" % (label, before["exitcode"]), history, [op])
    expect(before["pid"] is None, "process.identity",
           "%s.pid was %r before start()" % (label, before["pid"]), history, [op])
    expect(seen["alive"] is True, "process.is_alive",
           "%s.is_alive() was %r as start() returned" % (label, seen["alive"]), history, [op])
    expect(seen["pid"] == facts["pid"] == facts["current_pid"], "process.identity",
           "%s.pid was %r, the child's os.getpid() %r and its current_process().pid %r"
           % (label, seen["pid"], facts["pid"], facts["current_pid"]), history, [op])
    expect(seen["ident"] == seen["pid"], "process.identity",
           "%s.ident was %r, its pid %r" % (label, seen["ident"], seen["pid"]), history, [op])
    if name is not None:
        expect(seen["name"] == name, "process.identity",
               "%s.name was %r, not the name given, %r" % (label, seen["name"], name), history, [op])
    expect(facts["name"] == seen["name"], "process.identity",
           "the child's current_process().name was %r, its Process's name %r"
           % (facts["name"], seen["name"]), history, [op])
    want = seen["creator_daemon"] if daemon is None else daemon
    expect(seen["daemon"] is want and facts["daemon"] is want, "process.identity",
           "%s.daemon was %r and the child's current_process().daemon %r, not %r (%s)"
           % (label, seen["daemon"], facts["daemon"], want,
              "the creator's flag" if daemon is None else "the flag set"), history, [op])
    return seen


def check_parent(history, label, proc=0):
    """In child ``label``, ``parent_process()`` was its parent (checked after the other clauses,
    so that an implementation without ``parent_process`` still gets their verdicts)."""
    (op,) = _step(history, label, "start", proc)
    seen = record(_value(history, op, "process.parent", "starting %s" % label))
    facts = seen["child"]
    expect(facts["has_parent_process"], "process.parent",
           "the implementation has no parent_process()", history, [op])
    expect(facts["parent_pid"] == seen["worker"], "process.parent",
           "the child's parent_process().pid was %r, not its parent's pid %r"
           % (facts["parent_pid"], seen["worker"]), history, [op])


def check_running(history, label, proc=0):
    """Every ``alive`` and ``exitcode`` read of ``label`` while it ran (before it was told to end)
    saw True and None; every ``sentinel`` probe saw it not ready."""
    ends = _step(history, label, "end", proc) + [
        op for op in history.of(proc) if op.call == "@process:method"
        and op.step.args[:1] == (label,) and op.step.args[1] in ("terminate", "kill")]
    until = min((op.start for op in ends), default=float("inf"))
    for name, want, prop in (("alive", True, "process.is_alive"),
                             ("exitcode", None, "process.exitcode"),
                             ("sentinel", False, "process.sentinel")):
        for op in _step(history, label, name, proc):
            if op.end <= until:
                got = _value(history, op, prop, "while %s ran" % label)
                expect(got is want, prop, "%s while %s ran: %r, not %r"
                       % (op.step.describe(), label, got, want), history, [op])


def check_ended(history, label, how, arg, proc=0):
    """After ``label`` was told to end by ``how`` and joined: every ``join`` returned None, then
    is_alive() was False and exitcode the documented one."""
    if how in ("terminate", "kill"):
        for op in history.of(proc):
            if op.call == "@process:method" and op.step.args == (label, how):
                returned(history, [op], "process.terminate", "%s() of a running child" % how)
    joins = [op for op in _step(history, label, "join", proc) if len(op.step.args) == 1]
    for op in joins:
        got, ended = _value(history, op, "process.join", "joining %s" % label)
        expect(got is None, "process.join", "%s returned %r, not None" % (op.step.describe(), got),
               history, [op])
        expect(ended is True, "process.join", "%s returned while %s still ran"
               % (op.step.describe(), label), history, [op])
    first = min(op.end for op in joins)
    for op in _step(history, label, "alive", proc):
        if op.start >= first:
            got = _value(history, op, "process.is_alive", "after %s was joined" % label)
            expect(got is False, "process.is_alive", "%s after join(): %r, not False"
                   % (op.step.describe(), got), history, [op])
    want = expected_exitcode(how, arg)
    prop = exit_clause(how, arg)
    for op in _step(history, label, "exitcode", proc):
        if op.start >= first:
            got = _value(history, op, prop, "after %s was joined" % label)
            expect(got == want and type(got) is int, prop,
                   "%s ended by %s: exitcode %r, not %r" % (label, describe_end(how, arg), got, want),
                   history, [op])


def describe_end(how, arg):
    if how == "exit":
        return "sys.exit(%r)" % (arg,)
    if how == "exit_bare":
        return "sys.exit()"
    if how == "raise":
        return "an exception not caught in run()"
    if how == "signal":
        return "signal %d" % arg
    if how == "return":
        return "returning from run()"
    return "%s()" % how


def check_join_timeout(history, label, timeout, proc=0):
    """Every ``join(label, timeout)`` made while ``label`` ran returned None within its bounds."""
    ends = _step(history, label, "end", proc)
    until = min((op.start for op in ends), default=float("inf"))
    for op in _step(history, label, "join", proc):
        if len(op.step.args) == 2 and op.end <= until:
            got, ended = _value(history, op, "process.join_timeout",
                                "join(timeout) of a running child")
            expect(got is None, "process.join_timeout", "%s returned %r, not None"
                   % (op.step.describe(), got), history, [op])
            expect(ended is False, "process.join_timeout", "%s: the child ended, yet it was told "
                   "nothing" % op.step.describe(), history, [op])
            not_before(history, op, timeout, op.start, "process.join_timeout",
                       "join(%r) of a child that runs on" % timeout)
            not_late(history, op, timeout, op.start, "process.join_timeout",
                     "join(%r) of a child that runs on" % timeout)


def check_waits(history, ended, proc=0):
    """Every ``wait`` step over sentinels returned exactly those of the children ``ended(op)``
    says had ended before it began, and one made while none had returned [] within the bounds of
    its timeout."""
    for op in history.of(proc):
        if op.call != "@process:wait":
            continue
        got = _value(history, op, "process.sentinel", "connection.wait() over sentinels")
        labels = list(op.step.args[1:])
        want = sorted(l for l in labels if l in ended(op))
        expect(got == want, "process.sentinel", "%s returned the sentinels of %s, not of %s"
               % (op.step.describe(), got, want), history, [op])
        if not want:
            not_before(history, op, op.step.args[0], op.start, "process.sentinel",
                       "connection.wait(timeout) while every child runs")
            not_late(history, op, op.step.args[0], op.start, "process.sentinel",
                     "connection.wait(timeout) while every child runs")


def check_sentinel_after(history, label, proc=0):
    """The ``sentinel`` probes of ``label`` made after the kit saw it end (``ended``) were ready."""
    done = _step(history, label, "ended", proc)
    if not done:
        return
    since = done[0].end
    for op in _step(history, label, "sentinel", proc):
        if op.start >= since:
            got = _value(history, op, "process.sentinel", "the sentinel of an ended child")
            expect(got is True, "process.sentinel", "%s: not ready %.3f s after %s ended"
                   % (op.step.describe(), op.end - since, label), history, [op])
            not_late(history, op, 0.0, op.start, "process.sentinel",
                     "the sentinel of an ended child")


def check_close(history, label, proc=0):
    """close() while ``label`` ran raised ValueError; close() after its join returned; every
    is_alive(), join() and exitcode afterwards raised ValueError."""
    closes = [op for op in history.of(proc) if op.call == "@process:method"
              and op.step.args == (label, "close")]
    joins = [op for op in _step(history, label, "join", proc)]
    joined = min((op.end for op in joins), default=float("inf"))
    closed = None
    for op in closes:
        if op.end <= joined:
            expect(op.error == "ValueError", "process.close", "%s while %s ran: %s, not ValueError"
                   % (op.step.describe(), label, op.outcome()), history, [op])
        else:
            returned(history, [op], "process.close", "close() of an ended child")
            closed = op.end if closed is None else closed
    if closed is None:
        return
    for name in ("alive", "join", "exitcode"):
        for op in _step(history, label, name, proc):
            if op.start >= closed:
                expect(op.error == "ValueError", "process.close",
                       "%s after close(): %s, not ValueError" % (op.step.describe(), op.outcome()),
                       history, [op])


def check_active(history, alive_at, proc=0):
    """Every ``active`` step listed exactly the labels ``alive_at(op)`` says were running."""
    for op in history.of(proc):
        if op.call != "@process:active":
            continue
        got = _value(history, op, "process.active_children", "active_children()")
        want = sorted(alive_at(op))
        expect(got == want, "process.active_children",
               "active_children() listed %s, not the children still running, %s" % (got, want),
               history, [op])


def check_daemon(history, proc=0):
    """A ``spawn`` from a daemonic child was refused; one from a non-daemonic child started, and
    once that child was joined its daemonic grandchild was gone."""
    for op in history.of(proc):
        if op.call != "@process:spawn":
            continue
        label, glabel, _daemon = op.step.args
        got = _value(history, op, "process.daemon", "a child starting a process")
        (began,) = _step(history, label, "start", proc)
        parent = record(_value(history, began, "process.daemon", "starting %s" % label))
        if parent["daemon"]:
            expect(got[0] == "refused", "process.daemon",
                   "a daemonic child started a process of its own (pid %r)" % (got[1],),
                   history, [op])
            continue
        expect(got[0] == "started", "process.daemon",
               "a child that is not daemonic could not start a process: %s" % (got[1],),
               history, [op])
        for gone in _step(history, glabel, "gone", proc):
            seen = _value(history, gone, "process.daemon", "whether the grandchild is gone")
            expect(seen is True, "process.daemon",
                   "the daemonic child %s of %s still ran after %s had exited"
                   % (glabel, label, label), history, [op, gone])


def record(pairs):
    """What ``process:start`` answered (sorted pairs; ``before`` and ``child`` nested) as a dict."""
    seen = dict(pairs)
    seen["before"], seen["child"] = dict(seen["before"]), dict(seen["child"])
    return seen

