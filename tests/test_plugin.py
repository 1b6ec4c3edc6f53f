"""The plugin as a user meets it: options, clear errors for bad input, the header and the verdicts."""

import json
import sys
import textwrap

import pytest

from ipc_spec import expectations

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
    assert data["verdicts"] == {"prop.passes": {"fork": "pass", "spawn": "pass"}}
    assert data["start_methods"] == ["fork", "spawn"]


def test_ids_name_the_start_method(pytester):
    result = run(pytester, "--start-method=spawn", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_prop.py::test_passes[spawn]"])


def test_xdist_gives_the_same_verdicts(pytester):
    report = pytester.path / "verdicts.json"
    result = run(pytester, "-n", "2", "--start-method=fork,spawn", "--ipc-report=%s" % report)
    result.assert_outcomes(passed=2)
    data = json.loads(report.read_text())
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
