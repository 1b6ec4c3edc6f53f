"""``multiprocessing.Pool``, as documented in "Process Pools" (``Doc/library/multiprocessing.rst``).

"A process pool object which controls a pool of worker processes to which jobs can be submitted. It
supports asynchronous results with timeouts and callbacks and has a parallel map implementation."
The kit's tasks are functions of ``ipc_spec.ops.pool``; the process that makes the Pool and calls
it is a kit worker. What the kit checks:

- ``pool.map_order``: ``map``, ``map_async(...).get()``, ``starmap``, ``starmap_async`` and
  ``imap`` give one result per input, the function's result for it, in the inputs' order ("it
  blocks until the result is ready"; ``imap``'s results are "ordered"), whatever the chunksize and
  whatever order the tasks end in.
- ``pool.unordered``: ``imap_unordered`` gives each input's result exactly once ("the ordering of
  the results from the returned iterator should be considered arbitrary").
- ``pool.errors``: an exception a task raises is raised again where its result is asked for:
  ``apply``, and ``get()`` of ``apply_async``'s result, raise that type with those arguments;
  ``successful()`` is False for it, True for a task that returned; ``ready()`` is True once
  ``wait()`` returned.
- ``pool.callbacks``: ``apply_async``'s ``callback`` is called once for each task that returned,
  with its result, and ``error_callback`` once for each that raised, with the exception, and never
  both; each in the process that called ``apply_async`` (by "the thread which handles the results").
- ``pool.get_timeout``: for a task that has not finished, ``get(timeout)`` raises
  ``multiprocessing.TimeoutError`` and ``wait(timeout)`` returns, each not before its timeout and
  within :data:`~ipc_spec.specs.LATE` after it, ``ready()`` staying False; once the task ends,
  ``get()`` returns its result.
- ``pool.imap_lazy``: ``imap`` is "a lazier version of map()" and, with chunksize 1, "next(timeout)
  will raise multiprocessing.TimeoutError if the result cannot be returned within timeout
  seconds". Read together: while one task is held, ``imap`` gives the results of the tasks before
  it (``imap_unordered``, held its last task, those of all the others, in any order) before the
  held task ends, and ``next(timeout)`` for the held one raises TimeoutError, not before the
  timeout and within LATE after it; once let go, the held result and the rest follow, then
  StopIteration.
- ``pool.worker_killed``: a pool process killed (SIGKILL) inside a task. The documentation says
  nothing of what the task becomes, but ``get(timeout)`` is documented for any task: that task's
  ``get(timeout)`` raises TimeoutError, not before the timeout and within LATE after, ``ready()``
  staying False. A later task's ``get(LATE)`` raises TimeoutError or returns what the task
  returned, in a process that is not the dead one and that ran the initializer once (a process
  "will call initializer(*initargs) when it starts", replacements included); ``terminate()``
  ("stops the worker processes immediately") has ended every process seen within LATE of its
  call, and ``join()`` returns after it.
- ``pool.initializer``: "if initializer is not None then each worker process will call
  initializer(*initargs) when it starts": every process that ran a task ran it once, with the
  Pool's initargs, before the task; in a Pool that replaces none (no ``maxtasksperchild``),
  exactly ``processes`` processes ("the number of worker processes to use") called the
  initializer by the time ``join()`` returned, and no others ran tasks.
- ``pool.maxtasksperchild``: "the number of tasks a worker process can complete before it will
  exit and be replaced with a fresh worker process": no process runs more tasks than that.
- ``pool.lifecycle``: ``close()`` "prevents any more tasks from being submitted" (a task
  submitted after it is refused with an exception) while the tasks already submitted finish;
  ``join()`` (after ``close()`` or ``terminate()``) waits for the worker processes to exit;
  ``terminate()`` stops them, and so does leaving the ``with`` block ("``__exit__()`` calls
  ``terminate()``"): once the call returns, every worker process has exited, within LATE.

No documented reset: what a property checks of a Pool's results holds of the next example's too,
so one Pool per size serves every example of those properties (the object of an example is the
implementation's context, as for Process); the properties about workers' lives make their own.

Not promised, so not checked: the type of the exception a refused submission raises (CPython's
is ValueError), what ``join()`` without ``close()`` does, whether a killed process is replaced
(CPython's pool replaces it), what ``close()`` and ``join()`` do once a task was lost with its
process ("once all the tasks have been completed the worker processes will exit": a lost task
never completes, and CPython's ``join()`` then waits for ever), how long ``terminate()`` takes
to return once a task was lost (billiard 4.3's waits about 7 s for the lost task's result, its
processes already stopped), when ``imap`` consumes its input (CPython
reads all of it at once, in a thread: "lazier" is said of the results), the order in which results become ready, how tasks are spread over the processes, and
what a task lost with a killed process becomes, beyond its ``get(timeout)``.
"""

from . import declare, expect, late, returned

CLAUSES = declare(
    "pool",
    map_order="map, map_async, starmap, starmap_async and imap give one result per input, the "
              "function's result for it, in the inputs' order",
    unordered="imap_unordered gives each input's result exactly once",
    errors="an exception a task raised is raised again by apply and by get() with its type and "
           "arguments; successful() tells which tasks returned",
    callbacks="apply_async's callback (error_callback) is called once for each task that "
              "returned (raised), with its result (exception), in the calling process",
    get_timeout="get(timeout) of an unfinished task raises TimeoutError, and wait(timeout) "
                "returns, not before the timeout and within LATE after it, ready() staying False",
    imap_lazy="imap (imap_unordered) gives the results of the tasks before a held one (all but "
              "it) before it ends, and next(timeout) for it raises TimeoutError not before the "
              "timeout and within LATE after it",
    worker_killed="once a pool process was killed inside a task, that task's get(timeout) raises "
                  "TimeoutError not before the timeout and within LATE after, a later task's "
                  "result comes from a live process that ran the initializer, and terminate() "
                  "ends every process within LATE of its call",
    initializer="each worker process calls initializer(*initargs) once, before its tasks, and no "
                "more processes run tasks than the pool has",
    maxtasksperchild="no worker process completes more tasks than maxtasksperchild",
    lifecycle="after close() no task is accepted but those submitted finish; join() and "
              "terminate() return once every worker process has exited, as does leaving the "
              "with block",
)


def reset(ctx, *args, **kwargs) -> bool:
    """A context holds no state an example changes: it serves every example."""
    return True


def result_of(value):
    """What the kit's task returns for ``value`` (``ipc_spec.ops.pool.task``)."""
    return 2 * value + 1


def expected_outcome(item):
    """What asking for the result of the task ``item`` (``(value, delay, fail)``) must give."""
    value, _, fail = item
    if fail:
        return ("error", fail, [value])
    return ("value", result_of(value))


def only_op(history, prop, what):
    """The last op of process 0, the one that ran the example's operation, having returned."""
    ops = history.of(0)
    returned(history, ops, prop, what)
    return ops[-1]


def check_map(history, method, items, prop, what):
    """The map op returned each item's result, in order (or each exactly once, ``unordered``)."""
    op = only_op(history, prop, what)
    want = [result_of(value) for value, _, _ in items]
    got = list(op.result)
    if prop == "pool.unordered":
        expect(sorted(got) == sorted(want), prop,
               "%s: %s gave %r, expected each of %r once, in any order" % (what, method, got, want),
               history, [op])
    else:
        expect(got == want, prop, "%s: %s gave %r, expected %r" % (what, method, got, want),
               history, [op])


def shown(outcome):
    """An operation's record of a call (``("value", result)``, ``("error", type name, args,
    ...)``, or None for a call not done) for a person to read."""
    if outcome is None:
        return "was not done"
    if outcome[0] == "value":
        return "returned %r" % (outcome[1],)
    return "raised %s%r" % (outcome[1], tuple(outcome[2]))


def check_apply(history, items, sync, what):
    """The outcomes and callbacks of the apply op (``ipc_spec.ops.pool.apply``)."""
    op = only_op(history, "pool.errors", what)
    outcomes, calls = op.result
    for i, (item, got) in enumerate(zip(items, outcomes)):
        want = expected_outcome(item)
        asked = "apply" if sync else "apply_async(...).get()"
        outcome = got[0] if sync else got[2]
        expect(list(outcome) == list(want), "pool.errors",
               "%s: task %d %r: %s %s, expected it to have %s" % (
                   what, i, tuple(item), asked, shown(outcome), shown(want)), history, [op])
        if sync:
            continue
        ready, successful = got[0], got[1]
        expect(ready is True, "pool.errors",
               "%s: task %d: ready() is %r once wait() returned" % (what, i, ready), history, [op])
        expect(list(successful) == ["value", want[0] == "value"], "pool.errors",
               "%s: task %d %r: successful() %s, expected it to return %r" % (
                   what, i, tuple(item), shown(successful), want[0] == "value"), history, [op])
    if sync:
        return
    for i, item in enumerate(items):
        want = expected_outcome(item)
        kind = "callback" if want[0] == "value" else "error_callback"
        value = want[1] if want[0] == "value" else [want[1], want[2]]
        mine = [call for call in calls if call[0] == i]
        expect([call[1:] for call in mine] == [[kind, value, True]], "pool.callbacks",
               "%s: task %d %r: the callbacks called were %s, expected %s(%r) once, in the "
               "calling process" % (what, i, tuple(item),
                                    ", ".join("%s(%r)%s" % (c[1], c[2], "" if c[3] else
                                                            " in another process")
                                              for c in mine) or "none", kind, value),
               history, [op])


def check_get_timeout(history, timeout, wait_timeout, what):
    """The record of ``ipc_spec.ops.pool.get_timeout``."""
    prop = "pool.get_timeout"
    op = only_op(history, prop, what)
    got, got_seconds, ready, waited, waited_seconds, still, last = op.result
    expect(got[0] == "error" and got[1] == "TimeoutError", prop,
           "%s: get(%r) of an unfinished task %s, expected it to raise TimeoutError"
           % (what, timeout, shown(got)), history, [op])
    expect(got_seconds >= timeout, prop, "%s: get(%r) raised after %.4f s, before its timeout"
           % (what, timeout, got_seconds), history, [op])
    expect(got_seconds <= timeout + late(), prop, "%s: get(%r) raised after %.4f s, more than "
           "LATE (%g s) after its timeout" % (what, timeout, got_seconds, late()), history, [op])
    expect(waited_seconds >= wait_timeout, prop, "%s: wait(%r) returned after %.4f s, before its "
           "timeout" % (what, wait_timeout, waited_seconds), history, [op])
    expect(waited_seconds <= wait_timeout + late(), prop, "%s: wait(%r) returned after %.4f s, "
           "more than LATE (%g s) after its timeout" % (what, wait_timeout, waited_seconds, late()),
           history, [op])
    expect(ready is False and still is False, prop, "%s: ready() of the unfinished task was %r "
           "after get(timeout) and %r after wait(timeout)" % (what, ready, still), history, [op])
    expect(waited is None, prop, "%s: wait(%r) returned %r (it returns None)"
           % (what, wait_timeout, waited), history, [op])
    expect(list(last) == ["value", "released"], "pool.get_timeout",
           "%s: get() once the task was let go %s, expected 'released'" % (what, shown(last)),
           history, [op])


def tasks_per_process(history, op, seen, token, prop, what):
    """``seen`` (``[pid, token, initializer calls]`` per task, ``ipc_spec.ops.pool.whoami``): every
    process that ran a task had called the initializer once, with ``token``. Returns the number of
    tasks each process ran."""
    counts = {}
    for pid, got_token, inits in seen:
        counts[pid] = counts.get(pid, 0) + 1
        expect(got_token == token and inits == 1, prop,
               "%s: process %d ran a task having called the initializer %d times with %r "
               "(expected once, with initargs (%r,))" % (what, pid, inits, got_token, token),
               history, [op])
    return counts


def check_workers(history, processes, token, maxtasks, tasks, what):
    """The record of ``ipc_spec.ops.pool.workers``."""
    op = only_op(history, "pool.initializer", what)
    seen, started, gone_after = op.result
    expect(len(seen) == tasks, "pool.initializer", "%s: %d results of %d tasks"
           % (what, len(seen), tasks), history, [op])
    counts = tasks_per_process(history, op, seen, token, "pool.initializer", what)
    if maxtasks is not None:
        for pid, count in sorted(counts.items()):
            expect(count <= maxtasks, "pool.maxtasksperchild",
                   "%s: pool process %d completed %d tasks, maxtasksperchild=%d"
                   % (what, pid, count, maxtasks), history, [op])
    else:
        expect(len(counts) <= processes, "pool.initializer",
               "%s: %d processes ran tasks in a Pool(%d) that replaces none" % (
                   what, len(counts), processes), history, [op])
        expect(len(started) == processes, "pool.initializer",
               "%s: %d processes ran the initializer in a Pool(%d) that replaces none, by the "
               "time join() returned" % (what, len(started), processes), history, [op])
    expect(gone_after is not None, "pool.lifecycle",
           "%s: after close() and join(), a pool process still ran LATE (%g s) later" % (
               what, late()), history, [op])


def check_lifecycle(history, how, tasks, what):
    """The record of ``ipc_spec.ops.pool.lifecycle``."""
    prop = "pool.lifecycle"
    op = only_op(history, prop, what)
    pids, gone_after, refused, ready = op.result
    ended = {"with": "leaving the with block", "terminate": "terminate() and join()",
             "close": "close() and join()"}[how]
    expect(gone_after is not None, prop, "%s: after %s, pool processes %r still ran LATE (%g s) "
           "later" % (what, ended, pids, late()), history, [op])
    if how == "close":
        expect(refused is not None and refused[0] == "error", prop,
               "%s: apply_async() after close() %s, expected it to be refused" % (
                   what, shown(refused)), history, [op])
        expect(ready == [True] * tasks, prop, "%s: after close() and join(), ready() of the %d "
               "tasks submitted before close() is %r" % (what, tasks, ready), history, [op])


def check_imap(history, method, count, held, timeout, what):
    """The record of ``ipc_spec.ops.pool.imap_held``: task ``held`` of ``count`` held at a gate."""
    prop = "pool.imap_lazy"
    op = only_op(history, prop, what)
    before, pending, seconds, ended, rest = op.result
    others = [i for i in range(count) if i != held]
    want = others[:held] if method == "imap" else others
    got = [list(outcome) for outcome, _ in before]
    expected = [["value", result_of(i)] for i in want]
    ordered = got if method == "imap" else sorted(got, key=repr)
    expect(ordered == (expected if method == "imap" else sorted(expected, key=repr)), prop,
           "%s: while task %d was held, next() %s; expected: %s%s" % (
               what, held, ", ".join(shown(o) for o in got) or "nothing",
               ", ".join(shown(o) for o in expected) or "nothing",
               "" if method == "imap" else " in any order"), history, [op])
    late_ones = [i for i, (_, after) in enumerate(before) if after]
    expect(not late_ones, prop, "%s: next() gave its result %d only once the held task %d had "
           "ended: it waited for a later task" % (what, late_ones[0] if late_ones else -1, held),
           history, [op])
    pending = list(pending)
    expect(pending[0] == "error" and pending[1] == "TimeoutError" and not ended, prop,
           "%s: next(%r) for the held task %d %s%s, expected it to raise TimeoutError" % (
               what, timeout, held, shown(pending),
               " (the task had ended: its gate's limit passed)" if ended else ""),
           history, [op])
    expect(seconds >= timeout, prop, "%s: next(%r) raised after %.4f s, before its timeout"
           % (what, timeout, seconds), history, [op])
    expect(seconds <= timeout + late(), prop, "%s: next(%r) raised after %.4f s, more than LATE "
           "(%g s) after its timeout" % (what, timeout, seconds, late()), history, [op])
    tail = [i for i in range(count) if i >= held] if method == "imap" else [held]
    want_rest = [["value", result_of(i)] for i in tail] + [["error", "StopIteration", []]]
    expect([list(o) for o in rest] == want_rest, prop,
           "%s: once task %d was let go, next() %s; expected: %s" % (
               what, held, ", ".join(shown(o) for o in rest),
               ", ".join(shown(o) for o in want_rest)), history, [op])


def check_worker_killed(history, timeout, what):
    """The record of ``ipc_spec.ops.pool.worker_killed``."""
    prop = "pool.worker_killed"
    op = only_op(history, prop, what)
    victim, got, seconds, ready, afterwards, gone = op.result
    expect(victim is not None, prop, "%s: the task to kill had not begun 30 s after "
           "apply_async()" % what, history, [op])
    expect(got is not None and got[0] == "error" and got[1] == "TimeoutError", prop,
           "%s: get(%r) of the task whose process (%d) was killed %s, expected it to raise "
           "TimeoutError" % (what, timeout, victim, shown(got)), history, [op])
    expect(seconds >= timeout, prop, "%s: get(%r) of the lost task raised after %.4f s, before "
           "its timeout" % (what, timeout, seconds), history, [op])
    expect(seconds <= timeout + late(), prop, "%s: get(%r) of the lost task raised after %.4f s, "
           "more than LATE (%g s) after its timeout" % (what, timeout, seconds, late()),
           history, [op])
    expect(ready is False, prop, "%s: ready() of the lost task is %r" % (what, ready), history,
           [op])
    for i, outcome in enumerate(afterwards):
        if outcome[0] == "error":
            expect(outcome[1] == "TimeoutError", prop, "%s: get(LATE) of later task %d %s" % (
                what, i, shown(outcome)), history, [op])
            continue
        pid, token, inits = outcome[1]
        expect(pid != victim, prop, "%s: later task %d says the killed process %d ran it" % (
            what, i, pid), history, [op])
        expect(token is None and inits == 1, prop, "%s: process %d ran later task %d having "
               "called the initializer %d times" % (what, pid, i, inits), history, [op])
    expect(gone is not None, prop, "%s: a process of the pool still ran LATE (%g s) after "
           "terminate() was called (it \"stops the worker processes immediately\")" % (
               what, late()), history, [op])
