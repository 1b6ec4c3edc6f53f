"""Each Pipe / Connection / connection.wait property, and each inheritance-rule property, fails on
an implementation broken in the way it checks."""

from ipc_spec.suite import test_connection, test_inheritance
from tests.broken import connection as broken
from tests.selfcheck import property_catches

# Not bound to Test* names here: pytest would collect them.
props = test_connection.TestConnection()
rule = test_inheritance.TestInheritance()

CASES = [
    (props.test_messages, broken.hold_first, "connection.order"),
    (props.test_messages, broken.tuples_as_lists, "connection.equality"),
    (props.test_large_messages, broken.truncates_big, "connection.intact"),
    (props.test_bytes, broken.slice_ignores_size, "connection.send_bytes"),
    (props.test_bytes, broken.into_ignores_offset, "connection.recv_bytes_into"),
    (props.test_bytes, broken.truncating_into, "connection.buffer_too_short"),
    (props.test_bytes, broken.clamps_offsets, "connection.bad_arguments"),
    (props.test_bytes, broken.ignores_maxlength, "connection.maxlength"),
    (props.test_bytes, broken.strict_maxlength, "connection.maxlength"),
    (props.test_one_way, broken.two_way, "connection.one_way"),
    (props.test_poll, broken.early_poll, "connection.poll_timeout"),
    (props.test_poll, broken.poll_true_on_nothing, "connection.poll_data"),
    (props.test_poll, broken.blind_poll, "connection.poll_data"),
    (props.test_eof, broken.no_eof, "connection.eof"),
    (props.test_wait, broken.early_wait, "connection.wait_timeout"),
    (props.test_wait, broken.wait_all, "connection.wait_ready"),
    (rule.test_pipe, broken.free_lock, "inheritance.pipe"),
    (rule.test_queue, broken.free_lock, "inheritance.queue"),
    (rule.test_queue, broken.eager_queue, "inheritance.queue"),
]


test_property_catches = property_catches(CASES)
