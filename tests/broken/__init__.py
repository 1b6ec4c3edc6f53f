"""Deliberately broken implementations: each breaks one documented promise and nothing else.

An implementation here is what ``--ipc-impl`` accepts: an object with ``get_context(method)``. It
wraps the real ``multiprocessing`` context of that method and replaces one factory (``Barrier``,
``Event``, ...). The harness uses none of them for itself (its plumbing is the operating system's,
see ``ipc_spec._wire``). Each implementation is bound to a name at the top level of its module, so
that the kit's host process can import it by that name (``tests.broken.barrier:duplicate_index``);
the broken classes pickle by reference under spawn and forkserver; these modules import nothing
heavy (workers import them).
"""

import multiprocessing
import re
import sys


class BrokenContext(object):
    """A real context with some factories replaced; everything else is the real one's."""

    def __init__(self, real, overrides):
        self._real = real
        self._overrides = overrides

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_real", "_overrides"):
            raise AttributeError(name)  # pickle's lookups, and unpickling before __dict__ is set
        if name in self._overrides:
            factory = self._overrides[name]
            return lambda *args, **kwargs: factory(self._real, *args, **kwargs)
        return getattr(self._real, name)


class Broken(object):
    """An implementation whose contexts replace ``overrides`` (name -> ``factory(ctx, ...)``)."""

    def __init__(self, name, **overrides):
        self.__name__ = name
        self.overrides = overrides

    def get_context(self, method):
        return BrokenContext(multiprocessing.get_context(method), self.overrides)

    def get_all_start_methods(self):
        return multiprocessing.get_all_start_methods()

    def __repr__(self):
        return "<broken implementation %s>" % self.__name__


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def breaks(*factories, build=None):
    """Class decorator: the class, a broken subclass of a real one, replaces the context's
    ``factories`` (``"Barrier"``) in a new broken implementation, bound in the class's module under
    the class's name in snake case (``DuplicateIndex`` -> ``duplicate_index``), so that the kit's
    host can import it by name. ``build(cls, ctx, *args, **kwargs)`` makes one object (default:
    ``cls(*args, ctx=ctx, **kwargs)``, as ``multiprocessing.synchronize`` classes take)."""

    def decorate(cls):
        module = sys.modules[cls.__module__]
        family = cls.__module__.rsplit(".", 1)[-1]
        make = build or (lambda cls, ctx, *args, **kwargs: cls(*args, ctx=ctx, **kwargs))

        def factory(ctx, *args, **kwargs):
            return make(cls, ctx, *args, **kwargs)

        setattr(module, _snake(cls.__name__),
                Broken("%s.%s" % (family, cls.__name__), **{name: factory for name in factories}))
        return cls

    return decorate
