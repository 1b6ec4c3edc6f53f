"""Each dict, list and Namespace proxy property fails on a Manager whose proxies are broken the way
it checks."""

from ipc_spec.suite import test_proxy
from tests.broken import proxy as broken
from tests.selfcheck import property_catches

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
    (props.test_user_manager, broken.lying_tally_manager, "proxy.register"),
    (props.test_user_manager, broken.exposes_private, "proxy.register"),
    (props.test_user_manager, broken.fresh_tallies, "proxy.connect"),
    (props.test_user_manager, broken.ignores_authkey, "proxy.authkey"),
    (props.test_user_manager, broken.random_default_key, "proxy.authkey"),
]


test_property_catches = property_catches(CASES)
