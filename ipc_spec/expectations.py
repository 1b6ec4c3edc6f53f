"""Known divergences: properties an implementation is known to break, with the reason and a link.

The kit reports a matching property as an expected failure (``xfail``) carrying that reason; one that
passes anyway is reported as ``xpass``, so that a fixed bug is noticed. ``--ipc-strict`` ignores the
file and lets every violation fail.

The file is INI: one section per entry, named by the property (an ``fnmatch`` pattern such as
``queue.*``); keys:

- ``reason`` (required) and ``link``;
- ``impl``: comma-separated ``fnmatch`` patterns for the ``--ipc-impl`` value; any one matching is
  enough (default, or empty: ``*``). ``impl = multiprocessing, multiprocess, billiard`` lists a
  CPython bug that the forks carrying CPython's code inherit;
- ``version``: comma-separated version clauses for the implementation's version (default, or empty:
  any), matched against the first dotted number in it: ``4.3.2`` in ``"4.3.2"``, ``3.11.7`` in
  ``"stdlib, Python 3.11.7"`` (the standard library's version is the Python version). A version
  string without a number (``"unknown version"``) matches only an entry without ``version``;
- ``python``: comma-separated version clauses for this interpreter's version (default: any);
- ``interpreter``: comma-separated patterns for ``platform.python_implementation()`` in lower case
  (``cpython``, ``pypy``; default: any): a bug of PyPy's own ``ctypes`` is PyPy's, whatever the
  ``--ipc-impl``;
- ``platform``: pattern for ``sys.platform`` (default ``*``);
- ``methods``: comma-separated start methods (default: all).

A version clause is an operator (``>=``, ``<=``, ``==``, ``!=``, ``>``, ``<``) or none, then a
dotted number: ``>=3.8``, ``<5``, ``!=0.70.16``; all the clauses of a key must hold. A clause
compares only as many parts of the version as it names, a missing part counting as 0: ``<5``
holds for 4.3.2, ``==3.11`` and a bare ``3.11`` hold for 3.11.7, ``>=4.3`` fails for 4. A clause of
another form is an error naming the file and the section.

Several entries for one property go in sections ``[property#2]`` and so on; the first that matches
gives the reason.
"""

import configparser
import fnmatch
import operator
import os
import platform
import re
import sys
from typing import List, NamedTuple, Optional, Sequence, Tuple

from .errors import UsageError

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_divergences.ini")

_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
        ">": operator.gt, "<": operator.lt}
_CLAUSE = re.compile(r"(>=|<=|==|!=|>|<)?\s*([0-9]+(?:\.[0-9]+)*)")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)*")


class Divergence(NamedTuple):
    prop: str
    reason: str
    link: str
    impl: str
    python: str
    platform: str
    methods: str
    version: str = ""
    interpreter: str = ""

    def describe(self) -> str:
        return "known divergence: %s%s" % (self.reason, " (%s)" % self.link if self.link else "")


def _split(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _version(text: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def version_of(text: str) -> Optional[Tuple[int, ...]]:
    """The first dotted number in ``text`` as a tuple (``"stdlib, Python 3.11.7"`` gives
    ``(3, 11, 7)``), or ``None`` if it has none."""
    match = _NUMBER.search(text or "")
    return _version(match.group()) if match else None


def version_matches(spec: str, version: Optional[Sequence[int]]) -> bool:
    """``spec`` like ``">=4.3, <5"`` against ``version`` (a tuple of ints). An empty ``spec`` holds
    for any version, ``None`` included; any clause fails for ``None``. A malformed clause raises
    ValueError."""
    clauses = []
    for clause in _split(spec):
        match = _CLAUSE.fullmatch(clause)
        if not match:
            raise ValueError("not a version clause: %r" % clause)
        clauses.append((_OPS[match.group(1) or "=="], _version(match.group(2))))
    if not clauses:
        return True
    if version is None:
        return False
    for compare, want in clauses:
        have = tuple(version[:len(want)]) + (0,) * (len(want) - len(version))
        if not compare(have, want):
            return False
    return True


def python_matches(spec: str, version=None) -> bool:
    """``spec`` like ``">=3.8, <3.12"`` against ``version`` (default: this interpreter's)."""
    return version_matches(spec, tuple(version or sys.version_info[:3]))


def impl_matches(patterns: str, impl: str) -> bool:
    """``patterns`` like ``"multiprocessing, multiprocess, billiard"``: does any match ``impl``?
    An empty list matches every implementation."""
    names = _split(patterns)
    return not names or any(fnmatch.fnmatchcase(impl, name) for name in names)


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
                           data.get("platform", "*"), data.get("methods", ""),
                           data.get("version", ""), data.get("interpreter", ""))
        for key, example in (("python", ">=3.8, <3.12"), ("version", ">=4.3, <5")):
            try:
                version_matches(getattr(entry, key), None)
            except ValueError:
                raise UsageError("--ipc-expectations=%s: [%s] %s = %r is not like '%s'"
                                 % (path, section, key, getattr(entry, key), example)) from None
        entries.append(entry)
    return entries


def find(entries: List[Divergence], prop: str, impl: str, method: Optional[str],
         impl_version: Optional[str] = None) -> Optional[Divergence]:
    """The first entry that covers ``prop`` for this implementation (``impl``, the ``--ipc-impl``
    value, and ``impl_version``, its version string such as ``"4.3.2"`` or ``"stdlib, Python
    3.11.7"``; ``None``: unknown, as ``"unknown version"``), interpreter, platform and start
    method."""
    have = version_of(impl_version) if impl_version is not None else None
    for entry in entries:
        methods = _split(entry.methods)
        if (fnmatch.fnmatchcase(prop, entry.prop) and impl_matches(entry.impl, impl)
                and version_matches(entry.version, have)
                and python_matches(entry.python) and fnmatch.fnmatchcase(sys.platform, entry.platform)
                and impl_matches(entry.interpreter, platform.python_implementation().lower())
                and (not methods or method in methods)):
            return entry
    return None
