"""Each shared_memory property fails on an implementation broken in the way it checks, and the
real one passes it in the conformance suite. The family has no timing bound (no call of it takes a timeout), so no case
scales the LATE bound."""

import sys

import pytest

from ipc_spec.suite import test_shared_memory
from tests.broken import shared_memory as broken
from tests.selfcheck import DEADLOCK, case_ids, check_case

props = test_shared_memory.TestSharedMemory()  # not bound to a Test* name: pytest would collect it


CASES = [
    (props.test_block, broken.buf_short, "shared_memory.create"),
    (props.test_block, broken.name_mangled, "shared_memory.name"),
    (props.test_block, broken.size_writable, "shared_memory.readonly"),
    (props.test_block, broken.attach_copies, "shared_memory.attach"),
    (props.test_block, broken.create_attaches, "shared_memory.unique"),
    (props.test_block, broken.unlink_deferred, "shared_memory.unlink"),
    (props.test_block, broken.attach_hangs, DEADLOCK),
    (props.test_track, broken.track_always, "shared_memory.track"),
    # A bool read back as an int: the list's own reading or a child's assignment shows it first.
    (props.test_list, broken.bools_as_ints, ("shared_memory.list_values", "shared_memory.list_attach")),
    (props.test_list, broken.negative_mirrored, ("shared_memory.list_index", "shared_memory.list_assign")),
    (props.test_list, broken.oversize_empties, "shared_memory.list_assign"),
    (props.test_list, broken.count_plus_one, "shared_memory.list_count"),
    (props.test_list, broken.format_short, "shared_memory.list_format"),
    (props.test_list, broken.shm_wrapped, "shared_memory.list_attach"),
    (props.test_manager, broken.manager_forgets, "shared_memory.manager"),
]

#: Examples a property may take to catch a broken implementation: more than a conformance run's
#: share, since a break shows only in examples that use what it breaks (a bool, a name given).
CATCH_EXAMPLES = 40


@pytest.mark.parametrize("prop, impl, expected", CASES, ids=case_ids(CASES))
def test_property_catches(prop, impl, expected, make_env, monkeypatch):
    if prop.__name__ == "test_track" and sys.version_info < (3, 13):
        pytest.skip("SharedMemory(track=) is 3.13's")
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)
