"""Each dict, list and Namespace proxy property fails on a Manager whose proxies are broken the way
it checks."""

from ipc_spec.suite import test_proxy
from tests.broken import proxy as broken
from tests.selfcheck import NO_HANG_DEADLINE, property_catches, with_settings

props = test_proxy.TestProxy()  # not bound to a Test* name here: pytest would collect it

CASES = [
    (props.test_dict_shared, broken.local_writes_dict, "proxy.dict_shared"),
    (props.test_dict_shared, broken.lost_update_dict, "proxy.dict_shared"),
    (props.test_dict_shared, broken.popitem_fifo_dict, "proxy.dict_shared"),
    (props.test_dict_linearizable, broken.local_writes_dict, "proxy.dict_linearizable"),
    (props.test_dict_linearizable, broken.stale_read_dict, "proxy.dict_linearizable"),
    (props.test_list_shared, broken.local_append_list, "proxy.list_shared"),
    (props.test_list_shared, broken.lost_append_list, "proxy.list_shared"),
    (props.test_list_shared, broken.pop_front_list, "proxy.list_shared"),
    (props.test_list_linearizable, broken.pop_front_list, "proxy.list_linearizable"),
    (props.test_list_linearizable, broken.lost_append_list, "proxy.list_linearizable"),
    (props.test_namespace, broken.local_namespace, "proxy.namespace"),
    (props.test_namespace, broken.shared_private_namespace, "proxy.namespace"),
    (props.test_nested, broken.copies_nested, "proxy.nested"),
    (props.test_copies, broken.let_go_breaks_dict, "proxy.copies"),
    (props.test_user_manager, broken.lying_tally_manager, "proxy.register"),
    (props.test_user_manager, broken.exposes_private, "proxy.register"),
    (props.test_user_manager, broken.fresh_tallies, "proxy.connect"),
    (props.test_user_manager, broken.ignores_authkey, "proxy.authkey"),
    (props.test_user_manager, broken.random_default_key, "proxy.authkey"),
]


test_property_catches = property_catches(CASES)


def test_copies_holds_where_each_proxy_has_its_own_entry(make_env, monkeypatch):
    """proxy.copies passes on a Manager whose dict proxies each have their own entry in the
    process's set of live proxies (``OwnEntryDict``, as CPython's gh-71936 fix does): what the
    property fails on with CPython's own proxies is that shared set, not the way it tests."""
    prop = props.test_copies
    with_settings(monkeypatch, prop, max_examples=10)
    env = make_env(broken.own_entry_dict, deadline=NO_HANG_DEADLINE)
    with env.examples_of(prop):
        prop(ipc_env=env)
