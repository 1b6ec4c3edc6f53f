"""The nemesis (``ipc_spec.nemesis``): each signal at each moment strikes the step it names, the
history says what it interrupted, the struck worker is replaced, a hang after a fault names the
fault, and a fault that names no step is refused."""

import multiprocessing

import pytest

from ipc_spec.errors import Deadlock, HarnessError
from ipc_spec.harness import Make
from ipc_spec.history import MISSED, SIGNALS, Fault, call, fault
from ipc_spec.specs.faults import began

#: Once process 0 holds the lock, process 1 fails to acquire it with a timeout (step 1), then
#: blocks for ever in acquire() (step 2), where the fault strikes it.
HOLDER = [call("l", "acquire")]
BLOCKED = [call("l", "acquire", timeout=0.01), call("l", "acquire")]


def _struck(env, *fault_args):
    objects = env.allocate({"l": Make("Lock")}, 2)
    env.run(objects, [HOLDER])
    return env.run(objects, [[], BLOCKED], faults=[fault(1, 1, *fault_args)])


@pytest.mark.parametrize("when, delay", [("before", 0.0), ("after", 0.005), ("blocked", 0.0)])
@pytest.mark.parametrize("signal", SIGNALS)
def test_a_fault_strikes_its_step(make_env, signal, when, delay):
    env = make_env(multiprocessing, deadline=10.0)
    for _ in range(2):  # the struck worker is replaced, and struck again
        history = _struck(env, signal, when, delay)
        assert history.victims() == {1}
        first, struck = history.of(1)[0], history.struck(1)
        assert first.ok and first.result is False  # the step before ran as usual
        assert struck.index == 1 and struck.step == BLOCKED[1]
        expected = "KeyboardInterrupt" if signal == "SIGINT" else signal
        assert struck.error == expected, history.format()
        assert began(struck) == (when != "before"), history.format()
        (sent,) = history.faults()
        assert sent.proc == 1 and sent.index == -1 and sent.call == signal
        assert sent.result.endswith("step 2: l.acquire()"), sent.result
        assert first.end <= sent.start <= struck.end


def test_a_fault_after_the_program_is_missed(make_env):
    """A fault whose process finished first is not sent; the process serves on."""
    env = make_env(multiprocessing, deadline=10.0)
    history = env.run({"e": Make("Event")}, [[call("e", "is_set")]],
                      faults=[fault(0, 0, "SIGKILL", "after", 0.5)])
    assert history.victims() == set()
    assert [op.result for op in history.faults()] == [MISSED]
    pid = env.crew.pids[0]
    env.run({"e": Make("Event")}, [[call("e", "is_set")]])
    assert env.crew.pids[0] == pid


def test_a_hang_after_a_fault_names_it(make_env):
    """The holder is killed holding the lock: a survivor's acquire() blocks, and the deadlock says
    so, with the faults of the phase and when each process was gone."""
    env = make_env(multiprocessing, deadline=1.0)
    objects = env.allocate({"l": Make("Lock")}, 3)
    env.run(objects, [[call("l", "acquire"), call("l", "release")]],
            faults=[fault(0, 1, "SIGKILL", "before")])
    with pytest.raises(HarnessError, match="struck by a fault in an earlier phase"):
        env.run(objects, [[call("l", "acquire")]])
    with pytest.raises(Deadlock) as info:
        env.run(objects, [[], [call("l", "acquire", pause=0.01)], [call("l", "acquire", 0.01)]],
                faults=[fault(2, 0, "SIGTERM", "before")])
    text = str(info.value)
    assert "process 1: blocked in step 1 of 1: pause(0.01); l.acquire()" in text, text
    assert "process 2: gone after its fault" in text, text
    assert "fault: SIGTERM process 2 before step 1, sent at" in text, text
    assert info.value.blocked == [(1, 0, "pause(0.01); l.acquire()")]


@pytest.mark.parametrize("faults, says", [
    ([fault(2, 0)], "the phase has no such step"),
    ([fault(0, 5)], "the phase has no such step"),
    ([fault(0, 0), fault(0, 0, "SIGINT")], "struck once in a phase"),
    ([("SIGKILL", 0)], "not a fault"),
    ([Fault(0, 0, "SIGSTOP")], "not a fault"),
])
def test_a_fault_that_names_no_step_is_refused(make_env, faults, says):
    env = make_env(multiprocessing, deadline=5.0)
    with pytest.raises(HarnessError, match=says):
        env.run({"e": Make("Event")}, [[call("e", "is_set")]], faults=faults)


def test_fault_refuses_what_is_not_a_fault():
    with pytest.raises(ValueError):
        fault(0, 0, "SIGSTOP")
    with pytest.raises(ValueError):
        fault(0, 0, "SIGKILL", "later")
