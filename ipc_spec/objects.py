"""What a scenario's shared objects are: how to build one (:class:`Make`, recycled by a family's
documented reset), the kit's own instruments (:class:`Cells`), and the parts an implementation
could not build (:class:`Lacking`).

Light on purpose: the host process (``ipc_spec._host``) imports this module to build objects, and
nothing here imports ``multiprocessing`` or pytest.
"""


class Make(object):
    """How to build one shared object: ``Make("Barrier", 3, action=f)`` is ``ctx.Barrier(3, action=f)``.

    ``factory`` is the name of a context attribute, or a callable ``factory(ctx, *args, **kwargs)``
    (a module-level function, so that it pickles by name). A callable may return a dict: its entries
    are then reachable as ``name.key`` (``""`` is ``name`` itself), e.g. a Condition and its lock.

    ``clause`` names the promise an example breaks when the implementation cannot build the object
    (``<clause>.construct``) or hand it to a process (``<clause>.inherit``); by default the
    factory's name in lower case (``barrier.construct``), or a callable's ``clause`` attribute.

    ``sent``: objects of this kind reach a process pickled, with the example that uses them,
    rather than at the process's start from a crew's bank (a callable factory's ``sent``
    attribute; see :attr:`sent`).
    """

    __slots__ = ("factory", "args", "kwargs", "key", "reset", "often", "clause", "sent")

    def __init__(self, factory, *args, **kwargs):
        self.factory = factory
        self.args = args
        self.kwargs = kwargs
        self.key = (factory, args, tuple(sorted(kwargs.items())))
        #: ``reset(obj, *args, **kwargs) -> bool``, or None if objects of this kind serve one example
        #: only (see :meth:`recycled_by`; a callable factory may carry it as its ``reset``).
        self.reset = getattr(factory, "reset", None) if callable(factory) else None
        self.often = callable(factory)
        self.clause = (factory.lower() if isinstance(factory, str)
                       else getattr(factory, "clause", factory.__name__.lower()))
        #: Whether the objects are sent to the workers with each example that uses them (pickled
        #: by the host, unpickled by the workers whose steps use them) instead of being held in
        #: crews' banks. For a Manager's proxies, which the documentation lets pass to another
        #: process at any time ("proxy objects are picklable"): a proxy held in a bank costs every
        #: worker started with the bank a connection to its manager (an incref when it arrives, a
        #: decref when the worker exits), and under fork every proxy the host holds does.
        #: A sent kind is never recycled, whatever its ``reset`` (see ``_host.Host.op_send``).
        self.sent = bool(getattr(factory, "sent", False)) if callable(factory) else False

    def recycled_by(self, reset, often=False) -> "Make":
        """Objects of this kind serve another example once an example that used them passed and
        ``reset(obj, *args, **kwargs)`` (a module-level function: the host imports it) brought
        them back to their initial state by documented operations, returning True. ``often``: a
        passing example nearly always leaves them reusable, so first banks are small."""
        self.reset = reset
        self.often = often
        return self

    def __getstate__(self):
        return (self.factory, self.args, self.kwargs, self.reset, self.often)

    def __setstate__(self, state):
        factory, args, kwargs, reset, often = state
        self.__init__(factory, *args, **kwargs)
        self.reset, self.often = reset, often

    def build(self, ctx):
        if callable(self.factory):
            return self.factory(ctx, *self.args, **self.kwargs)
        return getattr(ctx, self.factory)(*self.args, **self.kwargs)

    @property
    def recycled(self) -> bool:
        """Whether objects of this kind nearly always come back (small first banks)."""
        return self.reset is not None and self.often

    def __repr__(self):
        name = getattr(self.factory, "__name__", self.factory)
        parts = [repr(a) for a in self.args]
        parts += ["%s=%s" % (k, getattr(v, "__name__", repr(v))) for k, v in sorted(self.kwargs.items())]
        return "%s(%s)" % (name, ", ".join(parts))


class Lacking(object):
    """A part of a compound object (a factory's dict) that the implementation could not build:
    examples that use the part are left out, and the run reports ``clause`` as failed with
    ``text`` (a partial implementation gets a verdict per feature). See :func:`part`."""

    __slots__ = ("clause", "text")

    def __init__(self, clause, text):
        self.clause = clause
        self.text = text

    def __reduce__(self):
        return (Lacking, (self.clause, self.text))

    def __repr__(self):
        return "<lacking %s: %s>" % (self.clause, self.text)


def part(clause, description, build, *args, **kwargs):
    """``build(*args, **kwargs)`` for one part of a compound object, or :class:`Lacking` naming
    ``clause`` when it raises (``description`` says what was built: ``"Value('q')"``)."""
    try:
        return build(*args, **kwargs)
    except Exception as exc:
        return Lacking(clause, "%s raised %s: %s" % (description, type(exc).__name__, exc))


class Cells(object):
    """An instrument of the kit's own: ``count`` shared integers, zero at the start of every
    example, that a property uses to observe (counters, gates, flags) without trusting any primitive
    of the implementation under test. They live in the kit's shared memory (a file mapped by the
    harness and every worker), never in a ``Value`` or ``RawArray`` of the implementation.

    In a worker the name stands for an object with ``.value`` (the first cell), indexing, slicing
    and ``len()``; see ``ipc_spec._wire.CellView``.
    """

    __slots__ = ("count",)

    def __init__(self, count: int = 1):
        self.count = count

    def __repr__(self):
        return "Cells(%d)" % self.count
