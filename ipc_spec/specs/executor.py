"""``concurrent.futures.ProcessPoolExecutor``, as documented in ``Doc/library/concurrent.futures.rst``
(and loky's ``ProcessPoolExecutor``, which follows it).

"An Executor subclass that executes calls asynchronously using a pool of at most max_workers
processes", made with ``mp_context``, ``initializer``/``initargs`` and (3.11)
``max_tasks_per_child``. The kit's tasks are functions of ``ipc_spec.ops.pool``; the process that
makes the executor and calls it is a kit worker. What the kit checks:

- ``executor.submit``: ``submit(fn, *args)`` returns a Future; once ``wait()`` returned it is
  ``done()``, its ``result()`` is what the call returned, and its ``exception()`` None.
- ``executor.errors``: for a call that raised, ``result()`` "will raise the same exception" (type
  and arguments), and ``exception()`` returns it.
- ``executor.callbacks``: ``add_done_callback(fn)``: "fn will be called, with the future as its
  only argument, when the future is cancelled or finishes running", once, in the process that
  added it ("in a thread belonging to the process that added them"); "if the future has already
  completed or been cancelled, fn will be called immediately".
- ``executor.map_order``: ``map(fn, items, chunksize=...)`` gives one result per item, in the
  items' order, whatever the chunksize and whatever order the calls end in.
- ``executor.timeout``: ``result(timeout)`` of an unfinished future raises TimeoutError, and
  ``map(..., timeout=t)``'s iterator raises it "if __next__() is called and the result isn't
  available after timeout seconds from the original call to Executor.map()": not before the
  timeout, and within :data:`~ipc_spec.specs.LATE` after it.
- ``executor.shutdown``: ``shutdown(wait=True)`` "will not return until all the pending futures
  are done executing and the resources associated with the executor have been freed" (its
  processes have exited, within LATE); with ``cancel_futures=True`` (3.9) "all pending futures
  that the executor has not started running" are cancelled instead: every future is either
  cancelled or has its result; "calls to Executor.submit() ... made after shutdown will raise
  RuntimeError".
- ``executor.broken``: a worker process that "terminated in a non-clean fashion" (``os._exit``, or
  SIGKILL) breaks the pool: every pending future raises BrokenProcessPool, within LATE of the
  fatal call's submission, and a later ``submit()`` raises BrokenExecutor ("raised when an
  executor is broken for some reason, and cannot be used to submit or execute new tasks"). A
  subclass of the documented exception counts as it (loky's TerminatedWorkerError).
- ``executor.initializer``: "initializer is an optional callable that is called at the start of
  each worker process; initargs is a tuple of arguments passed to the initializer": once per
  process, before its tasks; no more processes ran tasks than ``max_workers``.
- ``executor.max_tasks_per_child``: "the maximum number of tasks a single process can execute
  before it will exit and be replaced with a fresh worker process" (3.11; "incompatible with the
  fork start method": not checked under fork).

loky's ``get_reusable_executor`` (the ``reusable`` flavour, ``--ipc-impl=loky.backend``; rows
``reusable:executor.*``) runs the same properties but ``max_tasks_per_child`` (it takes none),
and one more:

- ``executor.reusable``: "Return the current ReusableExecutor instance for the current thread.
  Start a new instance if it has not been started already or if the previous instance was left in
  a broken state. If the previous instance does not have the requested number of workers, the
  executor is dynamically resized": asked again with the same other arguments, for any number of
  workers, it is the same object, and runs calls; once a process of it died inside a call (whose
  future raises BrokenProcessPool), it is another object, which runs calls.

No documented reset: results hold of the next example's too, so one executor per size per kit
worker serves every example of the result properties (the object of an example is the
implementation's context); the properties about the executor's own life make their own.

Not promised, so not checked: which pending futures ``cancel_futures`` gets to cancel (those
already handed to a process run), ``running()``, the order in which futures finish, and what
happens to a task running when its process is killed beyond its future's BrokenProcessPool.
"""

from . import declare, expect, late
from .pool import only_op, result_of, shown, tasks_per_process

CLAUSES = declare(
    "executor",
    submit="submit() returns a Future that, once done, gives the call's result and no exception",
    errors="result() raises the exception the call raised, with its type and arguments, and "
           "exception() returns it",
    callbacks="a done callback is called once, with its future, in the process that added it; "
              "at once when added to a future already done",
    reusable="get_reusable_executor returns the same executor, resized, while its other "
             "arguments are the same, and a new one once it was broken; each runs calls",
    map_order="map() gives one result per item, the call's, in the items' order",
    timeout="result(timeout) and map(timeout)'s next() of an unfinished call raise TimeoutError "
            "not before the timeout and within LATE after it",
    shutdown="shutdown(wait=True) returns once every future is done (or, with cancel_futures, "
             "cancelled) and the processes have exited; submit() afterwards raises RuntimeError",
    broken="a worker process that ends abruptly makes every pending future raise "
           "BrokenProcessPool within LATE, and submit() raise BrokenExecutor",
    initializer="each worker process calls initializer(*initargs) once, before its tasks, and no "
                "more processes run tasks than max_workers",
    max_tasks_per_child="no worker process runs more tasks than max_tasks_per_child",
)


def reset(ctx, *args, **kwargs) -> bool:
    """A context holds no state an example changes: it serves every example."""
    return True


def _raised(outcome, name):
    """Whether ``outcome`` is an exception of the class ``name`` or of a subclass of it."""
    return outcome is not None and outcome[0] == "error" and name in outcome[3]


def check_submit(history, items, expected, what):
    """The record of ``ipc_spec.ops.executor.submit``; ``expected(item)`` is ``("value", result)``
    or ``("error", type name, args)``."""
    op = only_op(history, "executor.submit", what)
    outcomes, calls, at_once = op.result
    for i, (item, (done, got, exc)) in enumerate(zip(items, outcomes)):
        want = expected(item)
        prop = "executor.submit" if want[0] == "value" else "executor.errors"
        expect(done is True, prop, "%s: future %d: done() is %r once wait() returned"
               % (what, i, done), history, [op])
        expect(list(got[:3]) == list(want), prop, "%s: future %d of %r: result() %s, expected it "
               "to have %s" % (what, i, tuple(item), shown(got), shown(want)), history, [op])
        want_exc = None if want[0] == "value" else want[1]
        expect(exc == want_exc, prop, "%s: future %d of %r: exception() returned %s, expected %s"
               % (what, i, tuple(item), exc or "None", want_exc or "None"), history, [op])
    for i in range(len(items)):
        mine = [call for call in calls if call[0] == i]
        expect([call[1:] for call in mine] == [[True, True]], "executor.callbacks",
               "%s: future %d: its done callback was called %d times%s, expected once, with the "
               "future, in the process that added it" % (
                   what, i, len(mine), "".join(" (in another process)" for c in mine if not c[1])
                   + "".join(" (with another future)" for c in mine if not c[2])),
               history, [op])
        expect(at_once[i] is True, "executor.callbacks",
               "%s: future %d was done, and a callback added to it was not called at once"
               % (what, i), history, [op])


def check_map(history, items, results, what):
    op = only_op(history, "executor.map_order", what)
    expect(list(op.result) == list(results), "executor.map_order",
           "%s gave %r, expected %r" % (what, op.result, results), history, [op])


def _check_timeout(history, op, got, seconds, timeout, what):
    prop = "executor.timeout"
    expect(_raised(got, "TimeoutError"), prop, "%s of an unfinished call %s, expected it to "
           "raise TimeoutError" % (what, shown(got)), history, [op])
    expect(seconds >= timeout, prop, "%s raised after %.4f s, before its timeout" % (
        what, seconds), history, [op])
    expect(seconds <= timeout + late(), prop, "%s raised after %.4f s, more than LATE (%g s) "
           "after its timeout" % (what, seconds, late()), history, [op])


def check_result_timeout(history, timeout, what):
    op = only_op(history, "executor.timeout", what)
    got, seconds, done, last = op.result
    _check_timeout(history, op, got, seconds, timeout, "%s: result(%r)" % (what, timeout))
    expect(done is False, "executor.timeout", "%s: done() of the unfinished future is %r"
           % (what, done), history, [op])
    expect(list(last) == ["value", "released"], "executor.submit",
           "%s: result() once the call was let go %s" % (what, shown(last)), history, [op])


def check_map_timeout(history, timeout, what):
    op = only_op(history, "executor.timeout", what)
    got, seconds, last = op.result
    _check_timeout(history, op, got, seconds, timeout,
                   "%s: next() of map(..., timeout=%r)" % (what, timeout))
    expect(last == "value", "executor.timeout", "%s: the executor no longer ran calls after "
           "map(timeout)'s TimeoutError" % what, history, [op])


def check_shutdown(history, cancel, what):
    prop = "executor.shutdown"
    op = only_op(history, prop, what)
    outcomes, refused, pids, gone_after = op.result
    for i, (done, cancelled, got) in enumerate(outcomes):
        expect(done is True, prop, "%s: future %d not done after shutdown(wait=True)" % (what, i),
               history, [op])
        if cancelled:
            expect(cancel and _raised(got, "CancelledError"), prop,
                   "%s: future %d cancelled%s; its result() %s" % (
                       what, i, "" if cancel else " without cancel_futures", shown(got)),
                   history, [op])
        else:
            expect(got[0] == "value", prop, "%s: future %d neither cancelled nor with a result: "
                   "result() %s" % (what, i, shown(got)), history, [op])
    expect(_raised(refused, "RuntimeError"), prop, "%s: submit() after shutdown() %s, expected "
           "RuntimeError" % (what, shown(refused)), history, [op])
    expect(gone_after is not None, prop, "%s: processes %r still ran LATE (%g s) after "
           "shutdown(wait=True) returned" % (what, pids, late()), history, [op])


def check_broken(history, within, what):
    """The record of ``ipc_spec.ops.executor.broken``, which waited ``within`` s (at most LATE)."""
    prop = "executor.broken"
    op = only_op(history, prop, what)
    outcomes, seconds, again = op.result
    for i, got in enumerate(outcomes):
        expect(_raised(got, "BrokenProcessPool"), prop, "%s: future %d %s (%.3f s after the "
               "fatal call was submitted), expected BrokenProcessPool within %g s" % (
                   what, i, shown(got), seconds, within), history, [op])
    expect(_raised(again, "BrokenExecutor"), prop, "%s: submit() on the broken executor %s, "
           "expected BrokenExecutor" % (what, shown(again)), history, [op])


def check_workers(history, max_workers, token, max_tasks, tasks, within, what):
    """The record of ``ipc_spec.ops.executor.workers``, which waited ``within`` s (at most LATE)
    for the calls."""
    prop = "executor.initializer" if max_tasks is None else "executor.max_tasks_per_child"
    op = only_op(history, prop, what)
    if op.result[0] == "hung":
        expect(False, prop, "%s: the operation sent nothing for %.1f s" % (what, op.result[1]),
               history, [op])
    if op.result[0] == "error":
        expect(False, prop, "%s: raised %s: %s" % (what, op.result[1], op.result[2]), history,
               [op])
    if op.result[0] == "value":
        op = op._replace(result=op.result[1])
    seen, gone_after, not_done = op.result
    expect(not not_done, prop, "%s: %d of %d calls were not done %g s after they were "
           "submitted" % (what, not_done, tasks, within), history, [op])
    counts = tasks_per_process(history, op, seen, token, "executor.initializer", what)
    expect(len(seen) == tasks, "executor.initializer", "%s: %d results of %d calls" % (
        what, len(seen), tasks), history, [op])
    if max_tasks is None:
        expect(len(counts) <= max_workers, "executor.initializer",
               "%s: %d processes ran calls, max_workers=%d" % (what, len(counts), max_workers),
               history, [op])
    else:
        for pid, count in sorted(counts.items()):
            expect(count <= max_tasks, "executor.max_tasks_per_child",
                   "%s: process %d ran %d calls, max_tasks_per_child=%d" % (
                       what, pid, count, max_tasks), history, [op])
    expect(gone_after is not None, "executor.shutdown", "%s: a process still ran LATE (%g s) "
           "after shutdown(wait=True) returned" % (what, late()), history, [op])


def check_reusable(history, sizes, what):
    """The record of ``ipc_spec.ops.executor.reusable``."""
    prop = "executor.reusable"
    op = only_op(history, prop, what)
    rounds, killed, renewed, last = op.result
    for size, (same, outcome) in zip(sizes, rounds):
        expect(same is True, prop, "%s: get_reusable_executor(%d) returned another executor "
               "than get_reusable_executor(%d), the same other arguments, nothing broken" % (
                   what, size, sizes[0]), history, [op])
        expect(list(outcome) == ["value", result_of(size)], prop, "%s: a call through "
               "get_reusable_executor(%d) %s, expected it to return %r" % (
                   what, size, shown(outcome), result_of(size)), history, [op])
    expect(killed[0] == "error" and "BrokenProcessPool" in killed[3], prop,
           "%s: the call whose process died %s, expected BrokenProcessPool" % (
               what, shown(killed)), history, [op])
    expect(renewed is True, prop, "%s: get_reusable_executor() returned the broken executor "
           "again" % what, history, [op])
    expect(list(last) == ["value", result_of(7)], prop, "%s: a call through the new executor "
           "%s, expected it to return %r" % (what, shown(last), result_of(7)), history, [op])
