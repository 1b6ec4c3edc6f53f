"""How xdist's workers share the property tests out (:mod:`ipc_spec.scheduling`)."""

import collections
import textwrap

import pytest

from ipc_spec.scheduling import chooses_distribution, unit_of

METHODS = ("fork", "spawn", "forkserver")


@pytest.mark.parametrize("nodeid, unit", [
    ("ipc_spec/suite/test_lock.py::TestLock::test_exclusion[spawn]",
     "ipc_spec/suite/test_lock.py::[spawn]"),
    ("ipc_spec/suite/test_lock.py::TestManagerLock::test_exclusion[spawn]",
     "ipc_spec/suite/test_lock.py::[spawn]"),
    ("t.py::TestX::test_x[forkserver]", "t.py::[forkserver]"),
    # a plain function (the cleanup tests): a unit of its own
    ("tests/test_cleanup.py::test_passing_run[fork]",
     "tests/test_cleanup.py::test_passing_run[fork]"),
    # not a property test's id: a unit of its own
    ("tests/test_selftest_lock.py::test_property_catches[fork-exclusion-lock.Broken]",
     "tests/test_selftest_lock.py::test_property_catches[fork-exclusion-lock.Broken]"),
    ("t.py::T::test_x[loky]", "t.py::T::test_x[loky]"),
    ("t.py::T::test_x", "t.py::T::test_x"),
    ("t.py::T::test_x[fork]x", "t.py::T::test_x[fork]x"),
])
def test_units(nodeid, unit):
    assert unit_of(nodeid, METHODS) == unit


@pytest.mark.parametrize("args, chosen", [
    ([], False), (["-n", "2"], False), (["--dist", "load"], True), (["--dist=loadfile"], True),
    (["-d"], True),
])
def test_the_users_distribution_is_kept(args, chosen):
    assert chooses_distribution(args) is chosen


TESTS = """
    import os

    def record(request):
        with open("ran.txt", "a") as f:
            f.write("%s %d\\n" % (request.node.nodeid, os.getpid()))

    class TestOne(object):
        def test_a(self, start_method, request):
            record(request)

        def test_b(self, start_method, request):
            record(request)

    class TestTwo(TestOne):
        pass
"""


def workers_of(pytester, *args):
    pytester.makepyfile(test_units=textwrap.dedent(TESTS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "3",
                                           "--start-method=fork,spawn,forkserver", *args)
    assert result.ret == 0, result.stdout.str()
    pids = collections.defaultdict(set)
    for line in (pytester.path / "ran.txt").read_text().splitlines():
        nodeid, pid = line.split()
        pids[nodeid.rpartition("[")[2]].add(pid)
    return pids


def test_a_module_and_method_run_in_one_worker(pytester):
    pids = workers_of(pytester)
    assert sorted(pids) == ["fork]", "forkserver]", "spawn]"]
    assert all(len(p) == 1 for p in pids.values()), pids
