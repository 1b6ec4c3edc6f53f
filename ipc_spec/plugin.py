"""The pytest plugin: options, the ``ipc_env`` fixture, and the verdicts.

Registered through the ``pytest11`` entry point as ``ipc_spec`` (``-p no:ipc_spec`` disables it).
Settings and their sources: :mod:`ipc_spec.options`; Hypothesis profiles: :mod:`ipc_spec.profiles`;
the verdict table and the report: :mod:`ipc_spec.verdicts`.

A property test is any test that takes the ``ipc_env`` fixture; it runs once per start method, with
ids such as ``[spawn]``. It names the clauses it checks with ``authoring.checks``; a test that names
none is reported under ``<module>.<test>`` without the ``test_`` prefixes.
"""

import contextlib
import os
import platform

import pytest
from hypothesis import reject, settings
from hypothesis.errors import Flaky, InvalidArgument

from . import crews as _crews
from . import expectations, options, profiles, specs, verdicts
from . import impl as _impl
from .errors import Deadlock, Failure, UsageError, WorkerDied, violation_type
from .harness import Env
from .specs import CLAUSES, GENERIC
from .report.render import timing_text

property_settings = profiles.property_settings  # the name property modules used to import from here


def pytest_addoption(parser):
    group = parser.getgroup("ipc_spec", "ipc-spec conformance kit")
    options.add_options(group, parser)
    group.addoption("--ipc-report", dest="ipc_report", default=None, metavar="PATH",
                    help="write the conformance verdicts (clause x start method), the failures and "
                         "their minimal programs as JSON")
    group.addoption("--ipc-expectations", dest="ipc_expectations", default=None, metavar="PATH",
                    help="known divergences to report as expected failures (default: the kit's "
                         "own list, ipc_spec/known_divergences.ini)")
    group.addoption("--ipc-strict", dest="ipc_strict", action="store_true", default=False,
                    help="ignore known divergences: every violation fails")


def _outer_timeout(config):
    """pytest-timeout's per-test limit in seconds, or None."""
    try:
        value = config.getoption("timeout", None)
        if value is None:
            value = config.getini("timeout")
        return float(value) if value not in (None, "") and float(value) > 0 else None
    except (ValueError, TypeError):
        return None


def _start_host(config, method):
    """Start this process's host (``ipc_spec._host``) with pytest's output capture off: started
    inside a test it would inherit that test's capture file, and so would everything it starts (the
    resource tracker, the fork server, the workers), whose warnings (a leaked semaphore) would be
    lost."""
    capman = config.pluginmanager.getplugin("capturemanager")
    with (capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()):
        return _crews.host(method).start()


class Kit(object):
    """What the plugin knows for the run: the implementation, its methods, and the verdicts."""

    def __init__(self, config):
        self.config = config
        self.impl = options.get(config, "ipc_impl", _impl.load).value
        self.methods = options.get(config, "ipc_start_method",
                                   lambda text: _impl.parse_methods(text, self.impl)).value
        deadline = options.get(config, "ipc_deadline", options.deadline)
        self.deadline = deadline.value
        outer = _outer_timeout(config)
        if outer and self.deadline >= outer / 2 and not deadline.explicit:
            # Hypothesis replays an example that pytest-timeout interrupted, so the harness's
            # default deadline must fire well before the outer net for a hang to be diagnosed
            # (a deadline the user set is theirs).
            self.deadline = outer / 3
        self.report_path = config.getoption("ipc_report")
        if self.report_path and os.path.isdir(self.report_path):
            raise UsageError("--ipc-report=%s: is a directory; give the path of the JSON file to write"
                             % self.report_path)
        self.strict = config.getoption("ipc_strict")
        self.known = [] if self.strict else expectations.load(
            config.getoption("ipc_expectations") or expectations.DEFAULT_PATH)
        self.shrink_seconds = profiles.SHRINK_SECONDS
        self.verdicts = verdicts.Verdicts()
        #: method -> (module, env): the env the property tests of one module share, per start method.
        self.envs = {}

    def new_env(self, method, impl=None, deadline=None) -> Env:
        """An env for ``impl`` (default: the implementation under test) in start method ``method``."""
        spec = self.impl.spec if impl is None else _impl.spec_of(impl)
        name = self.impl.spec if impl is None else getattr(impl, "__name__", spec)
        return Env(spec, method, name, deadline=self.deadline if deadline is None else deadline,
                   skip=pytest.skip, host=_start_host(self.config, method), reject=reject)

    def shared_env(self, module, method) -> Env:
        """The env of the implementation under test that the property tests of ``module`` share
        under ``method``: its workers and unused objects serve test after test, until the module's
        last test has run (``_module_envs`` closes it: each module asks for its own kinds of
        object)."""
        if method in self.envs and self.envs[method][0] != module:  # a teardown that did not run
            self.close_shared(self.envs[method][0])
        if method not in self.envs:
            self.envs[method] = (module, self.new_env(method))
        return self.envs[method][1]

    def close_shared(self, module):
        """Close the envs the property tests of ``module`` shared."""
        for method, (owner, env) in list(self.envs.items()):
            if owner == module:
                del self.envs[method]
                env.close()

    def pytest_sessionfinish(self):
        envs, self.envs = self.envs, {}
        for _, env in envs.values():
            env.close()
        _crews.close_host()

    def _from_nodeid(self, report):
        """The properties of a report that lost its user properties (an xdist worker that crashed
        reports only the node id, ``path/test_barrier.py::test_abort[spawn]``): the test's own
        name stands for its clauses."""
        if not report.failed or "::" not in report.nodeid or not report.nodeid.endswith("]"):
            return {}
        path, _, name = report.nodeid.partition("::")
        name, _, method = name[:-1].partition("[")
        module = os.path.basename(path).rsplit(".", 1)[0]
        if method not in self.methods or not module.startswith("test_"):
            return {}
        row = "%s.%s" % (_strip(module), _strip(name.split("::")[-1]))
        return {"ipc_test": report.nodeid, "ipc_rows": [row], "ipc_start_method": method,
                "ipc_failed": [[row, "the pytest process running it crashed"]]}

    def pytest_runtest_logreport(self, report):
        """Collects the verdicts (on the xdist controller too: worker reports reach it here)."""
        props = dict(report.user_properties) or self._from_nodeid(report)
        if "ipc_rows" not in props:
            return
        if report.when == "call" or report.outcome != "passed":
            outcome = {"passed": "pass", "skipped": "skip", "failed": "fail"}[report.outcome]
            if report.when != "call" and report.outcome == "failed":
                outcome = "error"
            if hasattr(report, "wasxfail"):
                outcome = "xfail" if report.outcome == "skipped" else "xpass"
            self.verdicts.add(props, outcome)


def _strip(name):
    return name[5:] if name.startswith("test_") else name


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
    try:
        if options.get(config, "ipc_start_method").value.strip() == "list":
            impl = options.get(config, "ipc_impl", _impl.load).value
            pytest.exit("start methods of %s (%s):\n%s" % (impl.spec, impl.version,
                                                           "\n".join(impl.describe_methods())),
                        returncode=0)
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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under xdist's default distribution, the property tests of a module and start method run in
    one worker, which starts their env once (:mod:`ipc_spec.scheduling`)."""
    from . import scheduling  # imports xdist, which the kit runs without

    if config.getvalue("dist") != "load" or scheduling.chooses_distribution(
            config.invocation_params.args):
        return None
    return scheduling.PropertyScheduling(config, log, _kit(config).methods)


def pytest_generate_tests(metafunc):
    if "start_method" in metafunc.fixturenames:
        methods = _kit(metafunc.config).methods
        marker = metafunc.definition.get_closest_marker("ipc_methods")
        if marker is not None:
            methods = [m for m in methods if m in marker.args]
        metafunc.parametrize("start_method", methods, ids=methods, indirect=True)


def flavour_prefix(item) -> str:
    """``""`` for the native flavour (or none), else ``"<flavour name>:"``."""
    flavour = getattr(getattr(item, "cls", None), "flavour", None)
    name = getattr(flavour, "name", "native")
    return "" if name == "native" else name + ":"


def rows_of(item):
    """The verdict rows of a property test: its declared clauses (flavour-prefixed) but those its
    flavour does not promise (``flavour.not_promised``: clause -> the documentation's reason, and
    the property does not check them) and those its flavour's plans leave this property nothing to
    check of (``flavour.left_out``: test name -> clauses), else its ``<module>.<test>`` name."""
    clauses = getattr(item.obj, "ipc_clauses", None)
    if clauses:
        undeclared = [c for c in clauses if c not in CLAUSES]
        if undeclared:
            raise pytest.UsageError("%s checks undeclared clauses %s (ipc_spec.specs.declare)"
                                    % (item.nodeid, ", ".join(undeclared)))
        flavour = getattr(getattr(item, "cls", None), "flavour", None)
        unpromised = getattr(flavour, "not_promised", {})
        name = getattr(item, "originalname", None) or item.name.split("[")[0]
        left_out = getattr(flavour, "left_out", {}).get(name, ())
        return [flavour_prefix(item) + c for c in clauses
                if c not in unpromised and c not in left_out]
    module = item.module.__name__.rsplit(".", 1)[-1]
    return ["%s.%s" % (_strip(module), _strip(getattr(item, "originalname", None) or item.name))]


def pytest_collection_modifyitems(config, items):
    kit = _kit(config)
    for item in items:
        if "ipc_env" in getattr(item, "fixturenames", ()):
            method = item.callspec.params.get("start_method") if hasattr(item, "callspec") else None
            rows = rows_of(item)
            item.user_properties.append(("ipc_test", _replay_target(item)))
            item.user_properties.append(("ipc_rows", rows))
            item.user_properties.append(("ipc_start_method", method))
            item.user_properties.append(("ipc_flavour_prefix", flavour_prefix(item)))
            generic = _generic_rows(rows) if getattr(item.obj, "ipc_clauses", None) else []
            item.user_properties.append(("ipc_generic_rows", generic))
            item.user_properties.append(("ipc_promises", {row: CLAUSES.get(row.split(":")[-1], "")
                                                          for row in rows + generic}))
            known = [(row, expectations.find(kit.known, row, kit.impl.spec, method,
                                             impl_version=kit.impl.version))
                     for row in rows + _generic_rows(rows)]
            known = [(row, entry) for row, entry in known if entry is not None]
            if known:
                item.user_properties.append(("ipc_known", [row for row, _ in known]))
                item.user_properties.append(("ipc_known_reasons", {row: entry.describe()
                                                                   for row, entry in known}))
                item.add_marker(pytest.mark.xfail(reason="; ".join(e.describe() for _, e in known),
                                                  strict=False, raises=_known_failures(item, rows, known)))


def _generic_rows(rows):
    """The generic clauses (``<family>.construct``, ``.inherit``) of the families in ``rows``: a
    test may fail them too, when the implementation cannot give its objects."""
    families = dict.fromkeys(row.rsplit(".", 1)[0] for row in rows)  # flavour prefix kept
    return ["%s.%s" % (family, generic) for family in families for generic in GENERIC]


def _known_failures(item, rows, known):
    """What a test with known divergences may fail with and still be an expected failure: the
    violations of the known clauses; a deadlock or a dead worker if its first clause is known (they
    are reported against it); and a failure Hypothesis calls flaky (a known bug may show on some
    schedules only). A violation of any other clause fails as usual. A test that declares no
    clauses (its row is its name) may fail with any assertion."""
    if not getattr(item.obj, "ipc_clauses", None):
        return (AssertionError, Flaky)
    clauses = [row.split(":")[-1] for row, _ in known]
    raises = [violation_type(c) for c in clauses] + [Flaky]
    if rows and rows[0] in [row for row, _ in known]:
        raises += [Deadlock, WorkerDied]
    return tuple(raises)


@pytest.fixture
def start_method(request):
    """The start method of this test's run (parametrized from ``--start-method``); a method the
    platform lacks skips the test with the reason."""
    method = request.param
    reason = _kit(request.config).impl.available(method)
    if reason:
        pytest.skip(reason)
    return method


def _known(request) -> bool:
    """Whether this test is expected to fail (a known divergence: ``pytest_collection_modifyitems``
    marks it xfail)."""
    return request.node.get_closest_marker("xfail") is not None


def _known_hang(request) -> bool:
    """Whether this test is expected to fail, maybe by hanging: a known divergence whose expected
    failures include a Deadlock (its first clause is known, see :func:`_known_failures`). Only
    then are its deadlines shortened: a test whose known divergence is a wrong value keeps its
    deadlines, so that a slow start method does not turn its other examples into deadlocks."""
    marker = request.node.get_closest_marker("xfail")
    raises = marker.kwargs.get("raises", ()) if marker is not None else ()
    raises = raises if isinstance(raises, tuple) else (raises,)
    return any(isinstance(r, type) and issubclass(Deadlock, r) for r in raises)


@pytest.fixture
def bounded_shrinking(request, monkeypatch):
    """Hypothesis shrinks this test's failure for at most ``SHRINK_SECONDS`` (a known divergence:
    ``KNOWN_SHRINK_SECONDS``)."""
    seconds = profiles.KNOWN_SHRINK_SECONDS if _known(request) else _kit(request.config).shrink_seconds
    profiles.limit_shrinking(monkeypatch, seconds)


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


@pytest.fixture(scope="module")
def _module_envs(request):
    """Once a module's last test has run, close the envs its property tests shared: their workers
    and banks would otherwise stay in the hosts while the next tests start workers from there (a
    worker forked from a host reconnects to the manager of every Manager proxy the host holds)."""
    yield
    _kit(request.config).close_shared(request.module.__name__)


@pytest.fixture
def ipc_env(request, start_method, bounded_shrinking, _module_envs):
    """The implementation under test in this test's start method. Its workers, and the objects no
    example has used yet, serve every example of every property test in the module (in order, in
    this process); the objects of a passing example are recycled where their kind allows."""
    env = _kit(request.config).shared_env(request.module.__name__, start_method)
    del specs.TALLY[:]  # the timing bounds this test checks (see verdicts.timing_divergence)
    # A flavour whose objects spell some calls otherwise (``flavour.respell(step) -> step``, e.g.
    # a Manager's threading proxies) has its steps respelt before they run: the history holds
    # what ran.
    env.respell = getattr(getattr(request.cls, "flavour", None), "respell", None)
    try:
        with env.examples_of(request.function, known=_known_hang(request)):
            yield env
    finally:
        env.respell = None


@pytest.hookimpl(hookwrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    """A property whose examples found the implementation lacking a feature (an object it cannot
    build or hand to a process) fails with that feature's clause, once the examples that did not
    need it have run (see ``Env.check_lacks``)."""
    outcome = yield
    env = pyfuncitem.funcargs.get("ipc_env")
    if isinstance(env, Env):
        error = outcome.excinfo[1] if outcome.excinfo else None
        divergence = verdicts.timing_divergence(error, specs.TALLY)
        if divergence is not None:
            outcome.force_exception(divergence)
            error = divergence
        try:
            env.check_lacks(error)
        except Failure as exc:
            # A lack found at run time may be a known divergence that collection could not match
            # (a Barrier a faults property uses: barrier.inherit, not one of its clauses).
            kit = _kit(pyfuncitem.config)
            method = dict(pyfuncitem.user_properties).get("ipc_start_method")
            known = expectations.find(kit.known, exc.prop, kit.impl.spec, method,
                                      impl_version=kit.impl.version)
            if known is not None:
                expected = pytest.xfail.Exception(known.describe())
                expected.__cause__ = exc
                outcome.force_exception(expected)
            else:
                outcome.force_exception(exc)


def _replay_target(item) -> str:
    """What to give pytest to run this test again: ``--pyargs module::test[method]`` for a test of
    an installed package, else its node id."""
    module = item.module.__name__
    if module.startswith("ipc_spec."):
        return "--pyargs '%s::%s'" % (module, item.nodeid.split("::", 1)[1])
    return "'%s'" % item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    props = dict(item.user_properties)
    if "ipc_rows" not in props or call.when != "call":
        return
    env = item.funcargs.get("ipc_env") if hasattr(item, "funcargs") else None
    program = env.transcript() if isinstance(env, Env) else ""
    if call.excinfo is not None and getattr(call.excinfo.value, "lack", False):
        program = ""  # a lacking feature: the last example ran without it, and shows nothing
    if program:
        report.user_properties.append(("ipc_program", program))
    kit = _kit(item.config)
    method = props["ipc_start_method"]
    replay = "python -m pytest -p no:cacheprovider %s --start-method=%s --ipc-impl=%s" % (
        props["ipc_test"], method, kit.impl.spec)
    if report.failed or hasattr(report, "wasxfail"):
        error = call.excinfo.value if call.excinfo else None
        clauses = getattr(item.obj, "ipc_clauses", ()) or [props["ipc_rows"][0]]
        failed = verdicts.failed_clauses(error, clauses)
        report.user_properties.append(("ipc_failed", failed))
        reasons = props.get("ipc_known_reasons", {})
        known = reasons.get(props.get("ipc_flavour_prefix", "") + failed[0][0]) if failed else None
        report.user_properties.append(("ipc_detail", verdicts.failure_detail(
            error, env.evidence() if isinstance(env, Env) else {}, report, replay, specs.TALLY,
            known)))
    if report.failed:
        detail = dict(report.user_properties).get("ipc_detail") or {}
        timing = detail.get("timing")
        report.sections.append(("ipc-spec", "%s failed under start method %r with %s (%s).\n"
                                "The minimal example, as run:\n%s\n%s"
                                "Replay: %s (Hypothesis's seed and @reproduce_failure blob are "
                                "above)." % (
                                    ", ".join(props["ipc_rows"]), method, kit.impl.spec,
                                    kit.impl.version, program or "  (no example ran)",
                                    "Timing: %s in this test.\n" % timing_text(timing) if timing else "",
                                    replay)))


def pytest_terminal_summary(terminalreporter, config):
    kit = getattr(config, "_ipc_kit", None)
    if kit is None or not kit.verdicts.records or hasattr(config, "workerinput"):
        return
    verdicts.write_summary(terminalreporter, kit)
