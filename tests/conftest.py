"""The project's own tests: pytester, and the start methods of the self-tests.

A self-test case (a property on a broken implementation, in a ``test_selftest_*`` module) runs
under one of the start methods of the run, chosen by the case's id (so the cases of a table are
spread over the methods, and each case always runs under the same one), unless
``--selftest-methods=all`` asks for every method: whether a check catches a violation depends on
the check, and running every case three times took about a sixth of the project's test command
(881 s with every method, 740 s with one, on 2 cores). The conformance suite itself, the cleanup
tests and the divergences still run under every method.
"""

import zlib

pytest_plugins = ["pytester"]


def pytest_addoption(parser):
    parser.addoption("--selftest-methods", dest="selftest_methods", choices=("one", "all"),
                     default="one",
                     help="run each self-test case under one start method of the run, chosen by "
                          "its id (one, the default), or under every start method (all)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("selftest_methods") == "all":
        return
    cases = {}  # case id (the test id without its start method) -> its items, by method
    for item in items:
        method = _method(item)
        if method is not None:
            key = item.nodeid.replace("[%s-" % method, "[", 1).replace("[%s]" % method, "", 1)
            cases.setdefault(key, []).append(item)
    dropped = set()
    for key, group in cases.items():
        chosen = group[zlib.crc32(key.encode("utf-8")) % len(group)]
        dropped.update(id(item) for item in group if item is not chosen)
    if dropped:
        config.hook.pytest_deselected(items=[i for i in items if id(i) in dropped])
        items[:] = [i for i in items if id(i) not in dropped]


def _method(item):
    """The start method of a self-test item, or None for any other item."""
    module = getattr(item, "module", None)
    if module is None or not module.__name__.rpartition(".")[2].startswith("test_selftest_"):
        return None
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("start_method") if callspec is not None else None
