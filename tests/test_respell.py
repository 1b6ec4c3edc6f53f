"""The Manager flavours' respelling of acquire (``ipc_spec.specs.lock.threading_spelling``): pure."""

import pytest

from ipc_spec.history import call
from ipc_spec.specs.lock import threading_spelling


@pytest.mark.parametrize("given, wanted", [
    (call("l", "acquire"), call("l", "acquire")),
    (call("l", "acquire", block=False), call("l", "acquire", False)),
    (call("l", "acquire", False, 3600.0), call("l", "acquire", False)),
    (call("l", "acquire", block=False, timeout=3600.0), call("l", "acquire", False)),
    (call("l", "acquire", True, -1), call("l", "acquire", True, 0.0)),
    (call("l", "acquire", timeout=-0.05), call("l", "acquire", timeout=0.0)),
    (call("l", "acquire", True, 0.05), call("l", "acquire", True, 0.05)),
    (call("l", "acquire", timeout=0.05, pause=0.01), call("l", "acquire", timeout=0.05, pause=0.01)),
    (call("l", "release"), call("l", "release")),
    (call("q", "get", True, -1), call("q", "get", True, -1)),
])
def test_threading_spelling(given, wanted):
    assert threading_spelling(given) == wanted
