"""Finding the implementation under test and its start methods.

An implementation is anything that offers ``get_context(method)`` the way ``multiprocessing`` does:
a module (``multiprocessing``, ``multiprocess``, ``billiard``) or an object named ``module:attribute``.
"""

import importlib
import sys

from .errors import UsageError

KNOWN_METHODS = ("fork", "spawn", "forkserver")


class Impl(object):
    """An implementation under test, by the name the user gave."""

    def __init__(self, spec: str, obj):
        self.spec = spec
        self.obj = obj

    @property
    def version(self) -> str:
        module = sys.modules.get(getattr(self.obj, "__module__", None) or "") or self.obj
        if self.spec.split(":")[0].split(".")[0] == "multiprocessing":
            return "stdlib, Python %s" % sys.version.split()[0]
        for holder in (self.obj, module):
            version = getattr(holder, "__version__", None)
            if version:
                return str(version)
        try:
            from importlib import metadata
            return metadata.version(self.spec.split(":")[0].split(".")[0])
        except Exception:
            return "unknown version"

    def methods(self):
        """Every start method this implementation offers on this platform."""
        get_all = getattr(self.obj, "get_all_start_methods", None)
        names = list(get_all()) if get_all else list(KNOWN_METHODS)
        return [m for m in names if self.available(m) is None] or names

    def available(self, method: str):
        """``None`` when ``method`` can be used, else the reason it cannot."""
        try:
            self.obj.get_context(method)
        except ValueError as exc:
            return "start method %r is not available here: %s" % (method, exc)
        return None

    def context(self, method: str):
        return self.obj.get_context(method)


def load(spec: str) -> Impl:
    """Import ``spec`` (``module`` or ``module:attribute``); a clear :class:`UsageError` if it fails."""
    module_name, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:
        raise UsageError("--ipc-impl=%s: cannot import %r (%s: %s)"
                         % (spec, module_name, type(exc).__name__, exc)) from None
    for part in filter(None, attr.split(".")):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError("--ipc-impl=%s: %r has no attribute %r" % (spec, module_name, part)) from None
    if not callable(getattr(obj, "get_context", None)):
        raise UsageError("--ipc-impl=%s: %r offers no get_context(method); an implementation must "
                         "offer it as multiprocessing does" % (spec, spec))
    return Impl(spec, obj)


def parse_methods(text: str, impl: Impl):
    """``"all"`` or a comma-separated list of start method names, checked against known names.

    Names this implementation offers elsewhere but not here stay in the list: their tests are skipped
    with the reason, so a report says what could not be checked.
    """
    text = (text or "all").strip()
    if text == "all":
        return impl.methods()
    names = [n.strip() for n in text.split(",") if n.strip()]
    offered = getattr(impl.obj, "get_all_start_methods", None)
    valid = sorted(set(KNOWN_METHODS) | set(offered() if offered else ()))
    bad = [n for n in names if n not in valid]
    if bad or not names:
        raise UsageError("--start-method=%s: unknown start method %s; valid: %s, a comma-separated "
                         "list of them, or all" % (text, ", ".join(map(repr, bad)) or "''",
                                                   ", ".join(valid)))
    return list(dict.fromkeys(names))
