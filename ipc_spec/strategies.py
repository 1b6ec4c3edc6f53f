"""Hypothesis strategies shared by the property tests."""

from hypothesis import strategies as st

#: Seconds a process pauses before a step, to perturb the schedule (never to synchronise).
#: Shrinks towards no pause at all.
PAUSES = (0.0, 0.0001, 0.0005, 0.002)


def pauses():
    return st.sampled_from(PAUSES)


#: Seconds of the timeouts properties draw: short enough to keep examples fast (an example that
#: times out waits that long), long enough to be measured exactly. Whether a call waits out its
#: timeout, and no less, does not depend on its length; a loaded machine's lateness is bounded
#: apart (``specs.LATE``).
TIMEOUTS = (0.005, 0.01, 0.02, 0.05)
#: A timeout that never expires within an example (the harness's deadline comes first): for a
#: call that must succeed, or to override a short default timeout.
NEVER = 300.0


def timeouts(low=0.005, high=0.05):
    """A timeout among :data:`TIMEOUTS`, from ``low`` to ``high`` seconds."""
    return st.sampled_from([t for t in TIMEOUTS if low <= t <= high])


@st.composite
def two_procs(draw, procs):
    """Two different processes of ``range(procs)``."""
    first = draw(st.integers(0, procs - 1))
    return first, (first + draw(st.integers(1, procs - 1))) % procs


@st.composite
def random_programs(draw, procs, objects, random_op):
    """One program a process of ``range(procs)``, each step on one of ``objects``: a dict of
    name -> (the operations it takes, the processes that may release it); ``random_op(obj, op,
    timeout, pause)`` makes the step. A process that may release does so twice as often as it does
    anything else."""
    names = sorted(objects)
    programs = []
    for p in range(procs):
        steps = []
        for _ in range(draw(st.integers(1, 8))):
            obj = draw(st.sampled_from(names))
            ops, releasers = objects[obj]
            choices = [o for o in ops if o != "release"]
            if p in releasers:
                choices += ["release", "release"]
            steps.append(random_op(obj, draw(st.sampled_from(choices)), draw(timeouts(high=0.02)),
                                   draw(pauses())))
        programs.append(steps)
    return programs


#: Seconds into a step's call at which an ``"after"`` fault strikes; shrinks towards the start.
DELAYS = (0.0, 0.001, 0.005, 0.02)


def faults(victims, signals=None, whens=None, max_faults=None, min_faults=0):
    """Faults for one phase (see :class:`ipc_spec.history.Fault`): at most one per process of
    ``victims``, a dict of process -> the number of steps of its program a fault may strike (its
    first ones), at least ``min_faults`` of them. Shrinks towards fewer faults, SIGKILL, earlier
    steps and no delay, so a minimal example keeps only the kill that matters, as early as it still
    matters.

    The simplest fault, which Hypothesis also tries first, is SIGKILL 0 ms into the call of the
    first step: the moment a kill is most often felt by the others (a lock or a wake-up half
    taken); ``before`` the step comes next."""
    from .history import SIGNALS, WHENS, Fault

    signals = SIGNALS if signals is None else signals
    whens = [w for w in ("after", "before", "blocked") if w in (WHENS if whens is None else whens)]
    one = {proc: st.builds(Fault, st.just(proc), st.integers(0, steps - 1), st.sampled_from(signals),
                           st.sampled_from(whens), st.sampled_from(DELAYS)).map(
        lambda f: f if f.when == "after" else f._replace(delay=0.0))
           for proc, steps in victims.items() if steps > 0}
    if not one:
        return st.just([])
    return st.lists(st.sampled_from(sorted(one)), unique=True, min_size=min_faults,
                    max_size=max_faults or len(one)).flatmap(
        lambda procs: st.tuples(*[one[p] for p in sorted(procs)]).map(list))
