"""Each Value / Array property fails on an implementation broken in the way it checks."""

from ipc_spec.suite import test_value
from tests.broken import proxy as broken_proxies
from tests.broken import value as broken
from tests.selfcheck import property_catches

props = test_value.TestValue()  # not bound to a Test* name here: pytest would collect it
managed = test_value.TestManagerValue()

CASES = [
    (props.test_values, broken.ignores_initializer, "value.initial"),
    (props.test_values, broken.truncates_q, "value.type"),
    (props.test_values, broken.process_local, "value.shared"),
    (props.test_exclusion, broken.fresh_lock_per_call, "value.exclusion"),
    (props.test_exclusion, broken.unlocked_with, "value.exclusion"),
    (props.test_exclusion, broken.dummy_lock, "value.exclusion"),
    (props.test_given_lock, broken.ignores_given_lock, "value.given_lock"),
    (props.test_lock_kinds, broken.raw_value_with_lock, "value.no_lock"),
    (props.test_lock_kinds, broken.lock_true_ignored, "value.has_lock"),
    (props.test_lock_kinds, broken.default_lock_not_recursive, "value.recursive"),
    (props.test_arrays, broken.not_zeroed, "array.initial"),
    (props.test_arrays, broken.len_off_by_one, "array.length"),
    (props.test_arrays, broken.negative_off_by_one, "array.index"),
    (props.test_arrays, broken.bounds_wrap, "array.bounds"),
    (props.test_arrays, broken.step_ignored, "array.slice"),
    (props.test_arrays, broken.drops_last, "array.slice_assign"),
    (props.test_arrays, broken.wrong_length_accepted, "array.slice_length"),
    (props.test_arrays, broken.local_array, "array.shared"),
    (props.test_arrays, broken.value_not_terminated, "array.chars"),
    # A Manager's Value proxies (a broken SyncManager's).
    (managed.test_values, broken_proxies.forgets_initial_value, "value.initial"),
    (managed.test_values, broken_proxies.float_value, "value.type"),
    (managed.test_values, broken_proxies.local_value, "value.shared"),
    # A Manager's Array proxies.
    (managed.test_arrays, broken_proxies.zeroed_array_manager, "array.initial"),
    (managed.test_arrays, broken_proxies.short_array, "array.length"),
    (managed.test_arrays, broken_proxies.shifted_array, "array.index"),
    (managed.test_arrays, broken_proxies.unbounded_array, "array.bounds"),
    (managed.test_arrays, broken_proxies.reversed_slice_array, "array.slice"),
    (managed.test_arrays, broken_proxies.local_array, "array.shared"),
    (managed.test_arrays, broken_proxies.no_float_array_manager, "array.typecodes"),
]


test_property_catches = property_catches(CASES)
