"""Objects sent with each example (``Make.sent``: a Manager's proxies): built and pickled by the
host, unpickled by the workers whose steps use them, never held in a crew's bank, and never
recycled."""

import multiprocessing
import os

import pytest

from ipc_spec.errors import SpecViolation
from ipc_spec.harness import Env, Make
from ipc_spec.history import call
from ipc_spec.ops import manager
from ipc_spec.specs import event

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="these checks use fork, the cheapest start method")

EVENT = Make(manager.managed_Event).recycled_by(event.reset, often=True)


class Recorded(object):
    """Pickles to a call that appends the unpickling process's pid to ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (_arrived, (self.path,))

    def describe(self):
        return "recorded"


def _arrived(path):
    with open(path, "a") as f:
        f.write("%d\n" % os.getpid())
    return Recorded(path)


def recorded(ctx, path):
    return Recorded(path)


recorded.sent = True


def unpicklable(ctx):
    return lambda: None  # a lambda does not pickle by reference


unpicklable.sent = True
unpicklable.clause = "unpicklable"


class Refused(object):
    def __reduce__(self):
        return (_refuse, ())


def _refuse():
    raise RuntimeError("not here")


def refused(ctx):
    return Refused()


refused.sent = True
refused.clause = "refused"


@pytest.fixture
def env():
    env = Env("multiprocessing", "fork", deadline=10.0)
    yield env
    env.close()


def test_a_proxy_is_sent_and_not_banked(env):
    assert EVENT.sent and not Make("Event").sent
    objects = env.allocate({"e": EVENT}, 2)
    assert objects.names["e"][0] == "sent"
    assert EVENT.key not in objects.crew.keys
    env.run(objects, [[call("e", "set")]])
    seen = env.run(objects, [[], [call("e", "is_set")]])
    assert [op.result for op in seen.ops] == [True]  # the other process's proxy, the same Event


def test_only_the_workers_that_use_it_unpickle_it_once_an_example(env, tmp_path):
    path = str(tmp_path / "arrivals")
    make = Make(recorded, path)
    for _ in range(2):
        objects = env.allocate({"r": make}, 3)
        for _ in range(2):  # two phases of one example: unpickled once
            env.run(objects, [[call("r", "describe")], [], [call("r", "describe")]])
        env.settle(True)
    with open(path) as f:
        pids = f.read().split()
    assert len(pids) == 4 and len(set(pids)) == 2  # processes 0 and 2, once per example


@pytest.mark.parametrize("passed", [True, False])
def test_a_sent_object_serves_one_example(env, passed):
    ids = []
    for _ in range(3):
        objects = env.allocate({"e": EVENT}, 2)
        ids.append(objects.names["e"][1])
        env.run(objects, [[call("e", "set")], [call("e", "wait", 5.0)]])
        env.settle(passed)
    assert len(set(ids)) == 3
    assert env.recycled == 0


def test_a_kind_that_cannot_be_pickled_is_lacking(env):
    with pytest.raises(SpecViolation, match="could not be pickled") as info:
        env.allocate({"x": Make(unpicklable)}, 1)
    assert info.value.prop == "unpicklable.inherit"


def test_a_kind_that_cannot_be_unpickled_in_a_worker_is_lacking(env):
    objects = env.allocate({"x": Make(refused)}, 2)
    with pytest.raises(SpecViolation, match="could not be unpickled") as info:
        env.run(objects, [[call("x", "describe")], []])
    assert info.value.prop == "refused.inherit"
    assert "RuntimeError: not here" in str(info.value)
    objects = env.allocate({"e": EVENT}, 2)  # the crew serves on
    assert env.run(objects, [[call("e", "set")]]).ops[0].error is None
