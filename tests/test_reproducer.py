"""Standalone reproducers (``ipc_spec.report.reproducer``): the scripts they write run the kit's
example with plain calls of the implementation, and exit 1 exactly when the divergence shows.

The failures are literals: parts of real reports (billiard 4.3.2 and multiprocessing on CPython
3.11, schema 2) and hand-built ones. Each script runs in a subprocess of this interpreter, with its
temporary files in a directory of the test's own.
"""

import ast
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from ipc_spec.report.reproducer import ReproducerError, script

BILLIARD_RUN = {"impl": "billiard", "impl_version": "4.3.2", "interpreter": "CPython",
                "python": "3.11.7", "platform": "Linux-6.18.44-x86_64-with-glibc2.36",
                "sys_platform": "linux", "kit_version": "0.1.0", "finished": "2026-12-02T00:24:09Z"}
STDLIB_RUN = dict(BILLIARD_RUN, impl="multiprocessing", impl_version="stdlib, Python 3.11.7")


def shown(output, text):
    """Whether the reproducer printed that the divergence showed, with ``text``: in its only run, or
    in some of several (a fault that must land inside a call may need more than one on a loaded
    machine)."""
    return re.search(r"DIVERGENCE SHOWN( in \d+ of \d+ runs)?: " + re.escape(text), output) is not None


def step(obj, call, text, args="()", kwargs="{}", pause=0.0):
    return {"obj": obj, "call": call, "args": args, "kwargs": kwargs, "pause": pause, "text": text}


def op(proc, index, call, outcome, error=None, named=False, start_ms=0.0, end_ms=0.0):
    return {"proc": proc, "index": index, "call": call, "start_ms": start_ms, "end_ms": end_ms,
            "outcome": outcome, "error": error, "named": named}


def history(ops, blocked=(), deadline_ms=None, marks=()):
    return {"procs": 2, "ops": list(ops), "marks": list(marks), "blocked": list(blocked),
            "deadline_ms": deadline_ms}


def fault(proc, index, signal="SIGKILL", when="before", delay=0.0):
    """A fault of a phase as a report has it (``ipc_spec.evidence.fault_data``)."""
    at = {"before": "before step %d" % (index + 1), "blocked": "once blocked in step %d" % (index + 1),
          "after": "%.3g ms into step %d" % (delay * 1e3, index + 1)}[when]
    return {"proc": proc, "step": index, "signal": signal, "when": when, "delay": delay,
            "text": "%s process %d %s" % (signal, proc, at)}


def sent(f, where, start_ms=0.0):
    """The op of a fault in a kit's history: index -1, and where it struck."""
    return op(f["proc"], -1, "%s from the harness (%s)" % (f["signal"], f["text"]), "-> %r" % where,
              start_ms=start_ms, end_ms=start_ms)


NOTIFY_2 = "raised TypeError: Condition.notify() takes 1 positional argument but 2 were given"

#: billiard's condition.unlocked under fork: notify(2) raises TypeError (billiard's notify takes no n).
UNLOCKED = {
    "clause": "condition.unlocked", "method": "fork", "verdict": "xfail",
    "message": "condition.unlocked: c.notify(2) without holding the lock: expected RuntimeError or "
               "AssertionError, got " + NOTIFY_2,
    "program": "  c = condition('Lock')\n  phase 1:\n    process 1: c.acquire()\n  phase 2:\n"
               "    process 0: c.notify(2); c.wait(0.01)",
    "known": "known divergence: billiard's Condition.notify() takes no n",
    "timing": None,
    "scenario": {
        "objects": {"c": {"factory": "ipc_spec.suite.test_condition:condition", "args": "('Lock',)",
                          "kwargs": "{}", "text": "condition('Lock')"}},
        "phases": [
            {"fresh": False, "programs": [[], [step("c", "acquire", "c.acquire()")]]},
            {"fresh": False, "programs": [[step("c", "notify", "c.notify(2)", args="(2,)"),
                                           step("c", "wait", "c.wait(0.01)", args="(0.01,)")]]},
        ]},
    "history": history([
        op(0, 0, "c.notify(2)", NOTIFY_2, "TypeError", named=True, start_ms=0.162, end_ms=0.193),
        op(0, 1, "c.wait(0.01)", "raised AssertionError: must acquire() condition before using wait()",
           "AssertionError", start_ms=0.201, end_ms=0.215)]),
}

#: billiard's queue.get_timeout under fork: get(timeout=0.005) raised Empty after 4.3 ms.
GET_TIMEOUT = {
    "clause": "queue.get_timeout", "method": "fork", "verdict": "xfail", "known": None,
    "message": "queue.get_timeout: nothing to get: returned after 0.0043 s, before its 0.0050 s timeout",
    "timing": {"bound": "early", "checked": 10, "broken": 2,
               "by_ms": {"min": 0.751, "median": 0.786, "max": 0.786}},
    "scenario": {
        "objects": {"q": {"factory": "Queue", "args": "()", "kwargs": "{}", "text": "Queue()"}},
        "phases": [
            {"fresh": False, "programs": [[step("q", "@queue:get", "q.queue:get!(method='get_nowait')",
                                                kwargs="{'method': 'get_nowait'}")]]},
            {"fresh": False, "programs": [[step("q", "@queue:get", "q.queue:get!(timeout=0.005)",
                                                kwargs="{'timeout': 0.005}")]]},
        ]},
    "history": history([op(0, 0, "q.queue:get!(timeout=0.005)", "raised Empty", "Empty", named=True,
                           start_ms=0.112, end_ms=4.326)]),
}

#: multiprocessing's faults.queue_producer_killed_mid_message under fork: a get(timeout=0.05)
#: blocked past the deadline once the producer was killed while its feeder wrote 300 kB.
PRODUCER_KILLED = {
    "clause": "faults.queue_producer_killed_mid_message", "method": "fork", "verdict": "xfail",
    "known": "known divergence: Queue.get(timeout) blocks for ever once a producer was killed "
             "(https://github.com/python/cpython/issues/87971)",
    "message": "Deadlock: the example did not finish within 1.76 s under start method 'fork'; the "
               "workers were killed",
    "timing": None,
    "scenario": {
        "objects": {"q": {"factory": "Queue", "args": "()", "kwargs": "{}", "text": "Queue()"}},
        "phases": [
            {"fresh": False, "programs": [[
                step("q", "put", "q.put(b'0:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (300002 long))",
                     args=repr((b"0:" + b"x" * 300000,))),
                step("q", "put", "q.put(b'1:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (70002 long))",
                     args=repr((b"1:" + b"x" * 70000,))),
                step("", "die", "pause(0.002); SIGKILL", pause=0.002)]]},
            {"fresh": False, "programs": [[], [step("q", "get", "q.get(timeout=0.05)",
                                                    kwargs="{'timeout': 0.05}")] * 3]},
        ]},
    "history": history(
        [op(0, 0, "q.put(b'0:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (300002 long))", "-> None",
            start_ms=1.791, end_ms=2.389),
         op(0, 1, "q.put(b'1:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (70002 long))", "-> None",
            start_ms=2.421, end_ms=3.126)],
        blocked=[{"proc": 1, "index": 0, "call": "q.get(timeout=0.05)"}], deadline_ms=1768.138,
        marks=[{"proc": 0, "label": "died", "at_ms": 5.246}]),
}

#: Hand-built: a Lock's holder is killed, and another process's acquire() blocks for ever.
HOLDER_KILLED = {
    "clause": "faults.lock_holder_killed", "method": "fork", "verdict": "fail", "known": None,
    "message": "Deadlock: the example did not finish within 1 s under start method 'fork'",
    "timing": None,
    "scenario": {
        "objects": {"l": {"factory": "Lock", "args": "()", "kwargs": "{}", "text": "Lock()"}},
        "phases": [
            {"fresh": False, "programs": [[step("l", "acquire", "l.acquire()"),
                                           step("", "die", "SIGKILL")]]},
            {"fresh": False, "programs": [[], [step("l", "acquire", "l.acquire()")]]},
        ]},
    "history": history([op(0, 0, "l.acquire()", "-> True")],
                       blocked=[{"proc": 1, "index": 0, "call": "l.acquire()"}], deadline_ms=1000.0),
}


#: lock.exclusion found on a broken Lock (tests.broken.lock:two_holders) under fork: two critical
#: sections overlapped; their results are the clock times at which each entered and left.
EXCLUSION = {
    "clause": "lock.exclusion", "method": "fork", "verdict": "fail", "known": None, "timing": None,
    "message": "lock.exclusion: 2 processes were inside critical sections on l at once; at most 1 "
               "may hold it",
    "scenario": {
        "objects": {"l": {"factory": "Lock", "args": "()", "kwargs": "{}", "text": "Lock()"},
                    "n": {"cells": 1}},
        "phases": [{"fresh": False, "programs": [
            [step("l", "@lock:critical", "l.lock:critical!(n, hold=0.0005, use_with=False)",
                  args="(Ref('n'),)", kwargs="{'hold': 0.0005, 'use_with': False}")],
            [step("l", "@lock:critical", "l.lock:critical!(n, hold=0.0, use_with=False)",
                  args="(Ref('n'),)", kwargs="{'hold': 0.0, 'use_with': False}")]]}]},
    "history": history([
        op(0, 0, "l.lock:critical!(n, hold=0.0005, use_with=False)",
           "-> (12559.623597818, 12559.624204276)", named=True, start_ms=0.279, end_ms=0.912),
        op(1, 0, "l.lock:critical!(n, hold=0.0, use_with=False)",
           "-> (12559.623804616, 12559.623816057)", named=True, start_ms=0.492, end_ms=0.518)]),
}


#: multiprocessing's faults.event_setter_killed on CPython 3.11 under fork: the waiter was killed
#: (SIGKILL, 0 ms into its wait), so set() waits for ever for it to wake, and the other waiter for
#: set()'s lock.
SETTER_FAULT = fault(0, 0, "SIGKILL", "after", 0.0)
EVENT_SETTER_KILLED = {
    "clause": "faults.event_setter_killed", "method": "fork", "verdict": "fail", "known": None,
    "message": "Deadlock: the example did not finish within 1.76 s under start method 'fork'; the "
               "workers were killed (a quarter of the 7.05 s deadline, as an earlier example "
               "deadlocked)",
    "program": "  e = Event()\n  phase 1:\n    process 0: e.wait(0.05)\n    fault: SIGKILL process 0 "
               "0 ms into step 1\n  phase 2:\n    process 1: e.set()\n    process 2: e.wait(0.005); "
               "e.is_set()",
    "timing": None,
    "scenario": {
        "objects": {"e": {"factory": "Event", "args": "()", "kwargs": "{}", "text": "Event()"}},
        "phases": [
            {"fresh": False, "programs": [[step("e", "wait", "e.wait(0.05)", args="(0.05,)")]],
             "faults": [SETTER_FAULT]},
            {"fresh": False, "programs": [[], [step("e", "set", "e.set()")],
                                          [step("e", "wait", "e.wait(0.005)", args="(0.005,)"),
                                           step("e", "is_set", "e.is_set()")]]},
        ]},
    "history": history(
        [op(0, 0, "e.wait(0.05)", "killed by SIGKILL inside the call", "SIGKILL", start_ms=0.271,
            end_ms=1.943),
         sent(SETTER_FAULT, "inside step 1: e.wait(0.05)", start_ms=0.932)],
        blocked=[{"proc": 1, "index": 0, "call": "e.set()"},
                 {"proc": 2, "index": 0, "call": "e.wait(0.005)"}], deadline_ms=1765.293),
}


def holder_struck(signal):
    """Hand-built: a Lock's holder is struck by ``signal`` before its release(); a survivor's
    acquire(timeout=0.05) returns False. No operation is named: every one is compared."""
    struck = fault(0, 1, signal, "before")
    return {
        "clause": "faults.lock_holder_killed", "method": "fork", "verdict": "fail", "known": None,
        "message": "hand-built", "timing": None,
        "scenario": {
            "objects": {"l": {"factory": "Lock", "args": "()", "kwargs": "{}", "text": "Lock()"}},
            "phases": [
                {"fresh": False, "faults": [struck], "programs": [[
                    step("l", "acquire", "l.acquire()"), step("l", "release", "l.release()"),
                    step("l", "acquire", "l.acquire()")]]},
                {"fresh": False, "programs": [[], [step("l", "acquire", "l.acquire(timeout=0.05)",
                                                        kwargs="{'timeout': 0.05}")]]},
            ]},
        "history": history([
            op(0, 0, "l.acquire()", "-> True", start_ms=0.1, end_ms=0.2),
            op(0, 1, "l.release()", "killed by %s before the call began" % signal, signal,
               start_ms=0.3, end_ms=0.9),
            sent(struck, "before the call of step 2: l.release()", start_ms=0.3),
            op(1, 0, "l.acquire(timeout=0.05)", "-> False", start_ms=1.0, end_ms=51.0)]),
    }


def run_script(tmp_path, text, *args):
    """Run ``text`` as a script: ``(exit status, output, seconds)``; its temporary files go to
    ``tmp_path/tmp``, which must be empty again afterwards."""
    path = tmp_path / "reproducer.py"
    path.write_text(text, encoding="utf-8")
    # A short directory of its own: a forkserver's socket path, under it, must stay within
    # AF_UNIX's 108 bytes, whatever the length of pytest's tmp_path.
    temp = tempfile.mkdtemp(prefix="ipcs-", dir="/tmp")
    try:
        env = dict(os.environ, TMPDIR=temp)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(path)] + list(args), cwd=str(tmp_path), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        elapsed = time.monotonic() - started
        output = done.stdout.decode("utf-8", "replace")
        assert not os.listdir(temp), output  # the script removed its directory
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return done.returncode, output, elapsed


def assert_reaped(output):
    """Every process the script reports has exited and been reaped: no orphan is left."""
    pids = [int(pid) for pid in re.findall(r"\(pid (\d+)\)", output)]
    assert pids, output
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def imported_modules(text):
    tree = ast.parse(text)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("run, method, status, verdict", [
    (BILLIARD_RUN, "fork", 1, "DIVERGENCE SHOWN: c.notify(2) raised TypeError, as in the kit's run"),
    (STDLIB_RUN, "spawn", 0, "not shown in this run: c.notify(2) raised AssertionError"),
], ids=["billiard-fork", "multiprocessing-spawn"])
def test_notify_n_type_error_shows_with_billiard_only(tmp_path, run, method, status, verdict):
    """billiard's notify(2) TypeError shows again with billiard (exit 1); with multiprocessing the
    same example raises the AssertionError the promise allows (exit 0)."""
    if run["impl"] == "billiard":
        pytest.importorskip("billiard")
    failure = dict(UNLOCKED, method=method)
    code, output, _ = run_script(tmp_path, script(run, failure, "wait(), notify() and notify_all() "
                                                  "by a process that does not hold the lock raise"))
    assert code == status, output
    assert output.splitlines()[-1].startswith(verdict), output
    assert "c.acquire() -> True" in output  # phase 1, by process 1, which holds the lock after it
    assert_reaped(output)


def test_the_script_says_what_it_reproduces():
    """The docstring names the clause, the promise, the implementation and its version, the Python
    it was found on, the start method, how to run it and what its exit status means."""
    text = script(BILLIARD_RUN, UNLOCKED, "a process that does not hold the lock cannot notify")
    doc = ast.get_docstring(ast.parse(text))
    for words in ("condition.unlocked", "a process that does not hold the lock cannot notify.",
                  "billiard (4.3.2)", "CPython 3.11.7", "start method 'fork'",
                  "python <this file>", "exits 1 when the divergence shows"):
        assert words in " ".join(doc.split()), words
    assert 'METHOD = \'fork\'' in text and "return billiard.get_context(METHOD)" in text


@pytest.mark.parametrize("failure", [UNLOCKED, GET_TIMEOUT, PRODUCER_KILLED, HOLDER_KILLED,
                                     EXCLUSION, EVENT_SETTER_KILLED],
                         ids=lambda f: f["clause"])
def test_scripts_import_nothing_of_the_kit(failure):
    """A script imports the standard library and the implementation, never ipc_spec, Hypothesis or
    pytest (anywhere in it, inlined functions included); the kit's own functions it needs are
    inlined (the condition factory, the queue operation with its fingerprint)."""
    modules = imported_modules(script(STDLIB_RUN, failure, ""))
    assert not modules & {"ipc_spec", "hypothesis", "pytest", "_pytest"}
    if hasattr(sys, "stdlib_module_names"):  # Python 3.10+
        assert modules <= set(sys.stdlib_module_names), modules
    text = script(STDLIB_RUN, failure, "")
    if failure is UNLOCKED:
        assert "def condition(ctx, kind):" in text
    if failure is GET_TIMEOUT:
        assert "def get(obj, *args, **kwargs):" in text and "def queue_fingerprint(" in text


def test_a_script_runs_where_the_kit_cannot_be_imported(tmp_path):
    """Run with ipc_spec, hypothesis and pytest made unimportable, a script still runs its example."""
    path = tmp_path / "reproducer.py"
    path.write_text(script(STDLIB_RUN, UNLOCKED, ""), encoding="utf-8")
    blocked = ("import runpy, sys\n"
               "for name in ('ipc_spec', 'hypothesis', 'pytest'):\n"
               "    sys.modules[name] = None\n"
               "sys.argv = [%r]\n"
               "runpy.run_path(%r, run_name='__main__')\n" % (str(path), str(path)))
    done = subprocess.run([sys.executable, "-c", blocked], cwd=str(tmp_path), timeout=120,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0 and "not shown in this run" in output, output


def test_a_deadlock_after_sigkill_is_killed_at_its_deadline_and_reaped(tmp_path):
    """A Lock's holder SIGKILLs itself, so another process's acquire() never returns: the script
    kills that process at the kit's deadline (1 s), reaps both, shows the divergence (the same step
    is still blocked) and finishes well before the default deadline would have passed."""
    code, output, elapsed = run_script(tmp_path, script(STDLIB_RUN, HOLDER_KILLED, ""))
    assert code == 1, output
    assert shown(output, 'l.acquire() was still running at the deadline'), output
    assert re.search(r"still running at the deadline, 1\d\d\d\.\d ms\] l.acquire\(\)", output), output
    assert "process 0 (pid" in output and "killed itself (planned SIGKILL)" in output
    assert "killed at the deadline (SIGKILL)" in output
    assert 1.0 < elapsed < 8.0, output
    assert_reaped(output)


def test_a_queue_producer_killed_mid_message_is_reaped_within_its_deadline(tmp_path):
    """The real report's deadlock: its 300 kB item is carried as a short expression, the deadline is
    the kit's (1.768 s a phase), and whether or not the get blocks again on this run, every process
    is reaped and the script ends soon after the deadline."""
    text = script(STDLIB_RUN, PRODUCER_KILLED, "items larger than the pipe buffer")
    assert "(b'0:' + b'x' * 300000,)" in text and len(text) < 40000
    assert "DEADLINE = 1.769" in text
    assert "(1, 1, 0, 'q.get(timeout=0.05)')," in text  # phase 2, process 1, step 1: blocked
    code, output, elapsed = run_script(tmp_path, text, "--runs", "1")
    assert code in (0, 1), output
    assert "killed itself (planned SIGKILL)" in output
    assert elapsed < 1.8 + 6.0, output
    assert_reaped(output)


def test_a_timing_divergence_is_tried_several_times(tmp_path):
    """A broken timing bound is checked on every run (``--runs``) and counted; multiprocessing's
    get(timeout=0.005) never returns before its timeout, so the divergence does not show."""
    text = script(STDLIB_RUN, GET_TIMEOUT, "get(timeout=t) raises queue.Empty, not before t")
    assert "BOUND = ('early', 0.005)" in text and "RUNS = 20" in text
    code, output, _ = run_script(tmp_path, text, "--runs", "3")
    assert code == 0, output
    assert "not shown in any of the 3 runs" in output
    assert "run 3: q.queue:get!(timeout=0.005) returned after" in output


def test_billiards_early_get_timeout_shows(tmp_path):
    """billiard's get(timeout=0.005) returns before 5 ms (the kit saw it 187 times in 200): the
    script counts the runs that broke the bound."""
    pytest.importorskip("billiard")
    code, output, _ = run_script(tmp_path, script(BILLIARD_RUN, GET_TIMEOUT, ""), "--runs", "5")
    assert code == 1, output
    assert re.search(r"DIVERGENCE SHOWN in [1-5] of 5 runs: q.queue:get!\(timeout=0.005\) returned "
                     r"after 0.00\d+ s, before its 0.0050 s timeout", output), output


def test_a_factory_with_a_recipe_and_the_kits_cells(tmp_path):
    """``value_set`` holds data a script cannot carry, so its recipe writes it standalone; the kit's
    cells are a RawArray; a phase on new processes closes the parent's copies of Connections."""
    failure = {
        "clause": "value.roundtrip", "method": "fork", "message": "m", "known": None, "timing": None,
        "scenario": {
            "objects": {"v": {"factory": "ipc_spec.suite.test_value:value_set", "args": "('RawValue',)",
                              "kwargs": "{}", "text": "value_set('RawValue')"},
                        "flags": {"cells": 2}},
            "phases": [{"fresh": False, "programs": [
                [step("v.q", ".value=", "v.q.value = 7", args="(7,)"),
                 step("flags", "@cell_mark", "flags.cell_mark!(1)", args="(1,)")],
                [step("flags", "@cell_wait", "flags.cell_wait!(5.0, 1)", args="(5.0, 1)"),
                 step("v.q", ".value", "v.q.value")]]}]},
        "history": history([op(1, 1, "v.q.value", "-> 7", named=True)]),
    }
    text = script(STDLIB_RUN, failure, "")
    assert "def value_set(ctx, ctor):" in text and "VALUE_TYPES = [" in text
    assert "'flags': new_cells(ctx, 2)" in text and "def op_cell_wait(" in text
    code, output, _ = run_script(tmp_path, text)
    assert code == 1 and "DIVERGENCE SHOWN: v.q.value -> 7, as in the kit's run" in output, output


def test_clock_times_are_compared_by_how_they_overlap(tmp_path):
    """Critical sections answer the clock times they were entered and left, never the same twice:
    the script compares whether they overlap, as the kit's did, on several runs by default (a
    race may show on some only). multiprocessing's Lock never lets them overlap."""
    text = script(STDLIB_RUN, EXCLUSION, "at most one process holds a Lock")
    assert "INTERVALS = [0, 1]" in text and "RUNS = 20" in text
    assert "def critical(obj, counter=None, hold=0.0, use_with=False):" in text
    assert "def _critical_section(counter, hold):" in text  # what critical() uses, inlined too
    code, output, _ = run_script(tmp_path, text, "--runs", "3")
    assert code == 0, output
    assert ("not shown in any of the 3 runs: l.lock:critical!(n, hold=0.0005, use_with=False) and "
            "l.lock:critical!(n, hold=0.0, use_with=False) did not overlap, where in the kit's run "
            "they overlapped") in output


def test_end_of_file_on_a_pipe_under_forkserver(tmp_path):
    """A fresh phase: each process closes the end it does not use, the parent's copies are closed,
    so the reader gets what was sent and then EOFError; @leave ends the sender normally."""
    pipe = {"factory": "ipc_spec.specs.connection:pipe", "args": "(True,)", "kwargs": "{}",
            "text": "pipe(True)"}
    failure = {
        "clause": "connection.eof", "method": "forkserver", "message": "m", "known": None,
        "timing": None,
        "scenario": {"objects": {"p": pipe}, "phases": [{"fresh": True, "programs": [
            [step("p.a", "close", "p.a.close()"), step("p.b", "send", "p.b.send([1, None])",
                                                      args="([1, None],)"),
             step("p.b", "close", "p.b.close()"), step("p.b", "@leave", "p.b.leave!()")],
            [step("p.b", "close", "p.b.close()"), step("p.a", "recv", "p.a.recv()"),
             step("p.a", "recv", "p.a.recv()")]]}]},
        "history": history([op(1, 1, "p.a.recv()", "-> [1, None]", named=True),
                            op(1, 2, "p.a.recv()", "raised EOFError", "EOFError", named=True)]),
    }
    code, output, _ = run_script(tmp_path, script(STDLIB_RUN, failure, ""))
    assert code == 1, output
    assert "p.a.recv() -> [1, None], as in the kit's run; p.a.recv() raised EOFError" in output
    assert_reaped(output)


def test_the_operation_a_clause_names_is_found_in_its_phase():
    """Step indexes restart in each phase: the named q.empty() (process 0, step 3) is in phase 2,
    not in phase 1, where process 0 also has a third step."""
    puts = [step("q", "@queue:put", "q.queue:put!(0, %d, %d)" % (i, i), args="(0, %d, %d)" % (i, i))
            for i in range(3)]
    failure = {
        "clause": "simplequeue.empty", "method": "fork", "message": "m", "known": None, "timing": None,
        "scenario": {"objects": {"q": {"factory": "SimpleQueue", "args": "()", "kwargs": "{}"}},
                     "phases": [{"fresh": False, "programs": [puts]},
                                {"fresh": False, "programs": [[
                                    step("q", "@queue:get", "q.queue:get!()"),
                                    step("q", "@queue:get", "q.queue:get!()"),
                                    step("q", "empty", "q.empty()")]]}]},
        "history": history([op(0, i, "q.put((0, %d, 'x'))" % i, "-> None", start_ms=i) for i in range(3)]
                           + [op(0, 0, "q.get()", "-> (0, 0, 'x')", start_ms=5),
                              op(0, 1, "q.get()", "-> (0, 1, 'x')", start_ms=6),
                              op(0, 2, "q.empty()", "raised AttributeError: no _poll", "AttributeError",
                                 named=True, start_ms=7)]),
    }
    text = script(BILLIARD_RUN, failure, "")
    assert "(1, 0, 2, 'q.empty()', 'AttributeError', 'raised AttributeError: no _poll')," in text


def bad(failure, path, value):
    failure = copy.deepcopy(failure)
    where = failure
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    return failure


@pytest.mark.parametrize("failure, message", [
    (bad(UNLOCKED, ("scenario", "objects", "c", "factory"), "ipc_spec.suite.test_condition:nowhere"),
     "object 'c' of the condition.unlocked failure under fork: its factory "
     "ipc_spec.suite.test_condition:nowhere does not exist (ipc_spec.suite.test_condition has no "
     "attribute 'nowhere')"),
    (bad(UNLOCKED, ("scenario", "objects", "c", "factory"), "no_such_module:factory"),
     "object 'c' of the condition.unlocked failure under fork: its factory no_such_module:factory "
     "cannot be imported here (ModuleNotFoundError"),
    (bad(UNLOCKED, ("scenario", "objects", "c", "factory"), "Manager().Lock"),
     "its factory 'Manager().Lock' is neither a context attribute nor module:function"),
    (bad(UNLOCKED, ("scenario", "phases", 1, "programs", 0, 0, "args"), "(__import__('os').getpid(),)"),
     "step 1 of process 0 in phase 2 (c.notify(2)) holds __import__('os').getpid(), which is not "
     "a value a reproducer can carry"),
    (bad(UNLOCKED, ("scenario", "phases", 1, "programs", 0, 0, "args"), "(Unknown('<thing>'),)"),
     "holds a value the kit could not write as Python source (<thing>)"),
    (bad(UNLOCKED, ("scenario",), None), "the condition.unlocked failure under fork has no scenario"),
    (bad(UNLOCKED, ("history",), None), "has no history: there is nothing to compare a run with"),
    (bad(UNLOCKED, ("scenario", "phases", 1, "faults"), [fault(0, 2)]),
     "the condition.unlocked failure under fork: fault SIGKILL process 0 before step 3 in phase 2 "
     "names a step its process does not have"),
    (bad(UNLOCKED, ("scenario", "phases", 1, "faults"), [fault(0, 0, "SIGSTOP")]),
     "has a fault in phase 2 (SIGSTOP process 0 before step 1) that is not one of "
     "SIGKILL/SIGTERM/SIGINT"),
], ids=["unknown-factory", "unimportable-factory", "not-a-factory", "code-as-argument",
        "unknown-argument", "no-scenario", "no-history", "fault-without-its-step",
        "fault-of-another-signal"])
def test_what_cannot_be_expressed_is_refused_clearly(failure, message):
    """A scenario a standalone script cannot express raises ReproducerError, one sentence naming
    the failure, the object or step, and why."""
    with pytest.raises(ReproducerError) as caught:
        script(STDLIB_RUN, failure, "")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_kit_factory_that_is_not_self_contained_needs_a_recipe(monkeypatch):
    """Without its recipe, ``value_set`` (whose item types are objects of the suite) is refused,
    naming the object, the factory and what it uses."""
    from ipc_spec.suite import test_value

    monkeypatch.delattr(test_value.value_set, "recipe")
    failure = bad(UNLOCKED, ("scenario", "objects", "c"),
                  {"factory": "ipc_spec.suite.test_value:value_set", "args": "('Value',)", "kwargs": "{}"})
    with pytest.raises(ReproducerError, match=r"object 'c' of the condition.unlocked failure under "
                       r"fork: its factory ipc_spec.suite.test_value:value_set is not self-contained "
                       r"\(.*uses VALUE_TYPES \(a list of ItemType\).*\), and has no recipe"):
        script(STDLIB_RUN, failure, "")


# -- faults: signals the parent sends, as the kit's nemesis does -----------------------------------


def test_a_fault_is_written_in_the_scenario_and_sent_by_the_parent():
    """The fault is a line of the scenario (``# fault: ...``) and a row of FAULTS; the script
    carries the machinery that sends it only when there is one."""
    text = script(STDLIB_RUN, holder_struck("SIGKILL"), "")
    assert "        # fault: SIGKILL process 0 before step 2 (FAULTS)\n    })," in text
    assert "(0, 1, 'SIGKILL', 'before', 0.0, 'SIGKILL process 0 before step 2')," in text
    assert "class Nemesis(object):" in text and "os.kill(self.procs[i].pid" in text
    assert "The parent sends the example's fault (SIGKILL process 0 before step 2)" in " ".join(
        ast.get_docstring(ast.parse(text)).split())
    assert "RUNS = 1" in text  # a fault before a step strikes the same way on every run
    plain = script(STDLIB_RUN, HOLDER_KILLED, "")
    assert "FAULTS = {}" in plain and "class Nemesis" not in plain


@pytest.mark.parametrize("signal", ["SIGKILL", "SIGTERM"])
def test_a_fault_before_a_step(tmp_path, signal):
    """The holder waits before its release() until the parent's signal ends it: the release is an
    op killed by the signal, as in the kit's history, its last step (which the kit did not run) is
    expected not to run, and the survivor's acquire(timeout) returns False again."""
    code, output, elapsed = run_script(tmp_path, script(STDLIB_RUN, holder_struck(signal), ""))
    assert code == 1, output
    assert "] l.release() killed by %s before the call began   <- compared" % signal in output
    assert "(not run: the process was struck) l.acquire()" in output
    assert "    fault: %s process 0 before step 2\n" % signal in output
    assert re.search(r"fault: %s process 0 before step 2 \(phase 1\): sent at \d+\.\d ms \(while "
                     r"it waited before step 2\): it struck before the call of step 2: l.release\(\); "
                     r"in the kit's run it struck before the call of step 2: l.release\(\) \(sent "
                     r"at 0.3 ms\)\n" % signal, output), output
    assert "ended by the %s of its fault (%s process 0 before step 2)" % (signal, signal) in output
    assert "DIVERGENCE SHOWN: l.acquire() -> True, as in the kit's run" in output
    assert elapsed < 8.0, output
    assert_reaped(output)


def test_a_fault_some_time_into_a_call_under_forkserver(tmp_path):
    """SIGKILL 20 ms into an acquire(timeout=5.0) that blocks (the Lock is the process's own): the
    parent sends it 20 ms after the call began, long before the timeout, and the Lock stays held
    by the dead process."""
    struck = fault(0, 1, "SIGKILL", "after", 0.02)
    failure = bad(holder_struck("SIGKILL"), ("method",), "forkserver")
    failure["scenario"]["phases"][0] = {"fresh": False, "faults": [struck], "programs": [[
        step("l", "acquire", "l.acquire()"),
        step("l", "acquire", "l.acquire(timeout=5.0)", kwargs="{'timeout': 5.0}")]]}
    failure["history"] = history([
        op(0, 0, "l.acquire()", "-> True"),
        op(0, 1, "l.acquire(timeout=5.0)", "killed by SIGKILL inside the call", "SIGKILL"),
        sent(struck, "inside step 2: l.acquire(timeout=5.0)", start_ms=20.5),
        op(1, 0, "l.acquire(timeout=0.05)", "-> False", named=True)])
    text = script(STDLIB_RUN, failure, "")
    assert "# fault: SIGKILL process 0 20 ms into step 2 (FAULTS)" in text and "RUNS = 50" in text
    code, output, elapsed = run_script(tmp_path, text)
    assert code == 1, output
    late = re.search(r"inside step 2, (\d+\.\d) ms after its call began", output)
    assert late and 20.0 <= float(late.group(1)) < 1000.0, output
    assert "l.acquire(timeout=5.0) killed by SIGKILL inside the call" in output
    assert "DIVERGENCE SHOWN: l.acquire(timeout=0.05) -> False, as in the kit's run" in output
    assert elapsed < 4.0, output  # the struck acquire did not wait for its timeout
    assert_reaped(output)


def test_a_fault_once_blocked_leaves_a_survivor_hanging(tmp_path):
    """SIGKILL once the waiter is asleep in e.wait(5.0) (two readings of /proc 1 ms apart): set()
    then waits for ever for the dead sleeper to wake (CPython's Condition), and hangs at the
    deadline as in the kit's run: the deadlock is the divergence shown."""
    struck = fault(0, 0, "SIGKILL", "blocked")
    failure = {
        "clause": "faults.event_setter_killed", "method": "fork", "verdict": "fail", "known": None,
        "message": "Deadlock: the example did not finish within 0.5 s", "timing": None,
        "scenario": {
            "objects": {"e": {"factory": "Event", "args": "()", "kwargs": "{}"}},
            "phases": [
                {"fresh": False, "faults": [struck],
                 "programs": [[step("e", "wait", "e.wait(5.0)", args="(5.0,)")]]},
                {"fresh": False, "programs": [[], [step("e", "set", "e.set()")]]}]},
        "history": history(
            [op(0, 0, "e.wait(5.0)", "killed by SIGKILL inside the call", "SIGKILL"),
             sent(struck, "inside step 1: e.wait(5.0)", start_ms=1.5)],
            blocked=[{"proc": 1, "index": 0, "call": "e.set()"}], deadline_ms=500.0),
    }
    code, output, elapsed = run_script(tmp_path, script(STDLIB_RUN, failure, ""))
    assert code == 1, output
    late = re.search(r"inside step 1, (\d+\.\d) ms after its call began\): it struck inside step 1: "
                     r"e.wait\(5.0\)", output)
    assert late and float(late.group(1)) >= 1.0, output
    assert shown(output, "e.set() was still running at the deadline, as in the kit's run"), output
    assert "process 0 (pid" in output and "ended by the SIGKILL of its fault" in output
    assert "killed at the deadline (SIGKILL)" in output
    assert elapsed < 5.0, output
    assert_reaped(output)


def test_the_real_event_setter_deadlock_shows_and_a_harmless_fault_does_not(tmp_path):
    """The real report's fault (SIGKILL 0 ms into the waiter's wait) hangs set() again; the same
    example with the waiter killed before its wait (no sleeper left behind) finishes: every wait
    returns, and the divergence does not show."""
    code, output, _ = run_script(tmp_path, script(STDLIB_RUN, EVENT_SETTER_KILLED, ""))
    assert code == 1, output
    assert shown(output, "e.set() was still running at the deadline, as in the kit's run; "
                         "e.wait(0.005) was still running at the deadline, as in the kit's run"), output
    harmless = bad(EVENT_SETTER_KILLED, ("scenario", "phases", 0, "faults"), [fault(0, 0)])
    text = script(STDLIB_RUN, harmless, "")
    assert "# fault: SIGKILL process 0 before step 1 (FAULTS)" in text
    code, output, _ = run_script(tmp_path, text, "--runs", "2")
    assert code == 0, output
    assert "not shown in any of the 2 runs: e.set() -> None, where the kit's was blocked" in output
    assert "] e.wait(0.05) killed by SIGKILL before the call began" in output
    assert_reaped(output)


@pytest.mark.parametrize("when, method, outcome", [
    ("blocked", "fork", "raised KeyboardInterrupt"),
    ("before", "spawn", "raised KeyboardInterrupt: before the step began"),
])
def test_sigint_is_the_keyboardinterrupt_of_the_call_it_strikes(tmp_path, when, method, outcome):
    """SIGINT once blocked in acquire(timeout=5.0) of a Lock another process holds (or before the
    step): the step raises KeyboardInterrupt, the process stops its program (exit status 1) and its
    release() is expected not to run."""
    struck = fault(0, 0, "SIGINT", when)
    failure = {
        "clause": "faults.lock_holder_killed", "method": method, "verdict": "fail", "known": None,
        "message": "hand-built", "timing": None,
        "scenario": {
            "objects": {"l": {"factory": "Lock", "args": "()", "kwargs": "{}"}},
            "phases": [
                {"fresh": False, "programs": [[], [step("l", "acquire", "l.acquire()")]]},
                {"fresh": False, "faults": [struck], "programs": [[
                    step("l", "acquire", "l.acquire(timeout=5.0)", kwargs="{'timeout': 5.0}"),
                    step("l", "release", "l.release()")]]}]},
        "history": history([
            op(1, 0, "l.acquire()", "-> True"),
            op(0, 0, "l.acquire(timeout=5.0)", outcome, "KeyboardInterrupt", named=True),
            sent(struck, "in step 1: l.acquire(timeout=5.0)")]),
    }
    code, output, elapsed = run_script(tmp_path, script(STDLIB_RUN, failure, ""))
    assert code == 1, output
    assert "] l.acquire(timeout=5.0) %s   <- compared" % outcome in output
    assert "(not run: the process was struck) l.release()" in output
    assert ("stopped after the KeyboardInterrupt of its fault (SIGINT process 0 %s): exit code 1"
            % struck["text"].split("process 0 ")[1]) in output
    assert "it struck in step 1: l.acquire(timeout=5.0)" in output
    assert "DIVERGENCE SHOWN" in output and "l.acquire(timeout=5.0) raised KeyboardInterrupt" in output
    assert elapsed < 5.0, output
    assert_reaped(output)
