"""The pytest plugin: options, the ``ipc_env`` fixture, Hypothesis profiles, and the verdicts.

Registered through the ``pytest11`` entry point as ``ipc_spec`` (``-p no:ipc_spec`` disables it).

Options, each also an ini key and an environment variable; precedence is ini < environment <
command line:

=====================  ==========================  =====================  ==========================
option                 ini key                     environment            meaning
=====================  ==========================  =====================  ==========================
``--start-method``     ``ipc_start_method``        ``IPC_SPEC_START_METHOD`` fork, spawn, forkserver, a
                                                                          comma-separated list, or all
``--ipc-impl``         ``ipc_impl``                ``IPC_SPEC_IMPL``      module or module:attribute
``--ipc-deadline``     ``ipc_deadline``            ``IPC_SPEC_DEADLINE``  seconds an example may take
``--ipc-report``       (none)                      (none)                 write the verdicts as JSON
=====================  ==========================  =====================  ==========================

A property test is any test that takes the ``ipc_env`` fixture; it runs once per start method, with
ids such as ``[spawn]``. Its property name is ``<module>.<test>`` without the ``test_`` prefixes
(``barrier.indices``).
"""

import contextlib
import json
import os
import platform
import sys

import pytest
from hypothesis import HealthCheck, Phase, reject, settings
from hypothesis.errors import Flaky, InvalidArgument

from . import expectations
from . import impl as _impl
from .errors import Failure, UsageError
from . import crews as _crews
from .harness import Env

#: Settings every multi-process property uses, whatever the profile.
PROPERTY_SETTINGS = dict(
    deadline=None,  # an example's time is the harness's to bound, not Hypothesis's
    # Every phase but "explain", which re-runs a failing example many times to annotate it: each
    # run here costs processes, and the history already says what each process did.
    phases=tuple(phase for phase in Phase if phase.name != "explain"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    report_multiple_bugs=False,
    print_blob=True,
)

settings.register_profile("dev", max_examples=20, **PROPERTY_SETTINGS)
settings.register_profile("ci", max_examples=40, derandomize=True, database=None, **PROPERTY_SETTINGS)
settings.register_profile("thorough", max_examples=400, **PROPERTY_SETTINGS)

#: Seconds Hypothesis may spend shrinking one failure of a property test; a known divergence, whose
#: failure is expected and whose minimal example is on record, is not shrunk.
SHRINK_SECONDS = 45
KNOWN_SHRINK_SECONDS = 0

DEFAULTS = {"ipc_start_method": "all", "ipc_impl": "multiprocessing", "ipc_deadline": "30"}
ENVIRON = {"ipc_start_method": "IPC_SPEC_START_METHOD", "ipc_impl": "IPC_SPEC_IMPL",
           "ipc_deadline": "IPC_SPEC_DEADLINE"}


def property_settings(**overrides):
    """``@property_settings()``: the current profile plus what multi-process properties need."""
    return settings(**dict(PROPERTY_SETTINGS, **overrides))


def pytest_addoption(parser):
    group = parser.getgroup("ipc_spec", "ipc-spec conformance kit")
    group.addoption("--start-method", dest="ipc_start_method", default=None, metavar="METHODS",
                    help="start methods to test: fork, spawn, forkserver (or any the implementation "
                         "offers, such as loky), a comma-separated list, all (default: every method "
                         "the implementation offers here), or list (print them and exit)")
    group.addoption("--ipc-impl", dest="ipc_impl", default=None, metavar="MODULE[:ATTR]",
                    help="implementation under test: any importable module or object offering "
                         "get_context(method) (default: multiprocessing)")
    group.addoption("--ipc-deadline", dest="ipc_deadline", default=None, metavar="SECONDS",
                    help="seconds one example may take before it is reported as a deadlock "
                         "(default: 30)")
    group.addoption("--ipc-report", dest="ipc_report", default=None, metavar="PATH",
                    help="write the conformance verdicts (property x start method) as JSON")
    group.addoption("--ipc-expectations", dest="ipc_expectations", default=None, metavar="PATH",
                    help="known divergences to report as expected failures (default: the kit's "
                         "own list, ipc_spec/known_divergences.ini)")
    group.addoption("--ipc-strict", dest="ipc_strict", action="store_true", default=False,
                    help="ignore known divergences: every violation fails")
    for key, default in DEFAULTS.items():
        parser.addini(key, "default for --%s" % key.replace("ipc_", "").replace("_", "-"),
                      default=default)


def _setting(config, key):
    """ini < environment < command line."""
    value = config.getoption(key)
    if value is None:
        value = os.environ.get(ENVIRON[key]) or config.getini(key) or DEFAULTS[key]
    return value


def _outer_timeout(config):
    """pytest-timeout's per-test limit in seconds, or None."""
    try:
        value = config.getoption("timeout", None)
        if value is None:
            value = config.getini("timeout")
        return float(value) if value not in (None, "") and float(value) > 0 else None
    except (ValueError, TypeError):
        return None


def _start_host(config):
    """Start this process's host (``ipc_spec._host``) with pytest's output capture off: started
    inside a test it would inherit that test's capture file, and so would everything it starts (the
    resource tracker, the fork server, the workers), whose warnings (a leaked semaphore) would be
    lost."""
    capman = config.pluginmanager.getplugin("capturemanager")
    with (capman.global_and_fixture_disabled() if capman else _nothing()):
        return _crews.host().start()


@contextlib.contextmanager
def _nothing():
    yield


class Kit(object):
    """What the plugin knows for the run: the implementation, its methods, and the verdicts."""

    def __init__(self, config):
        self.config = config
        self.impl = _impl.load(_setting(config, "ipc_impl"))
        self.methods = _impl.parse_methods(_setting(config, "ipc_start_method"), self.impl)
        text = _setting(config, "ipc_deadline")
        try:
            self.deadline = float(text)
            if not self.deadline > 0:
                raise ValueError
        except ValueError:
            raise UsageError("--ipc-deadline=%s: expected a number of seconds above 0" % text) from None
        outer = _outer_timeout(config)
        if outer and self.deadline >= outer / 2 and text == DEFAULTS["ipc_deadline"]:
            # Hypothesis replays an example that pytest-timeout interrupted, so the harness's
            # default deadline must fire well before the outer net for a hang to be diagnosed
            # (a deadline the user set is theirs).
            self.deadline = outer / 3
        self.report_path = config.getoption("ipc_report")
        self.strict = config.getoption("ipc_strict")
        self.known = [] if self.strict else expectations.load(
            config.getoption("ipc_expectations") or expectations.DEFAULT_PATH)
        self.shrink_seconds = SHRINK_SECONDS
        self.verdicts = {}  # (property, method) -> outcome
        #: method -> (module, env): the env the property tests of one module share, per start method.
        self.envs = {}

    def new_env(self, method, impl=None, deadline=None) -> Env:
        """An env for ``impl`` (default: the implementation under test) in start method ``method``."""
        spec = self.impl.spec if impl is None else _impl.spec_of(impl)
        name = self.impl.spec if impl is None else getattr(impl, "__name__", spec)
        return Env(spec, method, name, deadline=self.deadline if deadline is None else deadline,
                   skip=pytest.skip, host=_start_host(self.config), reject=reject)

    def shared_env(self, module, method) -> Env:
        """The env of the implementation under test that the property tests of ``module`` share
        under ``method``: its workers and unused objects serve test after test, and the first test
        of another module closes it (each module asks for its own kinds of object)."""
        for other, (owner, env) in list(self.envs.items()):
            if owner != module:
                del self.envs[other]
                env.close()
        if method not in self.envs:
            self.envs[method] = (module, self.new_env(method))
        return self.envs[method][1]

    def pytest_sessionfinish(self):
        envs, self.envs = self.envs, {}
        for _, env in envs.values():
            env.close()
        _crews.close_host()

    def _from_nodeid(self, report):
        """The property of a report that lost its user properties (an xdist worker that crashed
        reports only the node id): ``path/test_barrier.py::test_abort[spawn]``."""
        if not report.failed or "::" not in report.nodeid or not report.nodeid.endswith("]"):
            return {}
        path, _, name = report.nodeid.partition("::")
        name, _, method = name[:-1].partition("[")
        module = os.path.basename(path).rsplit(".", 1)[0]
        if method not in self.methods or not module.startswith("test_"):
            return {}
        strip = lambda s: s[5:] if s.startswith("test_") else s
        return {"ipc_property": "%s.%s" % (strip(module), strip(name)), "ipc_start_method": method}

    def record(self, prop, method, outcome):
        key = (prop, method)
        # A test that failed in any phase stays failed.
        if self.verdicts.get(key) in ("fail", "error"):
            return
        self.verdicts[key] = outcome

    def pytest_runtest_logreport(self, report):
        """Collects the verdicts (on the xdist controller too: worker reports reach it here)."""
        props = dict(report.user_properties) or self._from_nodeid(report)
        if "ipc_property" not in props:
            return
        if report.when == "call" or report.outcome != "passed":
            outcome = {"passed": "pass", "skipped": "skip", "failed": "fail"}[report.outcome]
            if report.when != "call" and report.outcome == "failed":
                outcome = "error"
            if hasattr(report, "wasxfail"):
                outcome = "xfail" if report.outcome == "skipped" else "xpass"
            self.record(props["ipc_property"], props["ipc_start_method"], outcome)


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin loads the profile
def pytest_configure(config):
    profile = config.getoption("hypothesis_profile", None)
    if profile is not None:
        try:
            settings.load_profile(profile)
        except InvalidArgument:
            raise pytest.UsageError("--hypothesis-profile=%s: no such profile; the kit's are dev "
                                    "(the default), ci and thorough" % profile) from None
    config.addinivalue_line("markers", "ipc_methods(*names): run this test only under these start methods")
    if (_setting(config, "ipc_start_method") or "").strip() == "list":
        try:
            impl = _impl.load(_setting(config, "ipc_impl"))
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        pytest.exit("start methods of %s (%s):\n%s" % (impl.spec, impl.version,
                                                       "\n".join(impl.describe_methods())), returncode=0)
    try:
        config._ipc_kit = Kit(config)
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(config._ipc_kit, "ipc_spec_kit")
    if config.getoption("hypothesis_profile", None) is None:
        settings.load_profile("dev")


def _kit(config) -> Kit:
    return config._ipc_kit


def pytest_report_header(config):
    kit = _kit(config)
    return ["ipc-spec: Python %s (%s) on %s; implementation %s (%s); start methods: %s" % (
        platform.python_version(), platform.python_implementation(), platform.platform(terse=True),
        kit.impl.spec, kit.impl.version, ", ".join(kit.methods))]


def pytest_generate_tests(metafunc):
    if "start_method" in metafunc.fixturenames:
        methods = _kit(metafunc.config).methods
        marker = metafunc.definition.get_closest_marker("ipc_methods")
        if marker is not None:
            methods = [m for m in methods if m in marker.args]
        metafunc.parametrize("start_method", methods, ids=methods, indirect=True)


def property_name(item) -> str:
    module = item.module.__name__.rsplit(".", 1)[-1]
    name = getattr(item, "originalname", None) or item.name
    strip = lambda s: s[5:] if s.startswith("test_") else s
    return "%s.%s" % (strip(module), strip(name))


def pytest_collection_modifyitems(config, items):
    kit = _kit(config)
    for item in items:
        if "ipc_env" in getattr(item, "fixturenames", ()):
            method = item.callspec.params.get("start_method") if hasattr(item, "callspec") else None
            prop = property_name(item)
            item.user_properties.append(("ipc_property", prop))
            item.user_properties.append(("ipc_start_method", method))
            known = expectations.find(kit.known, prop, kit.impl.spec, method,
                                       impl_version=kit.impl.version)
            if known is not None:
                # A known bug may show only on some schedules: Hypothesis then calls it Flaky.
                item.add_marker(pytest.mark.xfail(reason=known.describe(), strict=False,
                                                  raises=(AssertionError, Flaky)))


@pytest.fixture
def start_method(request):
    """The start method of this test's run (parametrized from ``--start-method``); a method the
    platform lacks skips the test with the reason."""
    method = request.param
    reason = _kit(request.config).impl.available(method)
    if reason:
        pytest.skip(reason)
    return method


def _limit_shrinking(monkeypatch, seconds):
    """Bound Hypothesis's shrinking phase (300 s by default, a documented monkeypatch point):
    every shrinking step of a deadlocking example costs a deadline."""
    try:
        from hypothesis.internal.conjecture import engine
    except ImportError:  # pragma: no cover - a Hypothesis without it shrinks as it likes
        return
    if hasattr(engine, "MAX_SHRINKING_SECONDS"):
        monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", seconds)


def _known(request) -> bool:
    """Whether this test is expected to fail (a known divergence: ``pytest_collection_modifyitems``
    marks it xfail)."""
    return request.node.get_closest_marker("xfail") is not None


@pytest.fixture
def bounded_shrinking(request, monkeypatch):
    """Hypothesis shrinks this test's failure for at most ``SHRINK_SECONDS`` (a known divergence:
    ``KNOWN_SHRINK_SECONDS``)."""
    seconds = KNOWN_SHRINK_SECONDS if _known(request) else _kit(request.config).shrink_seconds
    _limit_shrinking(monkeypatch, seconds)


@pytest.fixture
def make_env(request, start_method, bounded_shrinking):
    """``make_env(impl=None, deadline=None)``: an :class:`~ipc_spec.harness.Env` for an
    implementation object (default: the one under test) in this test's start method, closed after
    the test."""
    kit = _kit(request.config)
    envs = []

    def make(impl=None, deadline=None):
        env = kit.new_env(start_method, impl, deadline)
        envs.append(env)
        return env

    yield make
    for env in envs:
        env.close()


@pytest.fixture
def ipc_env(request, start_method, bounded_shrinking):
    """The implementation under test in this test's start method. Its workers, and the objects no
    example has used yet, serve every example of every property test in the module (in order, in
    this process); the objects of a passing example are recycled where their kind allows
    (``harness.RESET``)."""
    env = _kit(request.config).shared_env(request.module.__name__, start_method)
    with env.examples_of(request.function, known=_known(request)):
        yield env


@pytest.hookimpl(hookwrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    """A property whose examples found the implementation lacking a feature (an object it cannot
    build or hand to a process) fails with that feature's clause, once the examples that did not
    need it have run (see ``Env.check_lacks``)."""
    outcome = yield
    env = pyfuncitem.funcargs.get("ipc_env")
    if isinstance(env, Env):
        error = outcome.excinfo[1] if outcome.excinfo else None
        try:
            env.check_lacks(error)
        except Failure as exc:
            outcome.force_exception(exc)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    props = dict(item.user_properties)
    if report.failed and "ipc_property" in props:
        kit = _kit(item.config)
        report.sections.append(("ipc-spec", "property %s failed under start method %r with %s (%s).\n"
                                "Replay: python -m pytest '%s' --start-method=%s --ipc-impl=%s; the "
                                "seed and the example are above." % (
                                    props["ipc_property"], props["ipc_start_method"], kit.impl.spec,
                                    kit.impl.version, item.nodeid, props["ipc_start_method"],
                                    kit.impl.spec)))


def verdict_table(kit: Kit) -> dict:
    props = sorted({p for p, _ in kit.verdicts})
    methods = [m for m in kit.methods if any(mm == m for _, mm in kit.verdicts)]
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "impl": kit.impl.spec,
        "impl_version": kit.impl.version,
        "start_methods": methods,
        "verdicts": {p: {m: kit.verdicts.get((p, m), "not run") for m in methods} for p in props},
    }


def pytest_terminal_summary(terminalreporter, config):
    kit = getattr(config, "_ipc_kit", None)
    if kit is None or not kit.verdicts or hasattr(config, "workerinput"):
        return
    table = verdict_table(kit)
    methods = table["start_methods"]
    width = max(len(p) for p in table["verdicts"])
    terminalreporter.section("ipc-spec conformance: %s (%s)" % (kit.impl.spec, kit.impl.version))
    terminalreporter.write_line("%-*s  %s" % (width, "property", "  ".join("%-10s" % m for m in methods)))
    for prop, row in table["verdicts"].items():
        terminalreporter.write_line("%-*s  %s" % (width, prop, "  ".join("%-10s" % row[m] for m in methods)))
    counts = {}
    for row in table["verdicts"].values():
        for v in row.values():
            counts[v] = counts.get(v, 0) + 1
    terminalreporter.write_line(", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())))
    if kit.report_path:
        with open(kit.report_path, "w") as f:
            json.dump(table, f, indent=2, sort_keys=True)
        terminalreporter.write_line("verdicts written to %s" % kit.report_path)
