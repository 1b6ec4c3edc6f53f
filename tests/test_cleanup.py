"""Never hang, never leak: whole pytest runs of the kit leave no process and no shared-memory entry.

Each test writes a small test module that uses the kit (Barrier scenarios through ``ipc_env``) into
``tmp_path``, runs ``python -m pytest`` on it in a subprocess, and then checks what the run left:

- **processes**: the subprocess gets a unique ``IPC_SPEC_RUN_MARK`` in its environment, which every
  descendant inherits (fork, spawn and forkserver children, the forkserver, the resource tracker,
  xdist workers). After the run, ``/proc/*/environ`` is scanned for it, for a few seconds (orphaned
  workers notice within about 0.5 s that their parent is gone, see ``_child._watch_parent``): any
  process still carrying it is a straggler.
- **/dev/shm**: the entries named ``sem.mp-*``, ``psm_*`` and ``wnsm_*`` before and after the run
  are compared. Other test runs share the machine, so a new entry is this run's only when it is
  known to be: the generated module sets the process's semaphore name prefix (the private
  ``multiprocessing.process.current_process()._config["semprefix"]``, ``/mp`` by default) to
  ``/mp-<tag>``, so every semaphore the run creates is ``sem.mp-<tag>-*`` (they are all built in the
  kit's host process, which imports the run's implementation, ``tagged_mp``: the standard library
  with that prefix set). Untagged new ``sem.mp-*`` entries belong
  to other runs and are ignored. The kit creates no ``psm_``/``wnsm_`` entry (RawArray uses an
  anonymous arena), and their names cannot be tagged: a new one counts as leaked when it is still
  there once the run's processes are gone and no live process maps it.
- **scratch**: the kit's own directory of sockets and boards (``ipc-spec-*`` in the run's
  ``TMPDIR``), removed by the harness, or by its host when the harness was killed.
- **warnings**: the resource tracker's "leaked ... objects to clean up at shutdown" warning, on
  the run's stderr. The runs use ``--capture=sys``: under the default ``--capture=fd``, file
  descriptor 2 points at pytest's capture file while a test runs, so the resource tracker and the
  forkserver (started during a test) would write their warnings into a file that is then thrown
  away, and the check could not fail.

``test_detector_catches`` shows that each of the three checks fails on a run that leaves that thing
behind. Linux only (``/proc``, ``/dev/shm``).
"""

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid

import pytest

from ipc_spec.errors import Deadlock
from ipc_spec.harness import Make
from ipc_spec.history import call

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and os.path.isdir("/dev/shm")),
                                reason="finds a run's processes in /proc and its entries in /dev/shm "
                                       "(Linux only)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHM = "/dev/shm"
SHM_PREFIXES = ("sem.mp-", "psm_", "wnsm_")
#: Seconds a run may take before it counts as hung (generous: the machine is loaded).
RUN_TIMEOUT = 150.0
#: Seconds the run's processes get to exit after the pytest process did, before they are stragglers.
#: Seconds an unmapped /dev/shm entry the run did not tag must stay to count as left by it.
SHM_SETTLE_SECONDS = 1.0
STRAGGLER_SECONDS = 10.0
#: Seconds to wait for the hung example's marker file.
MARKER_TIMEOUT = 120.0

#: The generated test module. ``test_passes`` is a property test; the others are the hung and
#: crashing scenarios. Each of them writes the ``running`` marker file once the hung example is
#: under way (both waiters blocked in the Barrier, seen through the parent's copy of it).
SCENARIOS = '''
import multiprocessing.process
import os
import threading
import time

from hypothesis import given
from hypothesis import strategies as st

from ipc_spec.harness import Make
from ipc_spec.history import call
from ipc_spec.plugin import property_settings
from ipc_spec.specs import barrier as spec

TAG = "ipcrun" + os.environ["IPC_SPEC_RUN_MARK"][:12]
multiprocessing.process.current_process()._config["semprefix"] = "/mp-" + TAG
MARKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "running")


def barrier(parties):
    return Make("Barrier", parties)


@property_settings(max_examples=5, database=None)
@given(st.integers(1, 4))
def test_passes(ipc_env, parties):
    ipc_env.provision([barrier(n) for n in range(1, 5)], 4)
    history = ipc_env.run({"b": barrier(parties)}, [[call("b", "wait")] for _ in range(parties)])
    spec.check_generations(history, "b", parties, 1)


def _when_waiting(objects, count, then):
    """In a thread: once ``count`` workers are in the example's first step (its Barrier wait, as
    their status on the crew's board says), ``then()``."""
    crew = objects.crew

    def watch():
        limit = time.monotonic() + 120
        while time.monotonic() < limit:
            if crew.board is not None and all(crew.status(i) == 0 for i in range(count)):
                then()
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, name="scenario-watch")
    thread.daemon = True
    thread.start()


def _write_marker():
    with open(MARKER, "w") as f:
        f.write("running\\n")


def _hung_example(ipc_env, pause=0.0, then=_write_marker):
    """Barrier(3), two waiters: never finishes."""
    ipc_env.provision([barrier(3)], 2)
    objects = ipc_env.allocate({"b": barrier(3)}, 2)
    _when_waiting(objects, 2, then)
    ipc_env.run(objects, [[call("b", "wait", pause=pause)] for _ in range(2)])


@property_settings(max_examples=3, database=None)
@given(st.sampled_from([0.0, 0.001]))
def test_hangs(ipc_env, pause):
    _hung_example(ipc_env, pause)


def test_hangs_once(ipc_env):
    """Not a Hypothesis test: Hypothesis would take pytest-timeout's failure for the test's and
    replay the example, waiting out the harness's deadline."""
    _hung_example(ipc_env)


def test_crashes(ipc_env):
    """Ends the process running it (an xdist worker) while its crew is in a hung example."""
    ipc_env.provision([barrier(2)], 2)
    ipc_env.run({"b": barrier(2)}, [[call("b", "wait")] for _ in range(2)])
    _hung_example(ipc_env, then=lambda: os._exit(3))
'''

#: The implementation the runs test: the standard library's, with the semaphore name prefix of the
#: process that builds the objects (the kit's host, which imports this module) set to the run's tag.
TAGGED = '''
import multiprocessing
import multiprocessing.process
import os

TAG = "ipcrun" + os.environ["IPC_SPEC_RUN_MARK"][:12]
multiprocessing.process.current_process()._config["semprefix"] = "/mp-" + TAG


class _Context(object):
    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        if name.startswith("__") or name == "_real":
            raise AttributeError(name)  # pickle's lookups (a worker may be handed the context)
        return getattr(self._real, name)


def get_context(method):
    return _Context(multiprocessing.get_context(method))


get_all_start_methods = multiprocessing.get_all_start_methods
'''

#: A module whose tests leave behind what the checks look for, to show that they can fail.
LEAKY = '''
import multiprocessing.process
import os
import subprocess
import sys

import _multiprocessing
from multiprocessing import resource_tracker

TAG = "ipcrun" + os.environ["IPC_SPEC_RUN_MARK"][:12]
SEMAPHORE = 1  # _multiprocessing's kind for a plain semaphore


def test_orphan():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)


def test_shm_entry():
    _multiprocessing.SemLock(SEMAPHORE, 1, 1, "/mp-%s-left" % TAG, False)


def test_untracked_shm_entry():
    from multiprocessing import shared_memory
    shm = shared_memory.SharedMemory(create=True, size=16)
    resource_tracker.unregister(shm._name, "shared_memory")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "left-shm"), "w") as f:
        f.write(shm.name)
    shm.close()


def test_tracker_warning():
    name = "/mp-%s-tracked" % TAG
    _multiprocessing.SemLock(SEMAPHORE, 1, 1, name, False)
    resource_tracker.register(name, "semaphore")  # and never unregistered: the tracker reclaims it
'''

#: Environment variables of an enclosing run that must not reach the runs under test.
CLEARED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_TIMEOUT", "PYTEST_XDIST_WORKER",
           "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST",
           "IPC_SPEC_START_METHOD", "IPC_SPEC_IMPL", "IPC_SPEC_DEADLINE", "IPC_SPEC_RUN_MARK")


def interruptible():
    """In a run's process, before it starts: SIGINT at its default, as in a terminal, even when
    this test run was started with SIGINT ignored (as a shell starts a background job): else the
    run could not be interrupted, and Python would not even install its KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _shm_entries():
    return {n for n in os.listdir(SHM) if n.startswith(SHM_PREFIXES)}


def _mapped(names):
    """The ones among ``names`` (/dev/shm entries) that some live process maps."""
    paths = {os.path.join(SHM, n): n for n in names}
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/maps" % pid) as f:
                for line in f:
                    path = line.rstrip("\n").split(None, 5)[-1]
                    if path in paths:
                        found.add(paths[path])
        except (OSError, IndexError):
            continue
    return found


def _marked(mark):
    """``{pid: command line}`` of the live processes whose environment carries ``mark``."""
    needle = ("IPC_SPEC_RUN_MARK=%s" % mark).encode()
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                found[int(pid)] = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:  # gone, or a zombie
            continue
    return found


class Run(object):
    """One ``python -m pytest`` subprocess on a generated module, and what it left behind."""

    def __init__(self, path, method, args, source=SCENARIOS):
        self.path = path
        self.mark = uuid.uuid4().hex
        self.tag = "ipcrun" + self.mark[:12]
        path.joinpath("pytest.ini").write_text("[pytest]\n")  # rootdir here, no outer ini
        path.joinpath("test_scenario.py").write_text(textwrap.dedent(source))
        path.joinpath("tagged_mp.py").write_text(textwrap.dedent(TAGGED))
        self.marker = path / "running"
        self.args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--capture=sys",
                     "-q", "-rfE", "--start-method=%s" % method, "--ipc-impl=tagged_mp"] + list(args)
        self.proc = None
        self.rc = None
        self.seconds = None
        self.out = self.err = ""

    def start(self):
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env["IPC_SPEC_RUN_MARK"] = self.mark
        # Where the kit's host and harness keep sockets and boards: a short path of its own, for a
        # forkserver's socket path (under it) must stay within AF_UNIX's 108 bytes, whatever the
        # length of pytest's tmp_path.
        self.scratch = pathlib.Path(tempfile.mkdtemp(prefix="ipcs-", dir="/tmp"))
        env["TMPDIR"] = str(self.scratch)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.before = _shm_entries()
        self.started = time.monotonic()
        with open(str(self.path / "stdout"), "wb") as out, open(str(self.path / "stderr"), "wb") as err:
            # A session of its own: a signal meant for it reaches nothing else, ours included.
            self.proc = subprocess.Popen(self.args, cwd=str(self.path), env=env, stdout=out,
                                         stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=interruptible)
        return self

    def wait_for_marker(self):
        """Wait until the hung example is under way (its ``running`` marker exists)."""
        limit = time.monotonic() + MARKER_TIMEOUT
        while not self.marker.exists():
            if self.proc.poll() is not None:
                self.finish()
                pytest.fail("the run ended before its hung example was under way:\n" + self.output())
            if time.monotonic() > limit:
                self.kill()
                pytest.fail("no hung example under way after %.0f s" % MARKER_TIMEOUT)
            time.sleep(0.01)

    def finish(self, timeout=RUN_TIMEOUT):
        """Wait for the pytest process to exit; a run that does not is killed, and fails the test."""
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("the run did not finish within %.0f s; killed it:\n%s" % (timeout, self.output()))
        self.seconds = time.monotonic() - self.started
        return self.rc

    def output(self):
        read = lambda name: self.path.joinpath(name).read_bytes().decode("utf-8", "replace")
        self.out, self.err = read("stdout"), read("stderr")
        return "--- stdout ---\n%s\n--- stderr ---\n%s" % (self.out[-6000:], self.err[-4000:])

    def leftovers(self, straggler_seconds=STRAGGLER_SECONDS):
        """What the finished run left: ``{"processes": ..., "shm": ..., "warnings": ...}``, each
        a list, empty when nothing was left. Stragglers get ``straggler_seconds`` to exit."""
        limit = time.monotonic() + straggler_seconds
        alive = _marked(self.mark)
        while alive and time.monotonic() < limit:
            time.sleep(0.05)
            alive = _marked(self.mark)
        self.output()  # once the run's processes are gone: the resource tracker writes last
        new = _shm_entries() - self.before
        ours = {n for n in new if n.startswith("sem.mp-%s-" % self.tag)}
        # An entry another test made meanwhile (xdist runs tests side by side) is mapped by its
        # processes, or goes away once they are done with it: what is left, unmapped, for a
        # second is this run's.
        untagged = {n for n in new if not n.startswith("sem.mp-")}
        settled = time.monotonic() + SHM_SETTLE_SECONDS
        while True:
            untagged -= _mapped(untagged)
            untagged &= _shm_entries()  # still there
            if not untagged or time.monotonic() >= settled:
                break
            time.sleep(0.05)
        warnings = [line for line in (self.out + self.err).splitlines()
                    if "resource_tracker" in line and "leaked" in line]
        scratch = sorted(n for n in os.listdir(str(self.scratch)) if n.startswith("ipc-spec-"))
        return {"processes": ["%d: %s" % item for item in sorted(alive.items())],
                "shm": sorted(ours | untagged), "warnings": warnings, "scratch": scratch}

    def kill(self):
        """Kill whatever the run left running (its processes only, found by their mark)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for _ in range(50):
            alive = _marked(self.mark)
            if not alive:
                return
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)

    def remove_leftovers(self):
        """Unlink this run's own /dev/shm entries (tagged, or named in a ``left-shm`` file), and
        remove its scratch directory."""
        shutil.rmtree(str(getattr(self, "scratch", "")) or "/nonexistent", ignore_errors=True)
        names = {n for n in _shm_entries() if n.startswith("sem.mp-%s-" % self.tag)}
        listed = self.path / "left-shm"
        if listed.exists():
            names.add(listed.read_text().strip().lstrip("/"))
        for name in names:
            try:
                os.unlink(os.path.join(SHM, name))
            except OSError:
                pass


@pytest.fixture
def kit_run(tmp_path):
    """``kit_run(method, *args, source=SCENARIOS)``: a started :class:`Run`; whatever it leaves
    is killed and removed afterwards, whether the test passed or not."""
    runs = []

    def start(method, *args, **kwargs):
        run = Run(tmp_path, method, args, **kwargs)
        runs.append(run)
        return run.start()

    yield start
    for run in runs:
        run.kill()
        run.remove_leftovers()


NOTHING = {"processes": [], "shm": [], "warnings": [], "scratch": []}


def assert_clean(run, allow_warnings=False):
    left = run.leftovers()
    if allow_warnings:
        left["warnings"] = []
    assert left == NOTHING, "the run (exit code %s, %.1f s) left %r\n%s" % (
        run.rc, run.seconds, left, run.output())


def test_passing_run(kit_run, start_method):
    run = kit_run(start_method, "-k", "passes")
    assert run.finish() == 0, run.output()
    assert_clean(run)


#: The fault properties, on the tagged implementation: their victims die by SIGKILL, SIGTERM and
#: SIGINT holding semaphores (a Lock, a Value's lock) and inside a Pipe's send().
FAULTS = """
from ipc_spec.suite.test_faults import FaultProperties


class TestFaults(FaultProperties):
    pass
"""


def test_fault_run(kit_run, start_method):
    """Processes killed inside their calls, holding locks: every one is reaped, every semaphore
    reclaimed, a worker that was a manager's server leaves no socket, and nothing is left."""
    run = kit_run(start_method, "-k", "lock_holder or value_writer or pipe_peer or manager_killed",
                  source=FAULTS)
    assert run.finish() == 0, run.output()
    assert_clean(run)


#: The Process properties, on the tagged implementation: children that end in every way, and
#: daemonic grandchildren.
PROCESSES = """
from ipc_spec.suite.test_process import ProcessProperties


class TestProcess(ProcessProperties):
    pass
"""


def test_process_run(kit_run, start_method):
    """Children started by the kit's workers, ended every way, some never told to end: each is
    reaped, and nothing is left."""
    run = kit_run(start_method, "-k", "lifecycle or daemon", source=PROCESSES)
    assert run.finish() == 0, run.output()
    assert_clean(run)


def test_process_deadlocked_run(kit_run, start_method):
    """A join() that never returns: a Deadlock naming it, and the children of the killed worker
    end too (end-of-file on their socket), leaving nothing."""
    run = kit_run(start_method, "-k", "lifecycle", "--ipc-deadline=1",
                  "--ipc-impl=tests.broken.process:join_hangs", source=PROCESSES)
    assert run.finish() == 1, run.output()
    text = run.output()
    assert "Deadlock: the example did not finish" in text, text
    assert "ctx.process:join!(" in text, text
    assert_clean(run)


LISTENERS = """
from ipc_spec.suite.test_listener import ListenerProperties


class TestListener(ListenerProperties):
    pass
"""


def test_listener_run(kit_run, start_method):
    """Listeners on every kind of address, hostile peers, children that connect and sentinels
    waited on: nothing is left, no socket file either (the run's temporary directory is its own,
    and :func:`assert_clean` looks in it)."""
    run = kit_run(start_method, "-k", "close or authkey or hostile_client or wait_mixed",
                  source=LISTENERS)
    assert run.finish() == 0, run.output()
    assert_clean(run)


#: Manager proxies: the proxy family, and a Manager Lock held by one worker while another waits
#: for it forever.
MANAGERS = """
import os

from ipc_spec.harness import Make
from ipc_spec.history import call
from ipc_spec.ops import manager
from ipc_spec.suite import test_proxy

MARKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "running")


class TestProxy(test_proxy.TestProxy):
    pass


def test_manager_hangs_once(ipc_env):
    lock = Make(manager.managed_Lock)
    ipc_env.provision([lock], 2)
    objects = ipc_env.allocate({"l": lock}, 2)
    ipc_env.run(objects, [[call("l", "acquire")]])
    with open(MARKER, "w") as f:
        f.write("running\\n")
    ipc_env.run(objects, [[], [call("l", "acquire")]])
"""


def test_manager_run(kit_run, start_method):
    """dict, list and Namespace proxies of the host's manager, and the managers a worker starts
    for a user's types: their server processes are shut down and reaped, and nothing is left."""
    run = kit_run(start_method, "-k", "dict_shared or namespace or nested or user_manager",
                  source=MANAGERS)
    assert run.finish() == 0, run.output()
    assert_clean(run)


def test_manager_failing_run(kit_run, start_method):
    """A broken manager (its dict proxy keeps writes to itself): the property fails, and the
    broken manager's server is gone with the run."""
    run = kit_run(start_method, "-k", "dict_shared", "--ipc-impl=tests.broken.proxy:local_writes_dict",
                  source=MANAGERS)
    assert run.finish() == 1, run.output()
    assert "proxy.dict_shared" in run.output(), run.output()
    assert_clean(run)


def test_user_manager_failing_run(kit_run, start_method):
    """A broken user manager (its objects not shared): the property fails, and the servers the
    workers started are gone with the run."""
    run = kit_run(start_method, "-k", "user_manager",
                  "--ipc-impl=tests.broken.proxy:fresh_tallies", source=MANAGERS)
    assert run.finish() == 1, run.output()
    assert "proxy.connect" in run.output(), run.output()
    assert_clean(run)


def test_manager_deadlocked_run(kit_run, start_method):
    """A Manager Lock's acquire() that never returns: a Deadlock naming it, and nothing left."""
    run = kit_run(start_method, "-k", "manager_hangs_once", "--ipc-deadline=1", source=MANAGERS)
    assert run.finish() == 1, run.output()
    text = run.output()
    assert "Deadlock: the example did not finish" in text, text
    assert "l.acquire(" in text, text
    assert_clean(run)


def test_manager_killed_run(kit_run, start_method):
    """The pytest process is SIGKILLed while a worker waits on a Manager Lock: the host, the
    workers and the manager's server (its watchdog sees the host gone) all end."""
    run = kit_run(start_method, "-k", "manager_hangs_once", "--ipc-deadline=60", source=MANAGERS)
    run.wait_for_marker()
    os.kill(run.proc.pid, signal.SIGKILL)
    assert run.finish() == -signal.SIGKILL, run.output()
    assert_clean(run, allow_warnings=True)


#: The Pool properties, and a Pool whose get(timeout) waits for ever (the test writes the marker
#: once the task is under way: its gate directory exists).
POOLS = """
import glob
import os
import threading
import time

from ipc_spec import _wire
from ipc_spec.history import macro
from ipc_spec.suite import test_pool

MARKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "running")


class TestPool(test_pool.TestPool):
    pass


def _mark_when_gated():
    limit = time.monotonic() + 120
    while time.monotonic() < limit:
        if glob.glob(os.path.join(_wire.scratch_dir(), "*", "pool-gate-*")) or \\
                glob.glob(os.path.join(_wire.scratch_dir(), "pool-gate-*")):
            with open(MARKER, "w") as f:
                f.write("running\\n")
            return
        time.sleep(0.005)


def test_pool_hangs_once(ipc_env):
    threading.Thread(target=_mark_when_gated, daemon=True).start()
    ctx = test_pool.Native.context()
    ipc_env.provision([ctx], 1)
    ipc_env.run({"ctx": ctx}, [[macro("ctx", "pool:get_timeout", 2, 0.0, 0.0)]])
"""


def test_pool_run(kit_run, start_method):
    """Pools of every size, and Pools made and ended per example: every pool process is reaped
    with its pool or its worker, and nothing is left."""
    run = kit_run(start_method, "-k", "TestPool", source=POOLS)
    assert run.finish() == 0, run.output()
    assert_clean(run)


def test_pool_deadlocked_run(kit_run, start_method):
    """A get(timeout) that waits for its task for ever: a Deadlock naming the step, and the pool's
    processes end with the killed worker (their watchdog), leaving nothing. Under spawn and
    forkserver the Pool's named semaphores were the killed worker's: the resource tracker
    reclaims them and says so (that warning is expected here: nothing else could release
    them)."""
    run = kit_run(start_method, "-k", "pool_hangs_once", "--ipc-deadline=1",
                  "--ipc-impl=tests.broken.pool:ignores_timeout", source=POOLS)
    assert run.finish() == 1, run.output()
    text = run.output()
    assert "Deadlock: the example did not finish" in text, text
    assert "ctx.pool:get_timeout!(" in text, text
    assert_clean(run, allow_warnings=True)


def test_pool_killed_run(kit_run, start_method):
    """The pytest process is SIGKILLed while a pool task runs: the host, the workers and the
    pool's processes all end."""
    run = kit_run(start_method, "-k", "pool_hangs_once", "--ipc-deadline=60",
                  "--ipc-impl=tests.broken.pool:ignores_timeout", source=POOLS)
    run.wait_for_marker()
    os.kill(run.proc.pid, signal.SIGKILL)
    assert run.finish() == -signal.SIGKILL, run.output()
    assert_clean(run, allow_warnings=True)


EXECUTORS = """
from ipc_spec.suite import test_executor


class TestExecutor(test_executor.TestExecutor):
    pass
"""


def test_executor_run(kit_run, start_method):
    """ProcessPoolExecutors kept across examples, made and shut down per example, and broken by a
    call that ends its process: every executor process is reaped, and nothing is left."""
    run = kit_run(start_method, "-k", "submit or shutdown or initializer or (broken and not "
                  "tasks)", source=EXECUTORS)
    assert run.finish() == 0, run.output()
    assert_clean(run)


def test_failing_run(kit_run, start_method):
    """A Barrier that gives two waiters the same index: the property fails (and Hypothesis
    shrinks it), and nothing is left."""
    run = kit_run(start_method, "-k", "passes", "--ipc-impl=tests.broken.barrier:duplicate_index")
    assert run.finish() == 1, run.output()
    assert "barrier.indices" in run.output(), run.output()
    assert_clean(run)


def test_deadlocked_run(kit_run, start_method):
    """Barrier(3) with two waiters and a 1 s deadline: a Deadlock naming both blocked processes and
    their step, within bounded time, and nothing left."""
    run = kit_run(start_method, "-k", "hangs and not once", "--ipc-deadline=1")
    assert run.finish() == 1, run.output()
    text = run.output()
    assert "Deadlock: the example did not finish" in text, text
    # Both waiters are named; under load a worker may not have begun its step within the shorter
    # deadline of a replayed example ("never reported back"), but one of them has.
    for proc in (0, 1):
        assert "process %d: " % proc in text, text
    assert ": blocked in step 1 of 1: b.wait(" in text, text
    assert_clean(run)


def test_timeout_first(kit_run, start_method):
    """pytest-timeout fires (3 s) long before the harness's deadline (60 s): nothing left."""
    run = kit_run(start_method, "-k", "hangs_once", "--timeout=3", "--ipc-deadline=60")
    assert run.finish() == 1, run.output()
    assert "Timeout" in run.output(), run.output()
    assert run.seconds < 55, "the run took %.1f s: the harness's deadline, not the timeout, ended it" % (
        run.seconds)
    assert_clean(run)


@pytest.mark.parametrize("target", ["pytest", "group"])
def test_interrupted_run(kit_run, start_method, target):
    """SIGINT while an example hangs, to the pytest process or (as Ctrl-C in a terminal does) to its
    whole process group: the run stops as interrupted, and nothing is left."""
    run = kit_run(start_method, "-k", "hangs_once")
    run.wait_for_marker()
    if target == "group":
        os.killpg(run.proc.pid, signal.SIGINT)
    else:
        os.kill(run.proc.pid, signal.SIGINT)
    assert run.finish() == 2, run.output()  # pytest's ExitCode.INTERRUPTED
    assert "KeyboardInterrupt" in run.output(), run.output()
    assert_clean(run)


@pytest.mark.parametrize("how", ["sigkill", "timeout-thread"])
def test_killed_run(kit_run, start_method, how):
    """The pytest process dies with no chance to clean up while an example hangs: SIGKILL, or
    pytest-timeout's thread method (which ends the process with os._exit). Its workers notice
    and leave; the resource tracker reclaims the semaphores (and says so: that warning is expected
    here, nothing else could release them)."""
    if how == "sigkill":
        run = kit_run(start_method, "-k", "hangs_once")
        run.wait_for_marker()
        os.kill(run.proc.pid, signal.SIGKILL)
        assert run.finish() == -signal.SIGKILL, run.output()
    else:
        run = kit_run(start_method, "-k", "hangs_once", "--timeout=3", "--timeout-method=thread",
                      "--ipc-deadline=60")
        assert run.finish() == 1, run.output()
        assert "Timeout" in run.output(), run.output()
    assert_clean(run, allow_warnings=True)


def test_crashed_xdist_worker(kit_run, start_method):
    """An xdist worker ends (os._exit) while its crew is in a hung example: nothing is left. The
    resource tracker of the dead worker reclaims its semaphores, and may say so (a "leaked" warning
    is then expected, not a defect: nothing else could release them)."""
    run = kit_run(start_method, "-n", "2", "--max-worker-restart=0", "-k", "passes or crashes")
    assert run.finish() == 1, run.output()
    assert "crashed" in run.output(), run.output()
    assert_clean(run, allow_warnings=True)


@pytest.mark.parametrize("test, found", [
    ("test_orphan", "processes"),
    ("test_shm_entry", "shm"),
    ("test_untracked_shm_entry", "shm"),
    ("test_tracker_warning", "warnings"),
])
def test_detector_catches(kit_run, test, found):
    """Each check fails on a run that leaves the thing it looks for."""
    run = kit_run("fork", "-k", test, source=LEAKY)
    assert run.finish() == 0, run.output()
    left = run.leftovers(straggler_seconds=1.0)
    assert left[found], "the %s check missed what %s left: %r\n%s" % (found, test, left, run.output())
    assert all(not v for k, v in left.items() if k != found), left


class _Interrupt(Exception):
    pass


def test_interrupted_example_leaves_no_busy_crew(make_env):
    env = make_env(deadline=2.0)
    env.provision([Make("Barrier", 3), Make("Barrier", 1)], 2)
    objects = env.allocate({"b": Make("Barrier", 3)}, 2)
    crew = objects.crew

    def interrupt_when_waiting():  # once both waiters are in wait(): raise in the main thread
        limit = time.monotonic() + 60
        while (crew.status(0), crew.status(1)) != (0, 0) and time.monotonic() < limit:
            time.sleep(0.005)
        time.sleep(0.05)  # to let them block, not to synchronise: an earlier interrupt does as well
        os.kill(os.getpid(), signal.SIGUSR1)

    def handler(signum, frame):
        raise _Interrupt()

    old = signal.signal(signal.SIGUSR1, handler)
    try:
        threading.Thread(target=interrupt_when_waiting, daemon=True).start()
        with pytest.raises(_Interrupt):
            env.run(objects, [[call("b", "wait")] for _ in range(2)], deadline=60.0)
    finally:
        signal.signal(signal.SIGUSR1, old)
    try:
        history = env.run({"b": Make("Barrier", 1)}, [[call("b", "wait")]])
    except Deadlock as exc:
        pytest.fail("the example after the interrupted one ran on its busy crew:\n%s" % exc)
    assert [op.result for op in history.ops] == [0]
