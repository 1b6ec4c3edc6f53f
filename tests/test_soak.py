"""benchmarks/soak.py counts runs and failures, and never leaves a busy-loop process (or a run)
behind: not when it ends, not on Ctrl-C or SIGTERM, not even when it is killed outright."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.test_cleanup import ROOT, _marked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="finds processes through /proc (Linux only)")

SOAK = os.path.join(ROOT, "benchmarks", "soak.py")


def soak(tmp_path, *args):
    """Start soak.py with a mark in its environment; returns (process, mark)."""
    mark = uuid.uuid4().hex
    env = dict(os.environ, IPC_SPEC_RUN_MARK=mark)
    out = open(str(tmp_path / "out"), "wb")
    with out:
        proc = subprocess.Popen([sys.executable, SOAK] + list(args), cwd=str(tmp_path), env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    return proc, mark


def left_behind(mark, seconds=10.0):
    limit = time.monotonic() + seconds
    alive = _marked(mark)
    while alive and time.monotonic() < limit:
        time.sleep(0.05)
        alive = _marked(mark)
    for pid in alive:  # leave nothing, whatever the verdict
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return alive


def test_counts_runs_and_failures(tmp_path):
    command = "python -c \"import sys; print('FAILED t.py::test_x - boom'); print('1 failed'); sys.exit(1)\""
    proc, mark = soak(tmp_path, "--runs", "2", "--hogs", "2", "--json", str(tmp_path / "soak.json"),
                      "--command", command)
    try:
        assert proc.wait(120) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    output = (tmp_path / "out").read_text()
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["runs"] == 2 and report["failures"] == 2, output
    assert report["hogs"] == 2
    assert report["results"][0]["summary"] == ["FAILED t.py::test_x - boom", "1 failed"], output
    assert set(report["seconds_per_run"]) == {"min", "mean", "max"}
    assert output.count("    FAILED t.py::test_x - boom") == 2, output
    assert left_behind(mark) == {}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_leaves_nothing_when_stopped(tmp_path, sig):
    """Stopped while a run is under way: the busy-loop processes and the run both end."""
    started = tmp_path / "started"
    command = "python -c \"import time; open(%r, 'w').close(); time.sleep(120)\"" % str(started)
    proc, mark = soak(tmp_path, "--runs", "3", "--hogs", "2", "--command", command)
    try:
        limit = time.monotonic() + 60
        while not started.exists():
            assert proc.poll() is None, (tmp_path / "out").read_text()
            assert time.monotonic() < limit, "the run never started"
            time.sleep(0.01)
        assert len(_marked(mark)) == 4  # soak, two hogs, the run
        proc.send_signal(sig)
        rc = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = (tmp_path / "out").read_text()
    assert rc == (-signal.SIGKILL if sig == signal.SIGKILL else 130), output
    assert left_behind(mark) == {}, output
