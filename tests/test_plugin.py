"""The plugin as a user meets it: options, clear errors for bad input, the header and the verdicts."""

import json
import os
import sys
import textwrap

import pytest

from ipc_spec import expectations
from ipc_spec.verdicts import validate_report

PROPERTY = """
    from ipc_spec.harness import Make
    from ipc_spec.history import call

    def test_passes(ipc_env):
        history = ipc_env.run({"b": Make("Barrier", 2)}, [[call("b", "wait")], [call("b", "wait")]])
        assert sorted(op.result for op in history.ops) == [0, 1]
"""

FAKE_IMPL = """
    import multiprocessing

    class _Context(object):
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            if name == "Barrier":
                raise AttributeError(name)
            return getattr(self._real, name)

    def get_context(method):
        if method == "forkserver":
            raise ValueError("cannot find context for 'forkserver'")
        return _Context(multiprocessing.get_context(method))

    def get_all_start_methods():
        return ["fork", "spawn", "forkserver"]
"""


def run(pytester, *args):
    pytester.makepyfile(test_prop=textwrap.dedent(PROPERTY))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def one_line_error(result, text):
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1, result.stderr.str()
    assert text in lines[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("args, text", [
    (["--start-method=bogus"], "unknown start method 'bogus'; valid: fork, forkserver, spawn"),
    (["--start-method=fork,nosuch"], "unknown start method 'nosuch'"),
    (["--ipc-impl=nosuch"], "cannot import 'nosuch' (ModuleNotFoundError"),
    (["--ipc-impl=os"], "offers no get_context(method)"),
    (["--ipc-impl=multiprocessing:nope"], "has no attribute 'nope'"),
    (["--ipc-deadline=0"], "expected a number of seconds above 0"),
    (["--hypothesis-profile=nosuch"], "no such profile; the kit's are dev"),
    (["--ipc-expectations=/nonexistent/file.ini"], "cannot read it"),
    (["--ipc-report=/tmp"], "--ipc-report=/tmp: is a directory"),
])
def test_bad_input_is_one_clear_line(pytester, args, text):
    one_line_error(run(pytester, *args), text)


def test_missing_start_method_and_primitive_are_skips_with_reasons(pytester):
    pytester.makepyfile(fakeimpl=textwrap.dedent(FAKE_IMPL))
    result = run(pytester, "--ipc-impl=fakeimpl", "--start-method=fork,forkserver", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines([
        "*implementation fakeimpl has no Barrier under start method 'fork'*",
        "*start method 'forkserver' is not available here*",
    ])


def test_header_verdicts_and_json_report(pytester):
    report = pytester.path / "verdicts.json"
    result = run(pytester, "--start-method=fork,spawn", "--ipc-report=%s" % report)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "ipc-spec: Python *; implementation multiprocessing (stdlib, Python *); "
        "start methods: fork, spawn",
        "*ipc-spec conformance: multiprocessing*",
        "prop.passes*pass*pass*",
    ])
    data = json.loads(report.read_text())
    validate_report(data)
    assert data["verdicts"] == {"prop.passes": {"fork": "pass", "spawn": "pass"}}
    assert data["run"]["start_methods"] == ["fork", "spawn"]


def test_ids_name_the_start_method(pytester):
    result = run(pytester, "--start-method=spawn", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_prop.py::test_passes[spawn]"])


def test_xdist_gives_the_same_verdicts(pytester):
    report = pytester.path / "verdicts.json"
    result = run(pytester, "-n", "2", "--start-method=fork,spawn", "--ipc-report=%s" % report)
    result.assert_outcomes(passed=2)
    data = json.loads(report.read_text())
    validate_report(data)
    assert data["verdicts"] == {"prop.passes": {"fork": "pass", "spawn": "pass"}}


def test_plugin_can_be_disabled(pytester):
    result = run(pytester, "-p", "no:ipc_spec", "--start-method=fork")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unrecognized arguments: --start-method" in result.stderr.str()


def test_known_divergence_is_an_expected_failure_and_strict_fails_it(pytester):
    pytester.makepyfile(test_broken=textwrap.dedent("""
        def test_fails(ipc_env):
            assert False, "violated"
    """))
    known = pytester.path / "known.ini"
    known.write_text("[broken.fails]\nreason = tracked upstream\nlink = https://example.invalid/1\n"
                     "methods = fork\n")
    result = run(pytester, "test_broken.py", "--start-method=fork", "--ipc-expectations=%s" % known, "-rx")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*known divergence: tracked upstream (https://example.invalid/1)*"])
    strict = run(pytester, "test_broken.py", "--start-method=fork", "--ipc-expectations=%s" % known,
                 "--ipc-strict")
    strict.assert_outcomes(failed=1)


def test_a_known_clause_does_not_hide_another_clause(pytester):
    pytester.makepyfile(test_two=textwrap.dedent("""
        import pytest
        from ipc_spec.authoring import checks, declare, expect

        declare("two", first="a promise broken upstream", second="a promise kept")

        @checks("two.first", "two.second")
        @pytest.mark.parametrize("broken", ["two.first", "two.second"])
        def test_two(ipc_env, broken):
            expect(False, broken, "violated")
    """))
    known = pytester.path / "known.ini"
    known.write_text("[two.first]\nreason = tracked upstream\nlink = https://example.invalid/1\n")
    result = run(pytester, "test_two.py", "--start-method=fork", "--ipc-expectations=%s" % known)
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED*test_two*two.second*"])


def test_property_tests_of_a_module_share_their_env(pytester):
    """One env (its workers, its unused objects) serves the property tests of a module under a
    start method; the first test of another module closes it; each test starts with full deadlines,
    and a known divergence with an eighth of them."""
    log = pytester.path / "seen.txt"
    pytester.makeconftest("SEEN = []")
    body = """
        import conftest
        from ipc_spec.harness import Make
        from ipc_spec.history import call

        def record(env, name):
            env.run({"e": Make("Event")}, [[call("e", "is_set")]])
            conftest.SEEN.append((name, env))
            with open(%r, "a") as f:
                f.write("%%s %%s %%d %%d %%g\\n" %% (name, env.method, id(env), env.crew.pids[0],
                                                env.budget()))
    """ % str(log)
    pytester.makepyfile(test_a=textwrap.dedent(body + """
        def test_one(ipc_env):
            record(ipc_env, "one")

        def test_known(ipc_env):
            record(ipc_env, "known")
            assert False, "violated"

        def test_two(ipc_env):
            record(ipc_env, "two")
    """), test_b=textwrap.dedent(body + """
        def test_three(ipc_env):
            record(ipc_env, "three")
            assert all(env.crew is None for name, env in conftest.SEEN if name == "one")  # closed
    """))
    known = pytester.path / "known.ini"
    known.write_text("[a.known]\nreason = tracked upstream\nlink = https://example.invalid/1\n")
    result = run(pytester, "test_a.py", "test_b.py", "--start-method=fork,spawn", "--ipc-deadline=8",
                 "--ipc-expectations=%s" % known)
    result.assert_outcomes(passed=6, xfailed=2)
    seen = {}
    for line in log.read_text().splitlines():
        name, method, env, pid, budget = line.split()
        seen[(name, method)] = (env, pid, float(budget))
    for method in ("fork", "spawn"):
        one, known_, two, three = (seen[(n, method)] for n in ("one", "known", "two", "three"))
        assert one[:2] == known_[:2] == two[:2]  # the same env, the same worker
        assert three[0] != one[0]
        assert (one[2], known_[2], two[2], three[2]) == (8.0, 1.0, 8.0, 8.0)
    assert seen[("one", "fork")][0] != seen[("one", "spawn")][0]


def test_a_known_divergence_that_cannot_hang_keeps_its_deadlines(pytester):
    """Deadlines are shortened only where a hang is an expected failure (the first clause is the
    known one): a known wrong value in a later clause leaves the other examples their full time."""
    log = pytester.path / "budget.txt"
    pytester.makepyfile(test_k=textwrap.dedent("""
        from ipc_spec.authoring import checks, declare, expect
        from ipc_spec.harness import Make
        from ipc_spec.history import call

        declare("k", first="a promise", second="another")

        @checks("k.first", "k.second")
        def test_later_clause_known(ipc_env):
            ipc_env.run({"e": Make("Event")}, [[call("e", "is_set")]])
            with open(%r, "a") as f:
                f.write("%%g\\n" %% ipc_env.budget())
            expect(False, "k.second", "violated")
    """ % str(log)))
    known = pytester.path / "known.ini"
    known.write_text("[k.second]\nreason = tracked upstream\nlink = https://example.invalid/1\n")
    result = run(pytester, "test_k.py", "--start-method=fork", "--ipc-deadline=8",
                 "--ipc-expectations=%s" % known)
    result.assert_outcomes(xfailed=1)
    assert log.read_text().split() == ["8"]


@pytest.mark.parametrize("spec, version, expected", [
    ("", (3, 8, 18), True),
    (">=3.8, <3.12", (3, 11, 7), True),
    (">=3.8, <3.12", (3, 12, 1), False),
    ("3.13", (3, 13, 0), True),
    ("3.13", (3, 12, 0), False),
    ("!=3.9", (3, 9, 18), False),
])
def test_python_version_clauses(spec, version, expected):
    assert expectations.python_matches(spec, version) is expected


def test_the_kits_own_expectations_file_loads():
    for entry in expectations.load(expectations.DEFAULT_PATH):
        assert entry.reason and entry.link


def test_a_setting_error_names_its_source(pytester, monkeypatch):
    monkeypatch.setenv("IPC_SPEC_DEADLINE", "abc")
    one_line_error(run(pytester), "IPC_SPEC_DEADLINE=abc: expected a number of seconds above 0")
    monkeypatch.setenv("IPC_SPEC_START_METHOD", "bogus")
    monkeypatch.delenv("IPC_SPEC_DEADLINE")
    one_line_error(run(pytester), "IPC_SPEC_START_METHOD=bogus: unknown start method 'bogus'")


def test_start_method_list_prints_the_methods_and_exits(pytester):
    result = run(pytester, "--start-method=list")
    assert result.ret == 0, result.stdout.str()
    for method in ("fork", "spawn", "forkserver"):
        assert any(line.startswith(method) and "offered" in line
                   for line in result.stdout.lines + result.stderr.lines), result.stderr.str()


DEADLINE_PROBE = """
    def test_deadline(ipc_env):
        with open("deadline.txt", "w") as f:
            f.write(repr(ipc_env.deadline))
"""


@pytest.mark.parametrize("args, deadline", [
    (["--timeout=30"], 10.0),  # the default deadline is kept well inside pytest-timeout's
    (["--timeout=30", "--ipc-deadline=30"], 30.0),  # a deadline the user gave is theirs, even 30
])
def test_an_explicit_deadline_is_never_taken_for_the_default(pytester, args, deadline):
    pytester.makepyfile(test_prop=textwrap.dedent(DEADLINE_PROBE))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--start-method=fork", *args)
    result.assert_outcomes(passed=1)
    assert float((pytester.path / "deadline.txt").read_text()) == deadline


def test_the_report_names_the_failing_clause_and_its_program(pytester):
    pytester.makepyfile(test_prop=textwrap.dedent("""
        from hypothesis import given, strategies as st
        from ipc_spec.authoring import Make, call, checks, declare, expect, property_settings

        declare("toy", even="Barrier(2).wait() returns an even index")

        @checks("toy.even")
        @property_settings(max_examples=5, database=None)
        @given(st.just(2))
        def test_even(ipc_env, parties):
            history = ipc_env.run({"b": Make("Barrier", parties)}, [[call("b", "wait")]] * parties)
            for op in history.ops:
                expect(op.result % 2 == 0, "toy.even", "wait() returned %d" % op.result, history)
    """))
    report = pytester.path / "report.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--start-method=fork",
                                           "--ipc-report=%s" % report)
    result.assert_outcomes(failed=1)
    assert "b.wait()" in result.stdout.str() and "process 1:" in result.stdout.str()
    data = json.loads(report.read_text())
    validate_report(data)
    # The example ran operations on its Barrier: it was built and handed to the processes.
    assert data["verdicts"] == {"toy.even": {"fork": "fail"}, "toy.construct": {"fork": "pass"},
                                "toy.inherit": {"fork": "pass"}}
    (failure,) = data["failures"]
    assert failure["clause"] == "toy.even" and "wait() returned 1" in failure["message"]
    assert "b = Barrier(2)" in failure["program"] and "process 0: b.wait()" in failure["program"]


TIMING = """
    from hypothesis import given, strategies as st
    from ipc_spec.authoring import call, checks, declare, property_settings
    from ipc_spec.history import History, Op
    from ipc_spec.specs import not_before

    declare("timing", bound="get(timeout=t) raises Empty, not before t")
    RUNS = [0]

    @checks("timing.bound")
    @property_settings(max_examples=5, database=None)
    @given(st.just(0.005))
    def test_bound(ipc_env, timeout):
        # An implementation whose timeout is cut short on the first run of the example and kept on
        # the next ones: Hypothesis sees a failure that does not come back.
        RUNS[0] += 1
        took = 0.0041 if RUNS[0] == 1 else 0.0062
        op = Op(0, 0, call("q", "get", timeout=timeout), 0.0, took, None, "Empty")
        not_before(History([op]), op, timeout, 0.0, "timing.bound", "nothing to get")
"""


def test_a_bound_broken_on_some_runs_is_a_timing_divergence_not_a_flaky_test(pytester):
    """Hypothesis calls a failure that does not come back on a replay flaky; when what failed is a
    timing bound, the kit reports it as the implementation's timing divergence, under its clause,
    with how often the bound was checked and broken and by how much."""
    pytester.makepyfile(test_timing=textwrap.dedent(TIMING))
    report = pytester.path / "verdicts.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_timing.py", "--start-method=fork",
                                           "--ipc-report=%s" % report)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "timing divergence of the implementation, not a flaky test" in out
    assert "checked it 2 times and it was broken 1 times, by 0.900 ms" in out
    data = json.loads(report.read_text())
    validate_report(data)
    assert data["verdicts"]["timing.bound"] == {"fork": "fail"}
    failure, = data["failures"]
    assert failure["clause"] == "timing.bound"
    assert failure["timing"] == {"bound": "early", "checked": 2, "broken": 1,
                                 "by_ms": {"min": 0.9, "median": 0.9, "max": 0.9}}
    assert failure["replay"].startswith("python -m pytest -p no:cacheprovider 'test_timing.py::test_bound[fork]'")


def test_the_report_of_a_failure_carries_its_evidence(pytester, monkeypatch):
    """A suite property failing on a broken implementation: the report follows the schema and keeps
    the clause, the minimal example as a program and as data, the history with the operations the
    clause names, Hypothesis's blob and a replay command for an installed kit."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    report = pytester.path / "verdicts.json"
    monkeypatch.setenv("PYTHONPATH", root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs",
                          "ipc_spec.suite.test_barrier::TestBarrier::test_generations",
                          "--start-method=fork", "--ipc-impl=tests.broken.barrier:duplicate_index",
                          "--ipc-deadline=5", "--ipc-report=%s" % report)
    assert result.ret == 1
    data = json.loads(report.read_text())
    validate_report(data)
    assert data["run"]["impl"] == "tests.broken.barrier:duplicate_index"
    failure, = data["failures"]
    assert failure["clause"] == "barrier.indices" and failure["verdict"] == "fail"
    assert failure["scenario"]["objects"]["b"]["factory"] == "Barrier"
    assert any(step["call"] == "wait" for program in failure["scenario"]["phases"][0]["programs"]
               for step in program)
    history = failure["history"]
    named = [op for op in history["ops"] if op["named"]]
    assert named and all(op["call"].startswith("b.wait(") for op in named)
    assert all(op["start_ms"] <= op["end_ms"] for op in history["ops"])
    assert failure["blob"].startswith("@reproduce_failure(")
    assert failure["replay"].startswith("python -m pytest -p no:cacheprovider --pyargs "
                                        "'ipc_spec.suite.test_barrier::TestBarrier::test_generations[fork]'")
