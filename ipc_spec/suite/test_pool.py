"""Pool properties (see ``ipc_spec.specs.pool`` for the semantics checked).

The object of an example is the implementation's context; process 0 of the crew, a kit worker,
makes the Pools and calls them (``ipc_spec.ops.pool``). The result properties (map, apply,
get(timeout)) share one Pool per size in that worker across their examples, as a program keeps
its pool; the properties about the pool's own processes (initializer, maxtasksperchild, close,
terminate, the with block) make a Pool per example, and take a share of the profile's examples.

The properties are methods of :class:`PoolProperties`, bound to a *flavour*: an object that
builds the object of an example and names the sizes of pool to use. :class:`TestPool` binds them
to the implementation's ``ctx.Pool``.
"""

from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import Make, checks, macro, property_settings, share_of_profile
from ipc_spec.ops.pool import ERRORS
from ipc_spec.specs import late
from ipc_spec.specs import pool as spec

#: Seconds a task sleeps, drawn per task: the order tasks end in varies; no check depends on it.
DELAYS = (0.0, 0.0, 0.001, 0.003)
#: Pool sizes.
SIZES = (1, 2, 3)
#: The share of the profile's examples for the properties that start a Pool per example.
SHARE = 0.25


def context(ctx):
    """The implementation's context itself: what the worker makes its Pools with."""
    return ctx


context.clause = "pool"


class Native(object):
    """``ctx.Pool``."""

    name = "native"
    sizes = SIZES

    @staticmethod
    def context():
        return Make(context).recycled_by(spec.reset, often=True)


def step(function, *args):
    """The step ``ctx.pool:<function>!(...)``: ``ipc_spec.ops.pool.<function>``."""
    return macro("ctx", "pool:" + function, *args)


def flavour_of(draw):
    return draw(st.runner()).flavour


@st.composite
def items(draw, max_size=12, fails=False):
    """Tasks ``(value, delay, fail)``, their values distinct (so that a result given twice
    shows)."""
    values = draw(st.lists(st.integers(-50, 50), unique=True, max_size=max_size))
    fail = st.sampled_from(sorted(ERRORS)) if fails else st.none()
    return [(v, draw(st.sampled_from(DELAYS)), draw(st.none() | fail) if fails else None)
            for v in values]


MAP_METHODS = ("map", "map_async", "starmap", "starmap_async", "imap", "imap_unordered")


@st.composite
def map_plans(draw):
    size = draw(st.sampled_from(flavour_of(draw).sizes))
    method = draw(st.sampled_from(MAP_METHODS))
    chunksize = draw(st.sampled_from((None, 1, 2, 3, 7)))
    return size, method, chunksize, draw(items())


@st.composite
def apply_plans(draw):
    size = draw(st.sampled_from(flavour_of(draw).sizes))
    tasks = draw(items(max_size=6, fails=True).filter(bool))
    return size, draw(st.booleans()), tasks


@st.composite
def imap_plans(draw):
    size = draw(st.sampled_from(flavour_of(draw).sizes))
    method = draw(st.sampled_from(("imap", "imap_unordered")))
    count = draw(st.integers(1, 6))
    held = count - 1 if method == "imap_unordered" else draw(st.integers(0, count - 1))
    return size, method, count, held, draw(st.sampled_from((0.0, 0.01, 0.03)))


@st.composite
def worker_plans(draw):
    size = draw(st.sampled_from(flavour_of(draw).sizes))
    maxtasks = draw(st.none() | st.integers(1, 3))
    delays = draw(st.lists(st.sampled_from(DELAYS), min_size=1, max_size=8))
    return size, draw(st.integers(0, 1000)), maxtasks, delays


class PoolProperties(object):
    """The Pool properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def _run(self, ipc_env, the_step):
        ipc_env.provision([self.flavour.context()], 1)
        return ipc_env.run({"ctx": self.flavour.context()}, [[the_step]])

    @checks("pool.map_order", "pool.unordered")
    @property_settings()
    @given(map_plans())
    @example(plan=(1, "map", None, [(1, 0.0, None), (2, 0.0, None)]))
    @example(plan=(2, "imap_unordered", 1, [(1, 0.0, None), (2, 0.0, None), (3, 0.0, None)]))
    def test_map(self, ipc_env, plan):
        """``map``, ``map_async``, ``starmap``, ``starmap_async``, ``imap`` and
        ``imap_unordered`` of 0-12 tasks (each with a drawn short sleep, so they end in varying
        orders) with a drawn chunksize: one result per task, in order (``imap_unordered``: each
        exactly once)."""
        size, method, chunksize, tasks = plan
        history = self._run(ipc_env, step("map", size, method, tasks, chunksize))
        prop = "pool.unordered" if method == "imap_unordered" else "pool.map_order"
        spec.check_map(history, method, tasks, prop, "Pool(%d).%s(..., chunksize=%r)" % (
            size, method, chunksize))

    @checks("pool.errors", "pool.callbacks")
    @property_settings()
    @given(apply_plans())
    def test_apply(self, ipc_env, plan):
        """1-6 tasks, some raising ValueError, KeyError or an exception type of the kit's, each by
        ``apply`` or by ``apply_async`` with a callback and an error_callback: each result is the
        task's, each exception raised again with its type and arguments, ``successful()`` and
        ``ready()`` say so, and exactly one callback per task is called, in the calling
        process."""
        size, sync, tasks = plan
        history = self._run(ipc_env, step("apply", size, tasks, sync))
        spec.check_apply(history, tasks, sync, "Pool(%d)" % size)

    @checks("pool.get_timeout")
    @property_settings()
    @given(st.sampled_from(SIZES), st.sampled_from((0.0, 0.01, 0.03)),
           st.sampled_from((0.0, 0.01, 0.03)))
    def test_get_timeout(self, ipc_env, size, timeout, wait_timeout):
        """A task that runs until the caller lets it go: ``get(timeout)`` raises TimeoutError and
        ``wait(timeout)`` returns, each by its timeout (not before, within LATE after), with
        ``ready()`` False; then, let go, its ``get()`` returns its result."""
        size = min(size, max(self.flavour.sizes))
        history = self._run(ipc_env, step("get_timeout", size, timeout, wait_timeout))
        spec.check_get_timeout(history, timeout, wait_timeout, "Pool(%d)" % size)

    @checks("pool.imap_lazy")
    @property_settings()
    @given(imap_plans())
    @example(plan=(2, "imap", 3, 1, 0.01))
    def test_imap_held(self, ipc_env, plan):
        """``imap`` (``imap_unordered``) of 1-6 tasks with chunksize 1, one held until the caller
        lets it go (for ``imap_unordered``, the last): the results that need no held task come
        before it ends, ``next(timeout)`` for it raises TimeoutError by its timeout (not before,
        within LATE after), and once let go the rest follow, then StopIteration."""
        size, method, count, held, timeout = plan
        history = self._run(ipc_env, step("imap_held", size, method, count, held, timeout,
                                          late()))
        spec.check_imap(history, method, count, held, timeout,
                        "Pool(%d).%s(..., chunksize=1)" % (size, method))

    @checks("pool.initializer", "pool.maxtasksperchild", "pool.lifecycle")
    @share_of_profile(SHARE)
    @given(worker_plans())
    def test_workers(self, ipc_env, plan):
        """``Pool(processes, initializer, (token,), maxtasksperchild)`` runs 1-8 tasks that say
        which process ran them: each of those processes called the initializer once, with the
        token, before its tasks; none completed more than maxtasksperchild tasks (with none, no
        more processes ran tasks than the pool has); after ``close()`` and ``join()`` they have
        all exited."""
        size, token, maxtasks, delays = plan
        history = self._run(ipc_env, step("workers", size, token, maxtasks, delays, late()))
        spec.check_workers(history, size, token, maxtasks, len(delays),
                           "Pool(%d, initializer, (%r,), maxtasksperchild=%r)" % (
                               size, token, maxtasks))

    @checks("pool.lifecycle")
    @share_of_profile(SHARE)
    @given(st.sampled_from(SIZES), st.sampled_from(("with", "terminate", "close")),
           st.lists(st.sampled_from(DELAYS), min_size=1, max_size=6))
    def test_lifecycle(self, ipc_env, size, how, delays):
        """A Pool that ran 1-6 tasks, ended by leaving its ``with`` block, by ``terminate()`` and
        ``join()``, or by ``close()`` (after which a submission is refused, while those before it
        finish) and ``join()``: once that returns, every process of the pool has exited."""
        size = min(size, max(self.flavour.sizes))
        history = self._run(ipc_env, step("lifecycle", size, how, delays, late()))
        spec.check_lifecycle(history, how, len(delays), "Pool(%d)" % size)


class TestPool(PoolProperties):
    """The implementation's ``ctx.Pool``."""

    flavour = Native

    @checks("pool.worker_killed")
    @share_of_profile(SHARE)
    @given(st.sampled_from(SIZES), st.sampled_from((0.0, 0.01, 0.03)), st.integers(0, 4))
    def test_worker_killed(self, ipc_env, size, timeout, later):
        """A new Pool whose process running a task is killed (SIGKILL) inside it: that task's
        ``get(timeout)`` raises TimeoutError by its timeout (not before, within LATE after) and it
        is not ``ready()``; 0-4 later tasks each give a result from a live process that ran the
        initializer (or time out); ``terminate()`` and ``join()`` end every process seen."""
        size = min(size, max(self.flavour.sizes))
        history = self._run(ipc_env, step("worker_killed", size, timeout, later, late()))
        spec.check_worker_killed(history, timeout, "Pool(%d)" % size)
