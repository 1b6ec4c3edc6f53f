"""Finding the implementation under test and its start methods.

An implementation is anything that offers ``get_context(method)`` the way ``multiprocessing`` does:
a module (``multiprocessing``, ``multiprocess``, ``billiard``, ``loky.backend``) or an object named
``module:attribute``; or a single context (``module:attribute`` naming an object with ``Process``
and ``get_start_method()``), which offers its own start method alone.

An implementation's start methods are those ``get_all_start_methods()`` lists, else those its
package's ``context`` module lists in ``START_METHODS`` (loky: ``loky``, ``loky_init_main``), else
fork, spawn and forkserver. A method whose context is the standard library's own (loky's
``get_context("fork")``) is *borrowed*: testing it would test ``multiprocessing`` under another
name, so ``all`` leaves it out and naming it skips its tests with that reason.
"""

import importlib
import sys
import types
import warnings

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

    def candidates(self):
        """The start method names this implementation says it has."""
        get_all = getattr(self.obj, "get_all_start_methods", None)
        if get_all is not None:
            return list(get_all())
        package = getattr(self.obj, "__name__", None)
        for holder in (self.obj, sys.modules.get("%s.context" % package)):
            names = getattr(holder, "START_METHODS", None)
            if names:
                return list(names)
        return list(KNOWN_METHODS)

    def describe_methods(self):
        """One line per start method name the implementation has: usable, or why not."""
        lines = []
        for method in self.candidates():
            reason = self.available(method)
            lines.append("%-16s %s" % (method, "offered" if reason is None else "not tested: " + reason))
        return lines

    def methods(self):
        """Every start method this implementation offers on this platform, as its own."""
        names = self.candidates()
        return [m for m in names if self.available(m) is None] or names

    def available(self, method: str):
        """``None`` when ``method`` can be used, else the reason it cannot."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ctx = self.obj.get_context(method)
        except ValueError as exc:
            return "start method %r is not available here: %s" % (method, exc)
        if self.spec.split(".")[0] != "multiprocessing" and type(ctx).__module__ == "multiprocessing.context":
            return ("start method %r of %s is the standard library's own context (%s): testing it "
                    "would test multiprocessing" % (method, self.spec, type(ctx).__name__))
        return None

    def context(self, method: str):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.obj.get_context(method)


class SingleContext(object):
    """An implementation made of one context: it offers that context's start method alone."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.__name__ = getattr(ctx, "__module__", "context")

    def get_all_start_methods(self):
        return [self.ctx.get_start_method()]

    def get_context(self, method=None):
        if method not in (None, self.ctx.get_start_method()):
            raise ValueError("this context offers only %r" % self.ctx.get_start_method())
        return self.ctx


def _is_context(obj) -> bool:
    return hasattr(obj, "Process") and callable(getattr(obj, "get_start_method", None))


def spec_of(obj) -> str:
    """The ``--ipc-impl`` text that names ``obj``: a module's name, or ``module:attribute`` for an
    object bound at the top level of an imported module (so that the host process can import it)."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    for name, module in list(sys.modules.items()):
        try:
            for attr, value in vars(module).items():
                if value is obj and not attr.startswith("__"):
                    return "%s:%s" % (name, attr)
        except TypeError:
            continue
    raise UsageError("%r is bound to no name at the top level of a module: the kit cannot name it "
                     "to its host process" % (obj,))


def load(spec: str) -> Impl:
    """Import ``spec`` (``module`` or ``module:attribute``); a clear :class:`UsageError` if it fails."""
    module_name, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:
        raise UsageError("cannot import %r (%s: %s)" % (module_name, type(exc).__name__, exc)) from None
    for part in filter(None, attr.split(".")):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError("%r has no attribute %r" % (module_name, part)) from None
    if not isinstance(obj, types.ModuleType) and _is_context(obj):
        return Impl(spec, SingleContext(obj))
    if not callable(getattr(obj, "get_context", None)):
        raise UsageError("%r offers no get_context(method); an implementation must offer it as "
                         "multiprocessing does (or name one context: module:attribute)" % (spec,))
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
    valid = sorted(set(KNOWN_METHODS) | set(impl.candidates()))
    bad = [n for n in names if n not in valid]
    if bad or not names:
        raise UsageError("unknown start method %s; valid: %s, a comma-separated list of them, or all"
                         % (", ".join(map(repr, bad)) or "''", ", ".join(valid)))
    return list(dict.fromkeys(names))
