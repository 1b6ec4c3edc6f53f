"""The kit's settings, each with where its value came from, validated with that source named.

As pytest-timeout does: a setting is a command-line option, an ini key and an environment
variable; precedence is ini < environment < command line, then the default. An error names the
source: ``IPC_SPEC_DEADLINE=abc: expected a number of seconds above 0``.
"""

import os
from typing import Any, Callable, NamedTuple

from .errors import UsageError


class Setting(NamedTuple):
    dest: str  # the option's dest, also the ini key
    option: str
    environ: str
    default: str
    help: str


class Value(NamedTuple):
    value: Any
    source: str  # "command line", "environment", "ini", "default"
    text: str  # as given
    label: str  # how the source spells it: --ipc-deadline=..., IPC_SPEC_DEADLINE=..., ...

    @property
    def explicit(self) -> bool:
        return self.source != "default"


SETTINGS = {s.dest: s for s in (
    Setting("ipc_start_method", "--start-method", "IPC_SPEC_START_METHOD", "all",
            "start methods to test: fork, spawn, forkserver (or any the implementation offers, "
            "such as loky), a comma-separated list, all (default: every method the implementation "
            "offers here), or list (print them and exit)"),
    Setting("ipc_impl", "--ipc-impl", "IPC_SPEC_IMPL", "multiprocessing",
            "implementation under test: a module or object offering get_context(method), or "
            "module:attribute naming one context (default: multiprocessing)"),
    Setting("ipc_deadline", "--ipc-deadline", "IPC_SPEC_DEADLINE", "30",
            "seconds one example may take before it is reported as a deadlock (default: 30)"),
)}


def add_options(group, parser):
    for s in SETTINGS.values():
        metavar = {"ipc_impl": "MODULE[:ATTR]", "ipc_deadline": "SECONDS"}.get(s.dest, "METHODS")
        group.addoption(s.option, dest=s.dest, default=None, metavar=metavar, help=s.help)
        parser.addini(s.dest, "default for %s" % s.option, default=None)


def get(config, dest, parse: Callable[[str], Any] = str) -> Value:
    """The setting ``dest``, parsed by ``parse`` (a ValueError or UsageError from it becomes a
    UsageError naming the source)."""
    s = SETTINGS[dest]
    for source, text, label in (
            ("command line", config.getoption(dest), s.option),
            ("environment", os.environ.get(s.environ) or None, s.environ),
            ("ini", config.getini(dest) or None, "%s (ini)" % dest),
            ("default", s.default, s.option)):
        if text is not None:
            break
    try:
        return Value(parse(text), source, text, label)
    except UsageError as exc:
        raise UsageError("%s=%s: %s" % (label, text, exc)) from None
    except ValueError as exc:
        raise UsageError("%s=%s: %s" % (label, text, exc or "bad value")) from None


def seconds(text):
    value = float(text)
    if not value > 0:
        raise ValueError
    return value


def deadline(text):
    try:
        return seconds(text)
    except ValueError:
        raise ValueError("expected a number of seconds above 0") from None
