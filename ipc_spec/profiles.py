"""Hypothesis profiles for multi-process properties, and the bound on shrinking.

``dev`` (the default, 20 examples a property), ``ci`` (30, derandomized, no example database) and
``thorough`` (400). Every profile has no Hypothesis deadline (the harness bounds each example) and
no "explain" phase (it re-runs a failing example many times, each run costing processes, and the
history already says what each process did).
"""

from hypothesis import HealthCheck, Phase, settings

#: Settings every multi-process property uses, whatever the profile.
PROPERTY_SETTINGS = dict(
    deadline=None,
    phases=tuple(phase for phase in Phase if phase.name != "explain"),
    # differing_executors: pytest makes a new instance of a property class (one per flavour) for
    # every test it runs, and each is a different executor of the same method.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
    + [getattr(HealthCheck, "differing_executors")] * hasattr(HealthCheck, "differing_executors"),
    report_multiple_bugs=False,
    print_blob=True,
)
PROFILES = ("dev", "ci", "thorough")

settings.register_profile("dev", max_examples=20, **PROPERTY_SETTINGS)
settings.register_profile("ci", max_examples=30, derandomize=True, database=None, **PROPERTY_SETTINGS)
settings.register_profile("thorough", max_examples=400, **PROPERTY_SETTINGS)

#: Seconds Hypothesis may spend shrinking one failure of a property test; a known divergence, whose
#: failure is expected and whose minimal example is on record, is not shrunk.
SHRINK_SECONDS = 45
KNOWN_SHRINK_SECONDS = 0


def property_settings(**overrides):
    """``@property_settings()``: the current profile plus what multi-process properties need."""
    return settings(**dict(PROPERTY_SETTINGS, **overrides))


def share_of_profile(fraction, least=5, **overrides):
    """``@share_of_profile(0.5)``: :func:`property_settings` with ``fraction`` of the current
    profile's examples (at least ``least``), for a property whose every example starts new
    processes."""
    from hypothesis import settings as current

    examples = max(least, int(current().max_examples * fraction))
    return property_settings(max_examples=examples, **overrides)


def limit_shrinking(monkeypatch, seconds):
    """Bound Hypothesis's shrinking phase (300 s by default, a documented monkeypatch point):
    every shrinking step of a deadlocking example costs a deadline."""
    try:
        from hypothesis.internal.conjecture import engine
    except ImportError:  # pragma: no cover - a Hypothesis without it shrinks as it likes
        return
    if hasattr(engine, "MAX_SHRINKING_SECONDS"):
        monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", seconds)
