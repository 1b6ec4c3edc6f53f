"""Faults at any instant: the nemesis (``ipc_spec.nemesis``) sends a process SIGKILL, SIGTERM or
SIGINT before a step, inside its call, or once it is blocked there, at a point Hypothesis draws,
and the survivors are held to what the documentation still promises them (``ipc_spec.specs.faults``).

Each property names its victims and the steps a fault may strike; Hypothesis draws the rest, and a
minimal failure keeps the one fault that matters, as early as it still breaks the promise.
"""

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.authoring import (NEVER, TIMEOUTS, Make, call, checks, expect, late, macro, merged, pauses,
                                returned, share_of_profile, Step, timeouts, write)
from ipc_spec.specs import faults as spec
from ipc_spec.specs.connection import pipe as new_pipe
from ipc_spec.strategies import faults

#: Seconds a fault example may run beyond its longest timeout + LATE before it counts as a deadlock
#: (room for a loaded machine): a survivor stuck past that has overstayed its timeout.
SLACK = 2.0
#: The longest timeout the fault properties draw (``strategies.timeouts()``).
LONGEST = max(TIMEOUTS)
#: Examples of each fault property, as a share of the profile's: each costs a process start per
#: victim (under spawn, a tenth of a second), and what a fault can break shows in few examples.
SHARE = 0.5


def deadline(env, longest=LONGEST):
    """The deadline of a fault example whose longest timeout is ``longest``, or the env's own
    deadline if shorter (a self-test's)."""
    return min(longest + late() + SLACK, env.deadline)


def fault_settings():
    return share_of_profile(SHARE)


class Native(object):
    """The native objects. Nothing is recycled: a killed process leaves them held or broken."""

    name = "native"
    held = {
        "Lock": Make("Lock"),
        "RLock": Make("RLock"),
        "Semaphore": Make("Semaphore", 1),
        "BoundedSemaphore": Make("BoundedSemaphore", 1),
    }

    @staticmethod
    def barrier(parties):
        return Make("Barrier", parties)

    event = Make("Event")
    condition = Make("Condition")
    queues = {"Queue": Make("Queue"), "JoinableQueue": Make("JoinableQueue")}
    simple_queue = Make("SimpleQueue")
    joinable = Make("JoinableQueue")
    pipe = Make(new_pipe, True)
    value = Make("Value", "i", 0)
    array = Make("Array", "i", 4)


#: A poll timeout the peer's death always comes well within.
POLL_TIMEOUT = 5.0
#: Payload sizes a pipe takes in one atomic write (at most PIPE_BUF, 4096 bytes on Linux), and sizes
#: above the pipe buffer (64 KiB), which leave a message half written when the producer dies before
#: its feeder thread is done.
SMALL = (0, 1, 100, 4000)
LARGE = (70000, 300000)
#: Message sizes for a Pipe: small ones, and one larger than a duplex Pipe's socket buffer (208 KiB
#: on Linux), which a kill can cut in the middle of its send().
MESSAGES = (0, 8, 400000)


#: Seconds a producer pauses after its puts (its queue's feeder thread writes meanwhile).
FLUSHING = 0.005


def _producer_killed(ipc_env, flavour, sizes, strikes, timeout, prop):
    items = [b"%d:" % i + b"x" * size for i, size in enumerate(sizes)]
    ipc_env.provision([flavour.queues["Queue"]], 2)
    objects = ipc_env.allocate({"q": flavour.queues["Queue"]}, 2)
    # A last step, after a pause in which the feeder thread has begun to write: a fault there
    # strikes a producer whose puts have all returned, as a kill right after them does.
    producer = [call("q", "put", item) for item in items] + [Step("", "pause", (), {}, FLUSHING)]
    phase = ipc_env.run(objects, [producer], faults=strikes, deadline=deadline(ipc_env))
    if phase.victims():
        gets = [call("q", "get", timeout=timeout) for _ in range(len(items) + 1)]
    else:  # nobody was struck: every item must arrive
        gets = [call("q", "get", timeout=NEVER) for _ in items] + [call("q", "get", timeout=timeout)]
    history = ipc_env.run(objects, [[], gets], deadline=deadline(ipc_env))
    ops = history.select("q", "get")
    spec.check_gets(history, ops, timeout, prop, "get after the producer was killed")
    spec.check_no_duplicates(history, ops, items, prop)
    if not phase.victims():
        spec.check_delivered(history, ops, items, prop)


def context(ctx):
    """The implementation's context: what a worker makes a manager's server with."""
    return ctx


context.clause = "faults"
#: What a kill leaves of a context: nothing (each example makes a server of its own).
CONTEXT = Make(context)
#: The proxies a caller of the killed manager holds (``manager.<kind>()``).
MANAGED = ("Queue", "Lock", "Event", "dict")
#: Calls through them, or (None) asking the manager for a new object.
MANAGED_CALLS = st.sampled_from([
    ("Lock", "acquire", False), ("Lock", "release"), ("Event", "is_set"), ("Event", "set"),
    ("dict", "__setitem__", "k", 1), ("dict", "get", "k"), ("Queue", "put", 1),
    ("Queue", "qsize"), (None, "dict"), (None, "Lock")])


class FaultProperties(object):
    """The fault properties, for any flavour."""

    flavour = Native

    @checks("faults.lock_holder_killed")
    @fault_settings()
    @given(st.sampled_from(sorted(Native.held)), st.booleans(), st.integers(1, 3), timeouts(),
           pauses(), st.data())
    def test_lock_holder_killed(self, ipc_env, kind, releases, survivors, timeout, hold, data):
        """Process 1 holds the lock; the victim, process 0, blocks in acquire() until 1 releases it,
        then maybe releases it itself, and is struck anywhere in that. Then every survivor's
        acquire(timeout=t) returns by t + LATE: all False if the victim died holding it, exactly
        one True if it died without it."""
        make = self.flavour.held[kind]
        ipc_env.provision(self.flavour.held.values(), 2 + survivors)
        objects = ipc_env.allocate({"l": make}, 2 + survivors)
        ipc_env.run(objects, [[], [call("l", "acquire")]], deadline=deadline(ipc_env))
        victim = [call("l", "acquire")] + [call("l", "release")] * releases
        strikes = data.draw(faults({0: len(victim)}), label="faults")
        phase = ipc_env.run(objects, [victim, [call("l", "release", pause=hold)]], faults=strikes,
                            deadline=deadline(ipc_env))
        held = spec.held_at_death(phase, 0, "l")
        history = ipc_env.run(objects, [[], []] + [[call("l", "acquire", timeout=timeout)]
                                                   for _ in range(survivors)],
                              deadline=deadline(ipc_env))
        spec.check_acquires(history, history.select("l", "acquire"), timeout, held,
                            "faults.lock_holder_killed", "a %s after its user was killed" % kind)

    @checks("faults.barrier_party_killed")
    @fault_settings()
    @given(st.integers(2, 4), timeouts(), st.lists(pauses(), min_size=3, max_size=3), st.data())
    def test_barrier_party_killed(self, ipc_env, parties, timeout, waits, data):
        """The victim, one of the parties, is struck before it waits or while it waits alone; then
        every survivor's wait(timeout=t) returns an index or raises BrokenBarrierError by t +
        LATE, and all raise (not before t) if the victim never arrived."""
        ipc_env.provision([self.flavour.barrier(n) for n in range(2, 5)], 4)
        objects = ipc_env.allocate({"b": self.flavour.barrier(parties)}, parties)
        # the victim waits until it is struck: it always is
        first = ipc_env.run(objects, [[call("b", "wait", NEVER)]],
                            faults=data.draw(faults({0: 1}, min_faults=1), label="faults"),
                            deadline=deadline(ipc_env))
        history = merged(first, ipc_env.run(
            objects, [[]] + [[call("b", "wait", timeout, pause=p)] for p in waits[:parties - 1]],
            deadline=deadline(ipc_env)))
        wait = spec.victim_ops(history, 0, "b")[0]
        arrived = spec.began(wait)
        spec.check_broken_or_passed(history, history.survivors("b", "wait"), timeout, arrived,
                                    parties, "faults.barrier_party_killed")

    @checks("faults.event_setter_killed")
    @fault_settings()
    @given(st.integers(1, 3), timeouts(), pauses(), st.lists(pauses(), min_size=3, max_size=3),
           st.data())
    def test_event_setter_killed(self, ipc_env, waiters, timeout, delay, waits, data):
        """Process 0 waits and is struck before or in its wait; then process 1 sets the event and may be
        struck in set(), while the survivors wait. Every surviving waiter's wait(t) returns by
        t + LATE: True if it began after set() returned, False (not before t) if nobody set the
        event; is_set() is then True once set() returned."""
        ipc_env.provision([self.flavour.event], 2 + waiters)
        objects = ipc_env.allocate({"e": self.flavour.event}, 2 + waiters)
        first = ipc_env.run(objects, [[call("e", "wait", LONGEST)]],
                            faults=data.draw(faults({0: 1}, min_faults=1), label="waiter faults"),
                            deadline=deadline(ipc_env))
        strikes = data.draw(faults({1: 1}), label="setter faults")
        # is_set() has no timeout: after a setter killed inside set(), holding what set() holds,
        # it is not asked.
        ask = [] if strikes else [call("e", "is_set")]
        programs = [[], [call("e", "set", pause=delay)]] + [
            [call("e", "wait", timeout, pause=p)] + ask for p in waits[:waiters]]
        history = merged(first, ipc_env.run(objects, programs, faults=strikes,
                                            deadline=deadline(ipc_env)))
        prop = "faults.event_setter_killed"
        setter = spec.victim_ops(history, 1, "e")[0]
        done = setter.end if setter.ok else None
        waits_ = [op for op in history.survivors("e", "wait") if op.proc >= 2]
        spec.check_event_waits(history, waits_, timeout, done, prop)
        if spec.interrupted(setter) and not spec.began(setter):  # nobody set it
            spec.check_timed_out(history, waits_, timeout, prop, "an Event whose setter was killed")
        for op in history.survivors("e", "is_set"):
            if done is not None and op.start > done:
                expect(op.ok and op.result is True, prop, "is_set() after set() had returned %s"
                       % op.outcome(), history, [op, setter])

    @checks("faults.condition_waiter_killed")
    @fault_settings()
    @given(st.integers(1, 2), timeouts(), timeouts(low=0.01), st.sampled_from((0.002, 0.005)),
           st.data())
    def test_condition_waiter_killed(self, ipc_env, waiters, lock_timeout, timeout, delay, data):
        """Process 0 waits on the condition and is struck inside wait() or holding the lock;
        then process 1 notifies all a few milliseconds later, unless it is struck before, while
        the survivors wait. Each survivor's acquire(timeout=lt) and then wait(timeout=t) return by lt + t +
        LATE."""
        ipc_env.provision([self.flavour.condition], 2 + waiters)
        objects = ipc_env.allocate({"c": self.flavour.condition}, 2 + waiters)
        first = ipc_env.run(objects, [[macro("c", "faults:locked_wait", LONGEST)]],
                            faults=data.draw(faults({0: 1}, min_faults=1), label="waiter faults"),
                            deadline=deadline(ipc_env))
        programs = [[], [macro("c", "faults:timed_notify", lock_timeout, pause=delay)]] + [
            [macro("c", "faults:timed_wait", lock_timeout, timeout)] for _ in range(waiters)]
        # A notifier killed inside notify_all() may die holding the lock, which a waiter's wait()
        # must take again to return: that promise is suspended, so it is struck only before.
        strikes = data.draw(faults({1: 1}, whens=("before",)), label="notifier faults")
        history = merged(first, ipc_env.run(objects, programs, faults=strikes,
                                            deadline=deadline(ipc_env, 2 * LONGEST)))
        prop = "faults.condition_waiter_killed"
        ops = [op for op in history.survivors("c") if op.proc >= 1]
        for op in ops:
            expect(op.ok and op.result in (True, False, "no lock"), prop,
                   "%s %s" % (op.step.describe(), op.outcome()), history, [op])
        spec.check_bounded(history, ops, lock_timeout + timeout, prop,
                           "a survivor of a killed waiter or notifier")

    @checks("faults.pipe_peer_killed")
    @fault_settings()
    @given(st.lists(st.sampled_from(MESSAGES), max_size=3), st.booleans(), st.data())
    def test_pipe_peer_killed(self, ipc_env, sizes, sender_dies, data):
        """The sender (or the receiver) is struck anywhere in its program. The receiver gets every
        message whose send() returned, whole and in order, then EOFError, and poll(timeout)
        returns True by its timeout; a surviving sender's send() returns or raises OSError."""
        messages = [b"%d:" % i + b"m" * size for i, size in enumerate(sizes)]
        sender = [call("p.b", "close")] + [call("p.a", "send_bytes", m) for m in messages] + [
            call("p.a", "close")]
        receiver = [call("p.a", "close")] + [call("p.b", "recv_bytes") for _ in messages]
        if sender_dies:
            receiver += [call("p.b", "poll", POLL_TIMEOUT), call("p.b", "recv_bytes")]
            strikes = data.draw(faults({0: len(sender)}), label="faults")
        else:
            strikes = data.draw(faults({1: len(receiver)}), label="faults")
        history = ipc_env.run({"p": self.flavour.pipe}, [sender, receiver], fresh=True,
                              faults=strikes, deadline=deadline(ipc_env, POLL_TIMEOUT))
        prop = "faults.pipe_peer_killed"
        if sender_dies:
            sent = [op.step.args[0] for op in history.select("p.a", "send_bytes") if op.ok]
            recvs = history.select("p.b", "recv_bytes")
            spec.check_eof_after(history, recvs, sent, messages, prop)
            spec.check_polled(history, history.select("p.b", "poll"), POLL_TIMEOUT, prop)
        else:
            for op in history.survivors("p.a", "send_bytes"):
                expect(
                    op.ok or op.error in ("BrokenPipeError", "OSError", "ConnectionResetError"),
                    prop, "send to a killed receiver %s" % op.outcome(), history, [op])

    @checks("faults.queue_consumer_killed")
    @fault_settings()
    @given(st.sampled_from(["Queue", "JoinableQueue", "SimpleQueue"]), st.integers(0, 3),
           timeouts(), pauses(), st.data())
    def test_queue_consumer_killed(self, ipc_env, kind, items, timeout, delay, data):
        """The victim, a consumer, is struck inside (or before) a get() that blocks on an empty
        queue; a producer then puts items, and a surviving consumer's get(timeout=t) returns an
        item or raises Empty by t + LATE, each item at most once and only items put; every item,
        in order, if the victim was struck before its get() began. A SimpleQueue, whose get() has
        no timeout, is held to less when the victim died inside get(): a survivor's put()
        returns."""
        make = self.flavour.simple_queue if kind == "SimpleQueue" else self.flavour.queues[kind]
        ipc_env.provision([make], 3)
        # A SimpleQueue's consumer blocks for ever unless struck: it always is.
        strikes = data.draw(faults({0: 1}, min_faults=kind == "SimpleQueue"), label="faults")
        put = [b"%d" % i for i in range(items)]
        objects = ipc_env.allocate({"q": make}, 3)
        get = call("q", "get") if kind == "SimpleQueue" else call("q", "get", timeout=timeout)
        phase = ipc_env.run(objects, [[get]], faults=strikes, deadline=deadline(ipc_env))
        # The victim's get() never began (or ended by itself): it held nothing, all must arrive.
        struck = phase.struck(0)
        intact = struck is None or not spec.began(struck)
        prop = "faults.queue_consumer_killed"
        if intact and kind == "SimpleQueue":
            gets = [call("q", "get") for _ in put]
        elif intact:
            gets = [call("q", "get", timeout=NEVER) for _ in put] + [
                call("q", "get", timeout=timeout)]
        elif kind == "SimpleQueue":  # its get() has no timeout: only put() is checked
            gets = []
        else:
            gets = [call("q", "get", timeout=timeout) for _ in range(items + 1)]
        history = ipc_env.run(objects, [[], [call("q", "put", m, pause=delay) for m in put], gets],
                              deadline=deadline(ipc_env))
        returned(history, history.select("q", "put"), prop, "put() after a consumer was killed")
        ops = history.select("q", "get")
        if kind != "SimpleQueue":
            spec.check_gets(history, ops, timeout, prop, "get after a consumer was killed")
        spec.check_no_duplicates(history, ops, put, prop)
        if intact:
            spec.check_delivered(history, ops, put, prop)

    @checks("faults.queue_producer_killed")
    @fault_settings()
    @given(st.lists(st.sampled_from(SMALL), min_size=1, max_size=3), timeouts(), st.data())
    def test_queue_producer_killed(self, ipc_env, sizes, timeout, data):
        """The producer is struck in or after its put() calls of small items: every get(timeout=t)
        of the consumer returns or raises Empty by t + LATE, and no item arrives twice or unput."""
        strikes = data.draw(faults({0: len(sizes) + 1}), label="faults")
        _producer_killed(ipc_env, self.flavour, sizes, strikes, timeout,
                         "faults.queue_producer_killed")

    @checks("faults.queue_producer_killed_mid_message")
    @fault_settings()
    @given(st.lists(st.sampled_from(LARGE), min_size=1, max_size=2), timeouts(), st.data())
    def test_queue_producer_killed_mid_message(self, ipc_env, sizes, timeout, data):
        """The same with items larger than the pipe buffer, so that the producer may die with a
        message half written: the consumer's gets must still return or raise Empty within their
        timeouts."""
        strikes = data.draw(faults({0: len(sizes) + 1}, signals=("SIGKILL",)), label="faults")
        _producer_killed(ipc_env, self.flavour, sizes, strikes, timeout,
                         "faults.queue_producer_killed_mid_message")

    @checks("faults.queue_worker_killed")
    @fault_settings()
    @given(st.integers(1, 3), st.data())
    def test_queue_worker_killed(self, ipc_env, items, data):
        """A worker gets items of a JoinableQueue and is killed before one of its task_done()
        calls. The items it did not finish stay unfinished: a survivor's task_done() for each lets
        join() return, and one more raises ValueError."""
        make = self.flavour.joinable
        ipc_env.provision([make], 2)
        objects = ipc_env.allocate({"q": make}, 2)
        ipc_env.run(objects, [[], [call("q", "put", b"%d" % i) for i in range(items)]],
                    deadline=deadline(ipc_env))
        worker = [s for _ in range(items) for s in (call("q", "get", timeout=NEVER),
                                                     call("q", "task_done"))]
        dones = {i for i in range(len(worker)) if worker[i].call == "task_done"}
        strikes = data.draw(faults({0: len(worker)}, whens=("before",)).filter(
            lambda fs: all(f.step in dones for f in fs)), label="faults")
        phase = ipc_env.run(objects, [worker], faults=strikes, deadline=deadline(ipc_env))
        mine = spec.victim_ops(phase, 0, "q")
        open_ = (sum(1 for o in mine if o.call == "get" and o.ok)
                 - sum(1 for o in mine if o.call == "task_done" and o.ok))
        rest = items - sum(1 for o in mine if o.call == "get" and o.ok)
        finish = ([s for _ in range(rest) for s in (call("q", "get", timeout=NEVER),
                                                    call("q", "task_done"))]
                  + [call("q", "task_done")] * open_ + [call("q", "join"), call("q", "task_done")])
        history = ipc_env.run(objects, [[], finish], deadline=deadline(ipc_env))
        prop = "faults.queue_worker_killed"
        ops = history.of(1)
        returned(history, ops[:-1], prop, "finishing the killed worker's items")
        last = ops[-1]
        expect(
            last.error == "ValueError", prop, "task_done() once every item was done %s, not "
            "ValueError: the kill lost or added an unfinished task" % last.outcome(), history,
            [last])

    @checks("faults.value_writer_killed")
    @fault_settings()
    @given(st.booleans(), st.booleans(), st.integers(1, 1000), st.integers(1, 2), timeouts(),
           st.data())
    def test_value_writer_killed(self, ipc_env, array, releases, number, survivors, timeout,
                                 data):
        """The victim takes get_lock(), writes, maybe releases, and is struck anywhere in that.
        Each survivor's get_lock().acquire(True, t) returns False (not before t) if the victim
        died holding the lock, and a write that returned before the kill is seen."""
        make = self.flavour.array if array else self.flavour.value
        ipc_env.provision([make], 1 + survivors)
        victim = [macro("v", "value:lock_call", "acquire"),
                  call("v", "__setitem__", 1, number) if array else write("v", "value", number)]
        victim += [macro("v", "value:lock_call", "release")] * releases
        strikes = data.draw(faults({0: len(victim)}), label="faults")
        objects = ipc_env.allocate({"v": make}, 1 + survivors)
        phase = ipc_env.run(objects, [victim], faults=strikes, deadline=deadline(ipc_env))
        held = spec.held_at_death(phase, 0, "v")
        wrote = spec.victim_ops(phase, 0, "v")
        seen = number if len(wrote) > 1 and wrote[1].ok else None
        history = ipc_env.run(objects, [[]] + [
            [macro("v", "value:lock_call", "acquire", True, timeout),
             macro("v", "faults:raw", 1 if array else None)] for _ in range(survivors)],
            deadline=deadline(ipc_env))
        prop = "faults.value_writer_killed"
        acquires = history.select("v", "@value:lock_call")
        spec.check_acquires(history, acquires, timeout, held, prop,
                            "get_lock() of a %s after its writer was killed"
                            % ("Array" if array else "Value"))
        if seen is not None:
            for op in history.select("v", "@faults:raw"):
                expect(
                    op.ok and op.result == seen, prop, "the killed writer's write of %r had "
                    "returned, but a survivor read %s" % (seen, op.outcome()), history, [op])


class TestFaults(FaultProperties):
    """Faults in the native objects."""

    flavour = Native

    @checks("faults.manager_killed")
    @fault_settings()
    @given(st.integers(1, 2), st.none() | st.binary(min_size=1, max_size=16),
           st.lists(st.lists(MANAGED_CALLS, min_size=1, max_size=3), min_size=2, max_size=2),
           st.data())
    def test_manager_killed(self, ipc_env, survivors, key, calls, data):
        """Process 0 is the server of a ``SyncManager`` (``get_server().serve_forever()``); the
        others connect and each make a Queue, a Lock, an Event and a dict through it. Then, as the
        nemesis kills the server (SIGKILL or SIGTERM, at a drawn moment), each blocks in
        ``get()`` on its empty Queue, then makes 1-3 more calls through the proxies or the
        manager: the get() raises, not before the kill, and within LATE after; every later call
        raises within LATE; none hangs."""
        procs = 1 + survivors
        ipc_env.provision([CONTEXT], procs)
        objects = ipc_env.allocate({"ctx": CONTEXT}, procs)
        started = ipc_env.run(objects, [[macro("ctx", "manager:serve_here", key)]],
                              deadline=deadline(ipc_env))
        returned(started, started.of(0), "faults.manager_killed",
                 "process 0: SyncManager(address, authkey).get_server().serve_forever()")
        address = started.of(0)[0].result
        connected = ipc_env.run(objects, [[]] + [
            [macro("ctx", "manager:client", address, key, MANAGED)] for _ in range(survivors)],
            deadline=deadline(ipc_env))
        returned(connected, [op for p in range(1, procs) for op in connected.of(p)],
                 "faults.manager_killed", "connect() and a proxy of each kind, the server running")
        strikes = data.draw(faults({0: 1}, signals=("SIGKILL", "SIGTERM"),
                                   whens=("after", "blocked"), min_faults=1), label="faults")
        blocked = macro("ctx", "manager:through", "Queue", "get")
        history = ipc_env.run(objects, [[macro("ctx", "manager:serving")]] + [
            [blocked] + [macro("ctx", "manager:through", *c) for c in calls[p]]
            for p in range(survivors)], faults=strikes, deadline=deadline(ipc_env, 0.0))
        spec.check_manager_killed(history, 0, range(1, procs), "Queue get()",
                                  "faults.manager_killed")
