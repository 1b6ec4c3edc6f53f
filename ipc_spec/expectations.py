"""Known divergences: properties an implementation is known to break, with the reason and a link.

The kit reports a matching property as an expected failure (``xfail``) carrying that reason; one that
passes anyway is reported as ``xpass``, so that a fixed bug is noticed. ``--ipc-strict`` ignores the
file and lets every violation fail.

The file is INI: one section per entry, named by the property (an ``fnmatch`` pattern such as
``queue.*``); keys:

- ``reason`` (required) and ``link``;
- ``impl``: pattern for the ``--ipc-impl`` value (default ``*``);
- ``python``: comma-separated version clauses such as ``>=3.8, <3.12`` (default: any);
- ``platform``: pattern for ``sys.platform`` (default ``*``);
- ``methods``: comma-separated start methods (default: all).

Several entries for one property go in sections ``[property#2]`` and so on.
"""

import configparser
import fnmatch
import operator
import os
import sys
from typing import List, NamedTuple, Optional

from .errors import UsageError

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_divergences.ini")

_OPS = [(">=", operator.ge), ("<=", operator.le), ("==", operator.eq), ("!=", operator.ne),
        (">", operator.gt), ("<", operator.lt)]


class Divergence(NamedTuple):
    prop: str
    reason: str
    link: str
    impl: str
    python: str
    platform: str
    methods: str

    def describe(self) -> str:
        return "known divergence: %s%s" % (self.reason, " (%s)" % self.link if self.link else "")


def _version(text: str):
    return tuple(int(p) for p in text.strip().split("."))


def python_matches(spec: str, version=None) -> bool:
    """``spec`` like ``">=3.8, <3.12"`` against ``version`` (default: this interpreter's)."""
    version = version or sys.version_info[:3]
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        for symbol, compare in _OPS:
            if clause.startswith(symbol):
                want = _version(clause[len(symbol):])
                if not compare(tuple(version[:len(want)]), want):
                    return False
                break
        else:
            want = _version(clause)
            if tuple(version[:len(want)]) != want:
                return False
    return True


def load(path: str) -> List[Divergence]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as f:
            parser.read_file(f)
    except (OSError, configparser.Error) as exc:
        raise UsageError("--ipc-expectations=%s: cannot read it (%s)" % (path, exc)) from None
    entries = []
    for section in parser.sections():
        data = parser[section]
        if "reason" not in data:
            raise UsageError("--ipc-expectations=%s: [%s] has no reason" % (path, section))
        entry = Divergence(section.split("#")[0].strip(), data["reason"], data.get("link", ""),
                           data.get("impl", "*"), data.get("python", ""),
                           data.get("platform", "*"), data.get("methods", ""))
        try:
            python_matches(entry.python)
        except ValueError:
            raise UsageError("--ipc-expectations=%s: [%s] python = %r is not like '>=3.8, <3.12'"
                             % (path, section, entry.python)) from None
        entries.append(entry)
    return entries


def find(entries: List[Divergence], prop: str, impl: str, method: Optional[str]) -> Optional[Divergence]:
    """The first entry that covers ``prop`` for this implementation, interpreter, platform and
    start method."""
    for entry in entries:
        methods = [m.strip() for m in entry.methods.split(",") if m.strip()]
        if (fnmatch.fnmatchcase(prop, entry.prop) and fnmatch.fnmatchcase(impl, entry.impl)
                and python_matches(entry.python) and fnmatch.fnmatchcase(sys.platform, entry.platform)
                and (not methods or method in methods)):
            return entry
    return None
