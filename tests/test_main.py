"""``python -m ipc_spec``: how many xdist workers it chooses, and when it leaves that to the user."""

import pytest

from ipc_spec import __main__ as entry


@pytest.mark.parametrize("args", [["-n", "0"], ["-n3"], ["-nauto"], ["--numprocesses=2"],
                                  ["--dist", "load"], ["-p", "no:xdist"], ["-pno:xdist"]])
def test_the_user_chooses(args):
    assert entry._chooses_workers(["--start-method=fork"] + args)


@pytest.mark.parametrize("args", [[], ["-p", "no:randomly"], ["-k", "barrier", "-x"]])
def test_the_kit_chooses(args):
    assert not entry._chooses_workers(args)


def test_workers_per_core(monkeypatch):
    monkeypatch.setattr(entry.os, "cpu_count", lambda: 2)
    assert entry.workers() == 4
    monkeypatch.setattr(entry.os, "cpu_count", lambda: 64)
    assert entry.workers() == 8
    monkeypatch.setattr(entry.os, "cpu_count", lambda: None)
    assert entry.workers() == 2
