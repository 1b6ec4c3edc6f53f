"""Recycling (``Make.recycled_by``): an object serves another example only after an example that
used it passed, and only once its family's documented reset brought it back to its initial state."""

import multiprocessing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipc_spec.harness import Env, Make
from ipc_spec.history import call
from ipc_spec.specs import barrier, event, lock, semaphore

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="these checks use fork, the cheapest start method")

BARRIER = Make("Barrier", 2).recycled_by(barrier.reset, often=True)
EVENT = Make("Event").recycled_by(event.reset, often=True)
LOCK = Make("Lock").recycled_by(lock.reset)
RLOCK = Make("RLock").recycled_by(lock.reset)
SEMAPHORE = Make("Semaphore", 2).recycled_by(semaphore.reset)
BOUNDED = Make("BoundedSemaphore", 2).recycled_by(semaphore.reset)
QUEUE = Make("Queue")


@pytest.fixture
def env():
    env = Env("multiprocessing", "fork", deadline=10.0)
    yield env
    env.close()


def _slots(env, make, examples, passed=True, program=None):
    """The bank slots ``examples`` successive examples of ``make`` were given."""
    slots = []
    for _ in range(examples):
        objects = env.allocate({"x": make}, 2)
        slots.append((objects.crew, objects.names["x"]))
        if program is not None:
            env.run(objects, program)
        env.settle(passed)
    return slots


def test_a_passing_example_gives_its_objects_back(env):
    slots = _slots(env, BARRIER, 5, program=[[call("x", "wait")], [call("x", "wait")]])
    assert len(set(slots)) == 1
    assert env.recycled == 5


def test_a_failing_example_keeps_its_objects(env):
    slots = _slots(env, EVENT, 5, passed=False, program=[[call("x", "set")]])
    assert len(set(slots)) == 5
    assert env.recycled == 0


def test_kinds_without_a_reset_are_used_once(env):
    assert QUEUE.reset is None
    assert len(set(_slots(env, QUEUE, 5))) == 5


@pytest.mark.parametrize("make", [LOCK, RLOCK])
def test_a_released_lock_is_reused_a_held_one_is_not(env, make):
    released = _slots(env, make, 3, program=[[call("x", "acquire"), call("x", "release")]])
    assert len(set(released)) == 1
    held = _slots(env, make, 3, program=[[call("x", "acquire")]])
    assert len(set(held)) == 3 and held[0] == released[0]  # the last released one, then new ones
    assert env.recycled == 3


@pytest.mark.parametrize("make", [SEMAPHORE, BOUNDED])
def test_a_semaphore_is_reused_only_at_its_initial_value(env, make):
    balanced = _slots(env, make, 3, program=[[call("x", "acquire"), call("x", "acquire"),
                                              call("x", "release"), call("x", "release")]])
    assert len(set(balanced)) == 1
    below = _slots(env, make, 2, program=[[call("x", "acquire")]])
    assert len(set(below)) == 2
    assert env.recycled == 3
    if make is SEMAPHORE:  # a Semaphore may be released above its initial value
        above = _slots(env, make, 2, program=[[call("x", "release")]])
        assert len(set(above)) == 2
        assert env.recycled == 3
        history = env.run({"x": make}, [[call("x", "acquire", False)] * 3])
        assert [op.result for op in history.ops] == [True, True, False]  # a fresh one, at 2


def test_a_set_event_comes_back_cleared(env):
    _slots(env, EVENT, 1, program=[[call("x", "set")]])
    history = env.run({"x": EVENT}, [[call("x", "is_set")]])
    assert env.recycled == 1
    assert history.ops[0].result is False


def test_a_broken_barrier_is_not_reused(env):
    slots = _slots(env, BARRIER, 3, program=[[call("x", "abort")]])
    assert len(set(slots)) == 3
    assert env.recycled == 0


class _StuckEvent(object):
    """An Event whose clear() does nothing (built in the host, inherited under fork)."""

    def __init__(self, ctx):
        self.event = ctx.Event()

    def set(self):
        self.event.set()

    def clear(self):
        pass

    def is_set(self):
        return self.event.is_set()


def stuck_event(ctx):
    """A factory (module-level: the host imports it by name) with a reset that cannot restore."""
    return _StuckEvent(ctx)


def _stuck_reset(obj):
    obj.clear()
    return not obj.is_set()


stuck_event.reset = _stuck_reset


def test_an_object_its_reset_cannot_restore_is_not_reused(env):
    make = Make(stuck_event)
    slots = _slots(env, make, 3, program=[[call("x", "set")]])
    assert len(set(slots)) == 3
    assert env.recycled == 0


def test_examples_of_recycles_after_passing_examples_only(env):
    slots = []

    @settings(max_examples=30, database=None, derandomize=True)
    @given(st.booleans())
    def prop(fail):
        objects = env.allocate({"x": EVENT}, 1)
        slots.append((objects.crew, objects.names["x"]))
        env.run(objects, [[call("x", "set")]])
        assert not fail

    with pytest.raises(AssertionError), env.examples_of(prop):
        prop()
    assert 0 < env.recycled < len(slots)
    assert not env.lent
