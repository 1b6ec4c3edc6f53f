"""The base of sequential specifications, for the linearizability checker; each family's models
live in its spec module (``ipc_spec.specs.lock.Lock``, ``ipc_spec.specs.queue.Queue``, ...).

Pure: no ``multiprocessing`` here. A :class:`Model` says what one object does when its operations
run one at a time, in the style of Porcupine's models: :meth:`Model.init` gives the initial state,
:meth:`Model.step` takes a state and one recorded :class:`~ipc_spec.history.Op` and answers whether
that op, with the outcome it had, is possible in that state, and the state after it. States are
hashable (the checker memoizes them). :func:`ipc_spec.linearizability.check_linearizable` then asks
whether the ops of a concurrent history can be put in one order, consistent with their real-time
order, that the model accepts step by step.

How a model reads an op: ``op.call`` is the method name, ``".attr"`` / ``".attr="`` an attribute
read or write, ``"@family:name"`` a worker operation of ``ipc_spec.ops.<family>``; ``op.step.args``
and ``op.step.kwargs`` are bound to the documented signature, so ``acquire(False)`` and ``acquire(block=False)`` mean the same;
``op.result`` is what the call returned (as ``_child.portable`` made it: lists, tuples and plain
values as they are, anything else an ``Opaque`` holding its type name and repr); ``op.error`` is the
exception's type name (``"Empty"``, ``"ValueError"``) or None; ``op.proc`` is the process that ran
it. Items are compared in that portable form, so a dict put on a queue matches the ``Opaque`` a
``get`` returned for it when their reprs agree.

What the models promise is what the documentation promises (``Doc/library/multiprocessing.rst``,
and ``threading.rst`` for the semantics it refers to). Each model's docstring says which documented
caveats it allows for. Every op is linearized at one point between its start and its end; an op that
gave up (a non-blocking or timed-out ``acquire``, ``get``, ``put``) is linearized at a point where
giving up was allowed. Calls a model cannot interpret are a fault of the scenario, not of the
implementation: they raise :class:`~ipc_spec.errors.HarnessError`.

Calling a model gives one of the same kind with other parameters: ``Semaphore(2)(3)`` is
``Semaphore(3)``. A model may also decide a whole history itself, faster than the search
(:meth:`Model.decide`).
"""

from .errors import HarnessError

__all__ = ["Model", "portable_key", "show_key", "bind"]


# -- reading ops ------------------------------------------------------------------------------

_REQUIRED = object()

#: Keyword names accepted for the same parameter (``threading`` spells ``block`` ``blocking``).
_ALIASES = {"blocking": "block"}


class Unbound(HarnessError):
    """An op's arguments do not fit the documented signature the model reads them with."""


def bind(op, params):
    """``op``'s arguments as a dict, bound to ``params``: a sequence of ``(name, default)``, a
    default of ``_REQUIRED`` marking a required parameter. Raises :class:`Unbound` when they do
    not fit."""
    args, kwargs = op.step.args, op.step.kwargs
    if len(args) > len(params):
        raise Unbound("%s takes at most %d arguments" % (op.call, len(params)))
    bound = {}
    for (name, _), value in zip(params, args):
        bound[name] = value
    names = set(name for name, _ in params)
    for key, value in kwargs.items():
        key = _ALIASES.get(key, key)
        if key not in names or key in bound:
            raise Unbound("%s got an unexpected or repeated argument %r" % (op.call, key))
        bound[key] = value
    for name, default in params:
        if name not in bound:
            if default is _REQUIRED:
                raise Unbound("%s is missing its argument %r" % (op.call, name))
            bound[name] = default
    return bound


_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def portable_key(value):
    """A hashable key for ``value`` as it looks once it has crossed the harness's pipe.

    Mirrors ``ipc_spec._child.portable`` (which this pure module may not import): plain values and
    lists and tuples of them keep their value, anything else becomes its type name and (truncated)
    repr, as an ``Opaque`` result carries them. Keys carry the type, so ``1``, ``1.0`` and ``True``
    differ; NaN equals NaN.
    """
    if isinstance(value, _PLAIN):
        if isinstance(value, float) and value != value:
            return ("float", "nan")
        return (type(value).__name__, value)
    if type(value) in (list, tuple):
        return (type(value).__name__, tuple(portable_key(v) for v in value))
    if type(value).__name__ == "Opaque" and hasattr(value, "type") and hasattr(value, "text"):
        return ("<opaque>", value.type, value.text)
    text = repr(value)
    if len(text) > 200:
        text = text[:200] + "..."
    return ("<opaque>", type(value).__name__, text)


def show_key(key):
    """A :func:`portable_key` as the value it stands for would print."""
    kind = key[0]
    if kind == "<opaque>":
        return key[2]
    if kind in ("list", "tuple"):
        items = [show_key(k) for k in key[1]]
        if kind == "list":
            return "[%s]" % ", ".join(items)
        return "(%s)" % (items[0] + "," if len(items) == 1 else ", ".join(items))
    if key == ("float", "nan"):
        return "nan"
    return repr(key[1])


_NONE = ()


class Model(object):
    """A sequential specification: :meth:`init` and :meth:`step`, nothing else is required.

    Subclasses set :attr:`name`, take their parameters in ``__init__`` (stored in
    :attr:`params`, for messages), and implement :meth:`init` and :meth:`step`. ``step`` must
    not change ``state`` (states are shared by the checker's memo); it returns a new one. A model
    may also decide some histories itself, faster than the checker's search (:meth:`decide`).
    """

    name = "Model"

    def __init__(self, **params):
        self.params = params

    def init(self):
        """The state of a new object."""
        raise NotImplementedError

    def step(self, state, op):
        """``(ok, new_state)``: whether ``op``, with its recorded outcome, can happen in ``state``,
        and the state after it (``state`` itself when not ok)."""
        raise NotImplementedError

    def decide(self, ops, budget):
        """Whether ``ops`` (all on this object, as the checker gives them) linearize, decided by
        the model itself: an :class:`ipc_spec.linearizability.Result`, or None (the default) when
        this model cannot tell for these ops, and the checker's search decides.

        Optional: a model overrides it where its semantics decide some histories in polynomial
        time that the search, exponential in the worst case, may give up on (a global FIFO queue's
        puts and gets of items put once). It must answer exactly as the search would. ``budget``
        bounds any search it runs itself (:func:`ipc_spec.linearizability.is_linearizable` raises
        ``TooHard`` beyond it). A failure may say why (the Result's ``reason``, or a weaker
        ``model`` whose search shows where the history went wrong)."""
        return None

    def __call__(self, *args, **kwargs):
        """A model of the same kind with other parameters: ``MODELS["Semaphore"](3)``."""
        return type(self)(*args, **kwargs)

    def show(self, state):
        """``state`` for a person to read (in violation messages)."""
        return repr(state)

    def describe(self):
        """The model as a call, for messages: ``Semaphore(value=3)``."""
        params = ", ".join("%s=%r" % kv for kv in sorted(self.params.items()))
        return "%s(%s)" % (self.name, params)

    def __repr__(self):
        return "<model %s>" % self.describe()

    # helpers for subclasses

    def unknown(self, op):
        """The error for a call this model cannot interpret."""
        return HarnessError("the %s model cannot interpret %s (process %d): a scenario should only "
                            "check histories of the documented calls it models"
                            % (self.describe(), op.step.describe(), op.proc))

    def bind(self, op, params, state):
        """``bind(op, params)``, or None when the op raised TypeError: a call with arguments the
        implementation does not take (``acquire(blocking=False)`` on a ``multiprocessing`` lock),
        which had no effect. Raises HarnessError when the arguments of an op that did not raise
        TypeError do not fit the documented signature."""
        if op.error == "TypeError":
            return None
        try:
            return bind(op, params)
        except Unbound as exc:
            raise HarnessError("the %s model cannot read %s (process %d): %s"
                               % (self.describe(), op.step.describe(), op.proc, exc))


# -- locks and semaphores ----------------------------------------------------------------------
