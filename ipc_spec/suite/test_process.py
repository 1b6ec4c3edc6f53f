"""Process properties (see ``ipc_spec.specs.process`` for the semantics checked).

A worker of the kit is the parent: it starts the children of an example with the implementation's
context (the object ``ctx``), tells each when and how to end through a socket of its own (see
``ipc_spec.ops.process``), and records every call on the Process objects as a step. The last step
of every program, ``reap``, kills and reaps what is left.

Children are the cost of this family (a start is 3-7 ms under fork, about 25 ms under forkserver,
about 100 ms under spawn): each property draws a quarter of the profile's examples (the lifecycle
property half), and an example
starts what its scenario needs, at most three children (four processes in ``test_daemon``).

The properties are methods of :class:`ProcessProperties`, bound to a *flavour*: an object that
gives the context Processes are made with, and the signals a child may end by.
"""

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.authoring import Make, checks, expect, late, macro, share_of_profile, timeouts
from ipc_spec.specs import process as spec

#: The share of the profile's examples each property draws; the lifecycle property, which draws one
#: way to end of seven for each child, twice as many, and the properties that draw one flag of two
#: or three (a child's parent, sys.exit without a code), half as many.
SHARE = 0.25
LIFECYCLE_SHARE = 0.5
PARENT_SHARE = 0.125
#: Signals a child sends itself, by number (POSIX): SIGTERM, SIGKILL, SIGUSR1; each ends a process
#: by its default action, so the exit code is minus its number.
SIGNALS = (15, 9, 10)
MAX_CHILDREN = 3


def process_settings(share=SHARE):
    return share_of_profile(share)


def context(ctx):
    """The implementation's context itself: the object a worker makes its Processes with."""
    return ctx


context.clause = "process"


class Native(object):
    """``ctx.Process``."""

    name = "native"
    signals = SIGNALS

    @staticmethod
    def context():
        return Make(context).recycled_by(spec.reset, often=True)


def step(function, *args, **kwargs):
    """The step ``ctx.process:<function>!(...)``: ``ipc_spec.ops.process.<function>``."""
    return macro("ctx", "process:" + function, *args, **kwargs)


@st.composite
def ways(draw, signals=SIGNALS):
    """How one child ends: ``(how, arg)``; ``sys.exit()`` and ``sys.exit(None)`` are
    ``test_exit_without_code``'s, so that an implementation that breaks them (Python 3.8) still gets
    the other verdicts of ``test_lifecycle``."""
    how = draw(st.sampled_from(("return", "exit", "exit", "raise", "signal", "terminate", "kill")))
    if how == "exit":
        arg = draw(st.one_of(st.integers(0, 125), st.text("abc ", min_size=1, max_size=8)))
    elif how == "signal":
        arg = draw(st.sampled_from(signals))
    else:
        arg = None
    return how, arg


@st.composite
def lifecycle_plans(draw, signals=SIGNALS):
    count = draw(st.integers(1, MAX_CHILDREN))
    children = []
    for i in range(count):
        name = draw(st.one_of(st.none(), st.text("xyz-", min_size=1, max_size=6)))
        daemon = draw(st.sampled_from((None, False, True)))
        children.append(("c%d" % i, name, daemon, draw(ways(signals))))
    ending = draw(st.permutations(range(count)))
    at_once = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    joining = [i for i in draw(st.permutations(range(count))) if not at_once[i]]
    return children, [(i, at_once[i]) for i in ending], joining


def ending(label, how, arg):
    """The step that ends child ``label`` by ``how``."""
    if how in ("terminate", "kill"):
        return step("method", label, how)
    return step("end", label, how, arg)


class ProcessProperties(object):
    """The Process properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def run(self, ipc_env, program):
        ipc_env.provision([self.flavour.context()], 1)
        history = ipc_env.run({"ctx": self.flavour.context()}, [program + [step("reap")]])
        return history

    @checks("process.join", "process.exitcode", "process.terminate", "process.is_alive",
            "process.identity")
    @process_settings(LIFECYCLE_SHARE)
    @given(st.data())
    def test_lifecycle(self, ipc_env, data):
        """Children started with drawn names and daemon flags, ended each in a drawn way (a return,
        sys.exit with an int or a message, an exception, a signal to itself, the
        parent's terminate() or kill()) in a drawn order, each joined at once or after all were
        told to end, in another order: before start()
        and after it each Process is what the documentation says, and after join() its exitcode
        is the documented one."""
        children, order, joins = data.draw(lifecycle_plans(self.flavour.signals), label="plan")
        program = []
        for label, name, daemon, _ in children:
            program += [step("start", label, daemon=daemon, title=name), step("alive", label),
                        step("exitcode", label)]

        def joined(label):
            return [step("join", label), step("alive", label), step("exitcode", label),
                    step("join", label)]

        for i, join_now in order:
            label, _, _, (how, arg) = children[i]
            program.append(ending(label, how, arg))
            if join_now:
                program += joined(label)
        for i in joins:
            program += joined(children[i][0])
        history = self.run(ipc_env, program)
        for label, name, daemon, (how, arg) in children:
            spec.check_started(history, label, name=name, daemon=daemon)
            spec.check_running(history, label)
            spec.check_ended(history, label, how, arg)


    @checks("process.exit_none", "process.join")
    @process_settings(PARENT_SHARE)
    @given(st.sampled_from((("exit", None), ("exit_bare", None))))
    def test_exit_without_code(self, ipc_env, way):
        """A child that calls sys.exit() or sys.exit(None) has exitcode 0 once joined."""
        how, arg = way
        history = self.run(ipc_env, [step("start", "c0"), step("end", "c0", how, arg),
                                     step("join", "c0"), step("exitcode", "c0")])
        spec.check_ended(history, "c0", how, arg)

    @checks("process.parent")
    @process_settings(PARENT_SHARE)
    @given(st.sampled_from((None, False, True)))
    def test_parent(self, ipc_env, daemon):
        """In a child, parent_process() is the process that started it (a property of its own:
        an implementation without parent_process() still gets the other verdicts)."""
        history = self.run(ipc_env, [step("start", "c0", daemon=daemon), step("end", "c0", "return"),
                                     step("join", "c0")])
        spec.check_parent(history, "c0")

    @checks("process.join_timeout", "process.sentinel", "process.join", "process.exitcode")
    @process_settings()
    @given(st.integers(1, 2), timeouts(), timeouts(), st.booleans())
    def test_join_timeout(self, ipc_env, count, timeout, wait_timeout, one_ends):
        """join(timeout) of a child that runs on returns None no earlier than the timeout, and the
        child still runs; its sentinel is not ready and connection.wait() over the sentinels
        returns [] by its timeout. Once a child ended (seen by the operating system), its
        sentinel is ready, wait() returns it at once, and join(timeout) returns."""
        labels = ["c%d" % i for i in range(count)]
        program = []
        for label in labels:
            program += [step("start", label), step("join", label, timeout), step("alive", label),
                        step("exitcode", label), step("sentinel", label)]
        program.append(step("wait", wait_timeout, *labels))
        stopped = labels[:1] if one_ends else labels
        for label in stopped:
            program += [step("end", label, "return"), step("ended", label),
                        step("sentinel", label, late())]
        program.append(step("wait", wait_timeout, *labels))
        for label in stopped:
            program += [step("join", label), step("exitcode", label)]
        history = self.run(ipc_env, program)
        ends = {label: history.select("ctx", "@process:ended") for label in labels}

        def ended(op):
            return [label for label in stopped
                    if any(e.step.args[0] == label and e.end <= op.start for e in ends[label])]

        for label in labels:
            spec.check_join_timeout(history, label, timeout)
            spec.check_running(history, label)
            spec.check_sentinel_after(history, label)
        for label in stopped:
            spec.check_ended(history, label, "return", None)
        spec.check_waits(history, ended)

    @checks("process.close", "process.join")
    @process_settings()
    @given(st.booleans())
    def test_close(self, ipc_env, twice):
        """close() of a running child raises ValueError; once it ended and was joined, close()
        returns, and is_alive(), join() and exitcode then raise ValueError."""
        program = [step("start", "c0"), step("method", "c0", "close"),
                   step("end", "c0", "return"), step("join", "c0"),
                   step("method", "c0", "close")]
        if twice:
            program.append(step("method", "c0", "close"))
        program += [step("alive", "c0"), step("join", "c0"), step("exitcode", "c0")]
        history = self.run(ipc_env, program)
        spec.check_close(history, "c0")

    @checks("process.active_children", "process.sentinel")
    @process_settings()
    @given(st.integers(1, MAX_CHILDREN), st.data())
    def test_active_children(self, ipc_env, count, data):
        """active_children() lists exactly the children started and not ended: none before the
        first start, each from its start, none of those that ended (seen by the operating system
        and by their sentinel); and the ended ones are joined (their exitcode is set)."""
        labels = ["c%d" % i for i in range(count)]
        first = data.draw(st.sets(st.sampled_from(labels)), label="ended first")
        program = [step("active")]
        for label in labels:
            program += [step("start", label), step("active")]
        for label in sorted(first):
            program += [step("end", label, "return"), step("ended", label),
                        step("sentinel", label, late())]
        program.append(step("active"))
        program += [step("exitcode", label) for label in sorted(first)]
        for label in labels:
            if label not in first:
                program += [step("end", label, "return"), step("ended", label),
                            step("sentinel", label, late())]
        program.append(step("active"))
        history = self.run(ipc_env, program)
        starts = {op.step.args[0]: op for op in history.select("ctx", "@process:start")}
        ends = {op.step.args[0]: op for op in history.select("ctx", "@process:sentinel")
                if op.step.args[1:] and op.ok and op.result is True}

        def alive_at(op):
            return [label for label, began in starts.items() if began.end <= op.start
                    and not (label in ends and ends[label].end <= op.start)]

        for label in labels:
            spec.check_sentinel_after(history, label)
        spec.check_active(history, alive_at)
        for label in sorted(first):
            for op in [o for o in history.select("ctx", "@process:exitcode")
                       if o.step.args[0] == label]:
                got = op.result if op.ok else op.outcome()
                expect(op.ok and op.result == 0, "process.active_children",
                       "%s ended and active_children() ran, yet its exitcode was %r"
                       % (label, got), history, [op])

    @checks("process.daemon", "process.identity")
    @process_settings()
    @given(st.sampled_from(("return", "exit", "raise")), st.booleans())
    def test_daemon(self, ipc_env, how, refused_first):
        """A daemonic child cannot start a child of its own; a child that is not daemonic can, and
        when it exits (returning, by sys.exit or by an exception) its daemonic child is gone."""
        refused = [step("start", "d0", daemon=True), step("spawn", "d0", "g1", True),
                   step("end", "d0", "return"), step("join", "d0")]
        started = [step("start", "c0", daemon=False), step("spawn", "c0", "g0", True),
                   step("end", "c0", how, 0 if how == "exit" else None), step("join", "c0"),
                   step("gone", "g0")]
        program = refused + started if refused_first else started + refused
        history = self.run(ipc_env, program)
        spec.check_daemon(history)


class TestProcess(ProcessProperties):
    flavour = Native
