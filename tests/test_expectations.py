"""The known-divergences list on its own: impl patterns, version clauses, the file's errors.
Pure: no processes, no pytester."""

import platform
import sys
import textwrap

import pytest

from ipc_spec import expectations
from ipc_spec.errors import UsageError

INHERITED = expectations.Divergence(
    "faults.queue_*", "a CPython bug", "https://example.invalid/1",
    "multiprocessing, multiprocess, billiard", "", "*", "")


def entry(**fields):
    base = dict(prop="queue.*", reason="r", link="", impl="*", python="", platform="*", methods="")
    base.update(fields)
    return expectations.Divergence(**base)


def write(tmp_path, text):
    path = tmp_path / "known.ini"
    path.write_text(textwrap.dedent(text))
    return str(path)


@pytest.mark.parametrize("impl, expected", [
    ("multiprocessing", True),
    ("multiprocess", True),
    ("billiard", True),
    ("loky", False),
    ("multiprocessing:get_context", False),
])
def test_any_impl_pattern_of_a_list_is_enough(impl, expected):
    found = expectations.find([INHERITED], "faults.queue_producer_killed_mid_message", impl, "fork")
    assert (found is INHERITED) is expected


@pytest.mark.parametrize("patterns, impl, expected", [
    ("*", "anything", True),
    ("", "anything", True),
    ("multiprocess", "multiprocessing", False),
    ("multiprocess*", "multiprocessing", True),
    ("billiard,multiprocess", "multiprocess", True),
    (" billiard ,  , tests.broken.* ", "tests.broken.lock:context", True),
    ("Billiard", "billiard", False),
])
def test_impl_patterns(patterns, impl, expected):
    assert expectations.impl_matches(patterns, impl) is expected


@pytest.mark.parametrize("text, version", [
    ("4.3.2", (4, 3, 2)),
    ("0.70.19", (0, 70, 19)),
    ("stdlib, Python 3.11.7", (3, 11, 7)),
    ("3.7.0.dev1", (3, 7, 0)),
    ("2024.1rc2", (2024, 1)),
    ("7", (7,)),
    ("unknown version", None),
    ("", None),
])
def test_the_version_is_the_first_dotted_number(text, version):
    assert expectations.version_of(text) == version


@pytest.mark.parametrize("spec, text, expected", [
    (">=4.3, <5", "4.3.2", True),
    (">=4.3, <5", "5.0", False),
    (">=4.3, <5", "4.2.9", False),
    ("<4.3", "4.3.2", False),
    ("<=4.3", "4.3.2", True),
    (">4.3", "4.3.2", False),
    (">4.3.1", "4.3.2", True),
    ("4.3", "4.3.2", True),
    ("==4.3.2", "4.3.2", True),
    ("!=4.3.2", "4.3.2", False),
    (">= 4 , < 5", "4.3.2", True),
    (">=4.3", "4", False),
    ("==4.0", "4", True),
    ("<0.70.19", "0.70.19", False),
    ("==0.70", "0.70.19", True),
    (">0.70.9", "0.70.19", True),
    (">=3.11, <3.12", "stdlib, Python 3.11.7", True),
    ("<3.11", "stdlib, Python 3.11.7", False),
    ("", "unknown version", True),
    (">=0", "unknown version", False),
    ("!=1", "unknown version", False),
])
def test_version_clauses(spec, text, expected):
    assert expectations.version_matches(spec, expectations.version_of(text)) is expected


@pytest.mark.parametrize("spec", ["abc", ">=", "=>4.3", "~=4.3", ">=4.x", "4..3", "v4", "4.3-1", ">=1_0",
                                  ">=4.3, <5, bogus"])
def test_a_malformed_clause_is_refused(spec):
    with pytest.raises(ValueError):
        expectations.version_matches(spec, (4, 3, 2))


@pytest.mark.parametrize("impl_version, expected", [
    ("4.3.2", True),
    ("5.0.0", False),
    ("unknown version", False),
    (None, False),
])
def test_find_matches_the_implementations_version(impl_version, expected):
    known = entry(impl="billiard", version=">=4.3, <5")
    found = expectations.find([known], "queue.fifo", "billiard", "spawn", impl_version=impl_version)
    assert (found is known) is expected


@pytest.mark.parametrize("impl_version", ["0.70.19", "unknown version", None])
def test_an_entry_without_version_holds_for_any_version(impl_version):
    known = entry(impl="multiprocess")
    assert expectations.find([known], "queue.fifo", "multiprocess", "fork",
                             impl_version=impl_version) is known


def test_the_stdlib_version_is_the_python_version():
    this = "%d.%d" % sys.version_info[:2]
    same, other = entry(version="==" + this), entry(version="!=" + this)
    stdlib = "stdlib, Python %s" % sys.version.split()[0]
    assert expectations.find([other, same], "queue.fifo", "multiprocessing", "fork",
                             impl_version=stdlib) is same


def test_the_first_matching_entry_gives_the_reason():
    old, new = entry(reason="old", version="<5"), entry(reason="new", version=">=5")
    assert expectations.find([old, new], "queue.fifo", "billiard", "fork", impl_version="5.1").reason == "new"


def test_a_file_with_impl_lists_and_versions(tmp_path):
    path = write(tmp_path, """
        [faults.queue_producer_killed_mid_message]
        reason = inherited from CPython
        link = https://example.invalid/1
        impl = multiprocessing, multiprocess, billiard

        [condition.notify_n]
        reason = billiard's notify() takes no n
        impl = billiard
        version = >=4.3, <5
        methods = fork, spawn

        [condition.notify_n#2]
        reason = any other version
        impl = billiard
    """)
    entries = expectations.load(path)
    assert [(e.prop, e.impl, e.version) for e in entries] == [
        ("faults.queue_producer_killed_mid_message", "multiprocessing, multiprocess, billiard", ""),
        ("condition.notify_n", "billiard", ">=4.3, <5"),
        ("condition.notify_n", "billiard", ""),
    ]
    find = lambda prop, impl, version, method="fork": expectations.find(
        entries, prop, impl, method, impl_version=version)
    for impl, version in [("multiprocessing", "stdlib, Python 3.11.7"), ("multiprocess", "0.70.19"),
                          ("billiard", "4.3.2"), ("billiard", "unknown version")]:
        assert find("faults.queue_producer_killed_mid_message", impl, version) is entries[0]
    assert find("faults.queue_producer_killed_mid_message", "loky", "3.7.0") is None
    assert find("condition.notify_n", "billiard", "4.3.2") is entries[1]
    assert find("condition.notify_n", "billiard", "4.3.2", "forkserver") is entries[2]
    assert find("condition.notify_n", "billiard", "5.0") is entries[2]
    assert find("condition.notify_n", "billiard", "unknown version") is entries[2]
    assert find("condition.notify_n", "multiprocess", "0.70.19") is None


@pytest.mark.parametrize("key, value, example", [
    ("version", ">=4.x", "'>=4.3, <5'"),
    ("version", "4.3, latest", "'>=4.3, <5'"),
    ("python", "=>3.8", "'>=3.8, <3.12'"),
    ("python", ">=3.99, bogus", "'>=3.8, <3.12'"),
])
def test_a_bad_clause_in_the_file_names_the_file_and_section(tmp_path, key, value, example):
    path = write(tmp_path, """
        [queue.fifo#2]
        reason = r
        %s = %s
    """ % (key, value))
    with pytest.raises(UsageError) as info:
        expectations.load(path)
    assert str(info.value) == "--ipc-expectations=%s: [queue.fifo#2] %s = %r is not like %s" % (
        path, key, value, example)


def test_the_kits_own_list_covers_the_forks_that_carry_cpythons_queue():
    entries = expectations.load(expectations.DEFAULT_PATH)
    for impl, version in [("multiprocessing", "stdlib, Python 3.11.7"), ("multiprocess", "0.70.19"),
                          ("billiard", "4.3.2")]:
        found = expectations.find(entries, "faults.queue_producer_killed_mid_message", impl, "spawn",
                                  impl_version=version)
        assert found is not None and "87971" in found.link
    assert expectations.find(entries, "faults.queue_producer_killed_mid_message", "loky", "spawn",
                             impl_version="3.7.0") is None


def test_an_entry_may_name_the_interpreter(tmp_path):
    path = tmp_path / "known.ini"
    path.write_text("[array.slice_assign]\nreason = PyPy's ctypes\nlink = https://example.invalid\n"
                    "interpreter = pypy\n")
    entries = expectations.load(str(path))
    found = expectations.find(entries, "array.slice_assign", "multiprocessing", "fork")
    assert (found is not None) == (platform.python_implementation() == "PyPy")
