"""A worker that dies outside any plan (no fault, no ``die`` step) fails the example as
WorkerDied, quoting the end of what it wrote to its stderr; the harness then serves on."""

import multiprocessing
import os
import sys

import pytest

from ipc_spec.errors import WorkerDied
from ipc_spec.harness import Make
from ipc_spec.history import call


class Crasher(object):
    """``crash(text)``: write ``text`` to stderr, then end the process at once (exit code 3)."""

    def crash(self, text):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
        os._exit(3)

    def fine(self):
        return "fine"


def crasher(ctx):
    return Crasher()


def test_a_dead_worker_says_what_it_wrote(make_env):
    env = make_env(multiprocessing, deadline=10.0)
    with pytest.raises(WorkerDied) as raised:
        env.run({"c": Make(crasher)}, [[call("c", "fine")], [call("c", "crash", "last words")]])
    message = str(raised.value)
    assert "worker process 1 ended unexpectedly" in message, message
    assert "the end of its stderr:\n  | last words" in message, message
    history = env.run({"c": Make(crasher)}, [[call("c", "fine")]])  # a new crew serves on
    assert [op.result for op in history.of(0)] == ["fine"]
