"""Each Listener property fails on a Listener, Client, wait or Process broken in the way it
checks."""

import pytest

from ipc_spec.suite import test_listener
from tests.broken import listener as broken
from tests.broken import process as broken_process
from tests.selfcheck import case_ids, check_case

props = test_listener.TestListener()  # not bound to a Test* name here: pytest would collect it


CASES = [
    (props.test_address_and_connect, broken.wrong_address, "listener.address"),
    (props.test_address_and_connect, broken.family_ignored, "listener.address"),
    (props.test_abstract_address, broken.abstract_as_path, "listener.abstract"),
    (props.test_address_and_connect, broken.client_refuses_family, "listener.connect"),
    (props.test_address_and_connect, broken.last_accepted_own, "listener.last_accepted"),
    (props.test_close, broken.close_keeps_listening, "listener.close"),
    (props.test_close, broken.exit_keeps_open, "listener.context"),
    (props.test_authentication, broken.key_mangled, "listener.auth"),
    (props.test_authentication, broken.accepts_wrong_digest, "listener.auth_refused"),
    (props.test_empty_key, broken.empty_key_rejected, "listener.empty_key"),
    (props.test_authkey_inherited, broken_process.authkey_not_inherited, "listener.authkey"),
    (props.test_hostile_client, broken.swallows_handshake_errors, "listener.hostile_client"),
    (props.test_hostile_listener, broken.client_ignores_bad_challenge, "listener.hostile_listener"),
    (props.test_wait_mixed, broken.wait_connections_only, "listener.wait"),
    (props.test_wait_mixed, broken.wait_ignores_timeout, "listener.wait"),
]

#: The LATE bound (5 s) is too generous for a self-test to wait out: these cases scale it down to
#: LATE_SCALED and check that an implementation slower than that by broken.DELAY - LATE_SCALED is
#: caught.
LATE_SCALED = 0.04
LATE_CASES = [
    (props.test_hostile_client, broken.slow_to_refuse, "listener.hostile_client"),
    (props.test_hostile_listener, broken.client_slow_to_give_up, "listener.hostile_listener"),
    (props.test_wait_mixed, broken.wait_overstays, "listener.wait"),
]

#: Examples a property may take to catch a broken implementation.
CATCH_EXAMPLES = 60


@pytest.mark.parametrize("prop, impl, expected", CASES, ids=case_ids(CASES))
def test_property_catches(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES)


@pytest.mark.parametrize("prop, impl, expected", LATE_CASES, ids=case_ids(LATE_CASES))
def test_property_catches_late(prop, impl, expected, make_env, monkeypatch):
    check_case(prop, impl, expected, make_env, monkeypatch, CATCH_EXAMPLES, LATE_SCALED,
               broken.DELAY)
