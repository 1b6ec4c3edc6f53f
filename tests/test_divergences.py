"""Known divergences of the interpreter's own ``multiprocessing`` (docs/divergences/*.py).

Each script there is a standalone reproducer: it exits 1 when the documented behaviour breaks (a
process SIGKILLed while blocked in a call leaves a survivor that overstays a documented timeout or
hangs; a child's ``sys.exit()`` gives exit code 1), 0 when it holds. This module runs every script under every start method this platform offers, all at
once in subprocesses (each one bounded by ``TIMEOUT`` seconds), and expects exit status 1: when a
script returns 0 the interpreter has been fixed, and the kit must drop its known divergence.

``SEEN`` says on which implementations each divergence was observed; elsewhere the case is skipped.
"""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DIVERGENCES = Path(__file__).resolve().parent.parent / "docs" / "divergences"
SCRIPTS = sorted(DIVERGENCES.glob("*.py"))
METHODS = multiprocessing.get_all_start_methods()
TIMEOUT = 30.0
IMPLEMENTATION = sys.implementation.name  # "cpython" or "pypy"

#: script name -> the implementations on which its divergence was seen (CPython 3.8 and 3.13,
#: PyPy 7.3.11 / 3.9, under fork, spawn and forkserver alike): ``"cpython"``, or ``"cpython<3.9"``
#: for the versions before one (``"cpython<3.12.3"``: before a bug-fix release), ``"cpython>=3.11"``
#: from one on; ``@spawn,forkserver`` after either: under those start methods only.
SEEN = {
    "barrier_wait_timeout_after_party_killed.py": {"cpython", "pypy"},
    "condition_notify_after_waiter_killed.py": {"cpython", "pypy"},
    "event_set_after_waiter_killed.py": {"cpython", "pypy"},
    "process_sys_exit_without_code.py": {"cpython<3.9"},
    "listener_empty_authkey.py": {"cpython<3.12.3", "pypy"},
    "client_greeted_without_challenge.py": {"cpython<3.12", "pypy"},
    "shared_memory_shareable_list_multibyte_str.py": {"cpython<3.14", "pypy"},
    "shared_memory_shareable_list_negative_index.py": {"cpython", "pypy"},
    "manager_condition_over_rlock.py": {"cpython", "pypy"},
    "manager_proxy_received_twice.py": {"cpython"},
    "executor_max_tasks_per_child_stalls.py": {"cpython>=3.11"},
    "executor_worker_death_unnoticed.py": {"cpython>=3.9@spawn,forkserver"},
}

#: (script name, start method) -> (returncode or None when it overran, stdout, stderr, seconds)
_results = {}


def _version(text):
    return tuple(int(n) for n in text.split("."))


def _expected(name, method=None):
    """Whether the divergence of script ``name`` was seen on this implementation and version (and
    under ``method``, if given)."""
    for tag in SEEN.get(name, ()):
        tag, _, methods = tag.partition("@")
        if method is not None and methods and method not in methods.split(","):
            continue
        if ">=" in tag:
            implementation, _, at_least = tag.partition(">=")
            if implementation == IMPLEMENTATION and sys.version_info[:3] >= _version(at_least):
                return True
            continue
        implementation, _, below = tag.partition("<")
        if implementation == IMPLEMENTATION and (not below or
                                                 sys.version_info[:3] < _version(below)):
            return True
    return False


def _run_all():
    """Starts every expected (script, start method) pair at once, then collects them all."""
    started = {}
    for script in SCRIPTS:
        if not _expected(script.name):
            continue
        for method in METHODS:
            if not _expected(script.name, method):
                continue
            proc = subprocess.Popen([sys.executable, str(script), method], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, universal_newlines=True,
                                    start_new_session=True)
            started[script.name, method] = (proc, time.monotonic())
    for key, (proc, began) in started.items():
        try:
            out, err = proc.communicate(timeout=max(0.0, began + TIMEOUT - time.monotonic()))
            code = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the script's own session: it and its children
            out, err = proc.communicate()
            code = None
        _results[key] = (code, out, err, time.monotonic() - began)


def _result(name, method):
    if (name, method) not in _results:
        _run_all()
    return _results[name, method]


def _cases():
    for script in SCRIPTS:
        seen_here = "%s %d.%d" % ((IMPLEMENTATION,) + sys.version_info[:2])
        for method in METHODS:
            marks = [pytest.mark.skipif(not _expected(script.name, method),
                                        reason="divergence not seen on %s under %s"
                                        % (seen_here, method))]
            yield pytest.param(script.name, method, marks=marks, id=script.stem + "-" + method)


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the reproducers read /proc/<pid>/stat")


def test_every_script_is_listed():
    assert SCRIPTS, "no scripts in " + str(DIVERGENCES)
    assert sorted(SEEN) == [s.name for s in SCRIPTS], "SEEN must list exactly docs/divergences/*.py"


@pytest.mark.parametrize("name", [s.name for s in SCRIPTS])
def test_script_is_short_and_says_what_it_shows(name):
    text = (DIVERGENCES / name).read_text()
    assert len(text.splitlines()) <= 30, name + " is longer than 30 lines"
    assert text.startswith('"""') and "https://" in text.split('"""')[1], \
        name + " must open with a docstring giving the documentation / tracker link"


@pytest.mark.parametrize("name, method", list(_cases()))
def test_divergence_still_shows(name, method):
    code, out, err, took = _result(name, method)
    shown = "%s %s -> exit %s after %.1f s\nstdout: %s\nstderr: %s" % (
        name, method, code, took, out.strip(), err.strip()[-2000:])
    assert code is not None, "the script overran its %g s bound: %s" % (TIMEOUT, shown)
    assert code != 0, "fixed? the kit must drop its known divergence: " + shown
    assert code == 1 and "DIVERGES" in out, "the script failed instead of reproducing: " + shown
