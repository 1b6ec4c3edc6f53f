"""ProcessPoolExecutor properties (see ``ipc_spec.specs.executor`` for the semantics checked).

The object of an example is the implementation's context; process 0 of the crew, a kit worker,
makes the executors and calls them (``ipc_spec.ops.executor``): the standard library's
``concurrent.futures.ProcessPoolExecutor(mp_context=ctx)``, or loky's own executor for loky's
contexts (``--ipc-impl=loky.backend``: loky's verdict table). The result properties share one
executor per size in that worker across their examples; those about an executor's life (shutdown,
a worker that dies, the initializer, max_tasks_per_child) make one per example and take a share
of the profile's examples.
"""

import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import Make, checks, macro, property_settings, share_of_profile
from ipc_spec.ops.executor import Reusable
from ipc_spec.ops.pool import ERRORS
from ipc_spec.specs import executor as spec
from ipc_spec.specs import late
from ipc_spec.specs import pool as pool_spec

SIZES = (1, 2, 3)
DELAYS = (0.0, 0.0, 0.001, 0.003)
SHARE = 0.25


def context(ctx):
    """The implementation's context itself: what the worker makes its executors with."""
    return ctx


context.clause = "executor"
CONTEXT = Make(context).recycled_by(spec.reset, often=True)


def reusable(ctx):
    """The context marked for loky's ``get_reusable_executor`` (``ops.executor.Reusable``)."""
    return Reusable(ctx)


reusable.clause = "executor"
REUSABLE = Make(reusable).recycled_by(spec.reset, often=True)


class Native(object):
    """``ProcessPoolExecutor`` over the context (loky's own for loky's contexts)."""

    name = "native"
    context = CONTEXT


class ReusableFlavour(object):
    """loky's ``get_reusable_executor(max_workers, context=ctx, ...)``: one executor per thread,
    resized and reused; it takes no ``max_tasks_per_child``."""

    name = "reusable"
    context = REUSABLE


def step(function, *args):
    """The step ``ctx.executor:<function>!(...)``: ``ipc_spec.ops.executor.<function>``."""
    return macro("ctx", "executor:" + function, *args)


def run(env, the_step, obj=CONTEXT):
    """Run ``the_step`` in process 0; skip the test for a context that is not a multiprocessing
    context (``ops.executor.NotApplicable``: multiprocess's and billiard's have no executor)."""
    env.provision([obj], 1)
    history = env.run({"ctx": obj}, [[the_step]])
    op = history.of(0)[-1]
    if op.error == "NotApplicable":
        pytest.skip(op.message)
    return history


def bound(env):
    """Seconds an operation waits for what must come within LATE: LATE, or less when the
    example's deadline is short (a tenth of it), so that what does not come is reported as the
    clause's violation rather than as a deadlock."""
    return min(late(), env.deadline / 10)


def is_loky(env):
    return env.impl.split(".")[0] == "loky"


@st.composite
def tasks(draw, max_size=8, fails=False):
    values = draw(st.lists(st.integers(-50, 50), unique=True, max_size=max_size))
    fail = st.none() | st.sampled_from(sorted(ERRORS)) if fails else st.none()
    return [(v, draw(st.sampled_from(DELAYS)), draw(fail)) for v in values]


class ExecutorProperties(object):
    """The executor properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def _run(self, env, the_step):
        return run(env, the_step, self.flavour.context)

    @checks("executor.submit", "executor.errors", "executor.callbacks")
    @property_settings()
    @given(st.sampled_from(SIZES), tasks(max_size=6, fails=True).filter(bool))
    def test_submit(self, ipc_env, size, items):
        """1-6 calls by ``submit()``, some raising ValueError, KeyError or an exception type of
        the kit's, each with a done callback: once done, each future gives the call's result, or
        raises its exception again (``exception()`` returns it), and its callback was called
        once, with it, in the calling process; a callback added to a done future is called at
        once."""
        history = self._run(ipc_env, step("submit", size, items))
        spec.check_submit(history, items, pool_spec.expected_outcome,
                          "ProcessPoolExecutor(%d)" % size)

    @checks("executor.map_order")
    @property_settings()
    @given(st.sampled_from(SIZES), st.sampled_from((1, 2, 5)), tasks(max_size=12))
    @example(size=2, chunksize=1, items=[(1, 0.003, None), (2, 0.0, None)])
    def test_map(self, ipc_env, size, chunksize, items):
        """``map()`` of 0-12 calls (each with a drawn short sleep, so they end in varying orders)
        with a drawn chunksize: one result per call, in order."""
        history = self._run(ipc_env, step("map", size, items, chunksize))
        spec.check_map(history, items, [pool_spec.result_of(v) for v, _, _ in items],
                       "ProcessPoolExecutor(%d).map(..., chunksize=%d)" % (size, chunksize))

    @checks("executor.timeout")
    @property_settings()
    @given(st.sampled_from(SIZES), st.sampled_from((0.0, 0.01, 0.03)), st.booleans())
    def test_timeout(self, ipc_env, size, timeout, through_map):
        """A call held at a gate until the caller lets it go: ``result(timeout)``, or ``next()``
        of ``map(..., timeout=...)``, raises TimeoutError by its timeout (not before, within LATE
        after); let go, the call ends and the executor goes on."""
        what = "ProcessPoolExecutor(%d)" % size
        if through_map:
            spec.check_map_timeout(self._run(ipc_env, step("map_timeout", size, timeout)),
                                   timeout, what)
        else:
            spec.check_result_timeout(self._run(ipc_env, step("result_timeout", size, timeout)),
                                      timeout, what)

    @checks("executor.shutdown")
    @share_of_profile(SHARE)
    @given(st.sampled_from(SIZES), st.lists(st.sampled_from(DELAYS), max_size=8), st.booleans())
    def test_shutdown(self, ipc_env, size, delays, cancel):
        """A new executor given 0-8 calls, then ``shutdown(wait=True)`` (with
        ``cancel_futures=True``, from 3.9, and not offered by loky): every future is done, with
        its result or cancelled (only with cancel_futures), its processes have exited, and a
        later ``submit()`` raises RuntimeError."""
        cancel = cancel and sys.version_info >= (3, 9) and not is_loky(ipc_env)
        history = self._run(ipc_env, step("shutdown", size, delays, cancel, late()))
        spec.check_shutdown(history, cancel, "ProcessPoolExecutor(%d), shutdown(wait=True%s)" % (
            size, ", cancel_futures=True" if cancel else ""))

    @checks("executor.broken")
    @share_of_profile(SHARE)
    @given(st.sampled_from(SIZES), st.integers(0, 2), st.sampled_from(("exit", "kill")))
    def test_broken(self, ipc_env, size, pending, how):
        """A new executor with 0-2 calls held at a gate (fewer than its processes), then a call
        whose process ends abruptly
        (``os._exit(3)``, or SIGKILL): every future raises BrokenProcessPool within LATE, and a
        later ``submit()`` raises BrokenExecutor."""
        within = bound(ipc_env)
        history = self._run(ipc_env, step("broken", size, pending, how, within))
        spec.check_broken(history, within, "ProcessPoolExecutor(%d), a call that %s" % (
            size, "calls os._exit(3)" if how == "exit" else "SIGKILLs its process"))

    @checks("executor.initializer", "executor.shutdown")
    @share_of_profile(SHARE)
    @given(st.sampled_from(SIZES), st.integers(0, 1000),
           st.lists(st.sampled_from(DELAYS), min_size=1, max_size=8))
    def test_initializer(self, ipc_env, size, token, delays):
        """``initializer`` with ``initargs=(token,)``: every process that ran a call had called it
        once, with the token; no more processes than max_workers ran calls; after
        ``shutdown()`` they have all exited."""
        within = bound(ipc_env)
        history = self._run(ipc_env, step("workers", size, token, None, delays, within))
        spec.check_workers(history, size, token, None, len(delays), within,
                           "ProcessPoolExecutor(%d, initializer, (%r,))" % (size, token))

    @checks("executor.max_tasks_per_child", "executor.initializer")
    @share_of_profile(SHARE)
    @given(st.sampled_from(SIZES), st.integers(1, 3),
           st.lists(st.sampled_from(DELAYS), min_size=1, max_size=8))
    @example(size=1, max_tasks=2, delays=[0.0] * 5)
    def test_max_tasks_per_child(self, ipc_env, size, max_tasks, delays):
        """``max_tasks_per_child`` (3.11): every call is done, no process runs more calls than
        that, and each replacement calls the initializer once too. The executor runs in a child of
        the kit worker (``ops.executor.isolated``): one that stops running calls cannot hang the
        worker's exit."""
        if is_loky(ipc_env):
            pytest.skip("loky's ProcessPoolExecutor has no max_tasks_per_child")
        if sys.version_info < (3, 11):
            pytest.skip("max_tasks_per_child is new in 3.11")
        if ipc_env.method == "fork":
            pytest.skip("max_tasks_per_child is documented as incompatible with the fork start "
                        "method")
        within = bound(ipc_env)
        history = self._run(ipc_env, step("isolated", ipc_env.deadline / 2, "workers", size, 7,
                                    max_tasks, delays, within))
        spec.check_workers(history, size, 7, max_tasks, len(delays), within,
                           "ProcessPoolExecutor(%d, max_tasks_per_child=%d)" % (size, max_tasks))


class TestExecutor(ExecutorProperties):
    """ProcessPoolExecutor: the standard library's over the implementation's context, or loky's."""

    flavour = Native


class TestReusableExecutor(ExecutorProperties):
    """loky's get_reusable_executor (skipped for contexts that are not loky's)."""

    flavour = ReusableFlavour
    test_max_tasks_per_child = None  # loky's reusable executor takes no max_tasks_per_child

    @checks("executor.reusable")
    @share_of_profile(SHARE)
    @given(st.lists(st.sampled_from(SIZES), min_size=1, max_size=4))
    def test_reusable(self, ipc_env, sizes):
        """``get_reusable_executor(n)`` for 1-4 drawn sizes in turn, the other arguments the same:
        always the same executor, each running a call; once one of its processes died inside a
        call (BrokenProcessPool), ``get_reusable_executor`` gives a new one, which runs calls."""
        history = self._run(ipc_env, step("reusable", sizes, bound(ipc_env)))
        spec.check_reusable(history, sizes, "get_reusable_executor")
