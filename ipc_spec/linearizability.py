"""Is a concurrent history linearizable with respect to sequential models?

Pure: no ``multiprocessing`` here. A history is *linearizable* (Herlihy & Wing) when its operations
can be put in one sequence that (1) keeps their real-time order: an op that ended before another
began comes first, and (2) is a legal run of the object's sequential model
(:mod:`ipc_spec.models`) with each op's recorded outcome. Each op then appears to take effect at
one instant between its start and its end.

The search is Wing & Gong's, with Lowe's memoization, as Porcupine does it:

- the ops become call and return entries in one list ordered by time (at equal times calls come
  first: ops that touch at an instant count as overlapping, never as ordered);
- depth-first, the checker *linearizes* a pending op (one whose call entry comes before every
  return entry still in the list) when the model accepts it in the current state, lifts its call
  and return out of the list, and goes on; when no pending op can be linearized it backtracks;
- a memo of ``(set of linearized ops as a bit mask, model state)`` cuts every branch that reaches a
  configuration already explored;
- P-compositionality: linearizability is local (a history is linearizable iff each object's
  sub-history is), so each object is checked on its own.

One heuristic: pending ops are tried in the order of their *end* times (Porcupine tries them in
the order of their calls). The harness records an op's end right after the call returns, and the
primitives take effect late in a call (after waiting for a lock, a semaphore, data), so the end
order is usually the order of effects and the first guess is usually right; the search stays
exhaustive. The worst case stays exponential (deciding linearizability is NP-complete): a search
that explores more than ``budget`` configurations gives up with :class:`TooHard` rather than eat
the machine's memory.

Shortcuts: a model may decide a history itself, without the search, where its semantics allow a
polynomial-time decision (:meth:`~ipc_spec.models.Model.decide`, answering with a :class:`Result`;
a global FIFO queue does so for histories of puts and gets of items put once, for which the search
is exponential in the number of overlapping puts). The checker knows no model by name: it asks
each model first, and searches when the model answers None.

When a history is not linearizable the checker shrinks the failing object's ops to a minimal
sub-history: one that is still not linearizable, while dropping any single op of it makes it
linearizable (see :func:`minimal_failure`). The violation shows that sub-history, and, for context,
where the search got stuck in the shortest failing prefix of the history (by start time): the
longest legal order it found, the model's state after it, and the ops that could not come next.
"""

from .errors import HarnessError, violation_type
from .history import History
from .models import Model

__all__ = ["check_linearizable", "is_linearizable", "minimal_failure", "partition", "Result",
           "TooHard", "BUDGET"]

#: Configurations the search may explore for one object before it gives up (each costs a few
#: hundred bytes of memo, and some 30 microseconds).
BUDGET = 200000


class TooHard(HarnessError):
    """The search gave up: the history has too many orders to try. Not a verdict on the
    implementation: check shorter histories, with fewer processes or with items tagged uniquely."""


def _resolve(key, spec):
    """A Model from a models-dict value: a Model, or a callable returning one."""
    if isinstance(spec, Model):
        return spec
    if callable(spec):
        model = spec()
        if isinstance(model, Model):
            return model
    raise HarnessError("models[%r] is %r: not a Model nor a callable returning one" % (key, spec))


def partition(ops, keys):
    """The ops of each object named in ``keys``, in their recorded order.

    An op belongs to the key equal to its object's name, else to the longest key that is a dotted
    prefix of it: with the key ``"p"``, the ends ``"p.a"`` and ``"p.b"`` of a Pipe are one object.
    Ops on objects no key names, and ``pause`` steps, are left out.
    """
    keys = sorted(keys, key=len, reverse=True)
    found = {}
    owner = {}
    for op in ops:
        if op.call == "pause":
            continue
        name = op.obj
        if name not in owner:
            owner[name] = None
            if name in keys:
                owner[name] = name
            else:
                for key in keys:
                    if name.startswith(key + "."):
                        owner[name] = key
                        break
        key = owner[name]
        if key is not None:
            found.setdefault(key, []).append(op)
    return found


class Result(object):
    """What a search, or a model's own decision (:meth:`~ipc_spec.models.Model.decide`), found:
    ``ok``; the deepest legal order reached (``longest``, ops), the state after it and the ops that
    were pending then (with ``trace``); ``explored`` configurations.

    A failure that a model decided itself may say why, for the violation's context: ``reason``,
    a sentence shown as it is, or ``model``, a weaker model whose search shows where the history
    went wrong (the search of the failing model itself otherwise)."""

    __slots__ = ("ok", "longest", "state", "pending", "explored", "states", "reason", "model")

    def __init__(self, ok, longest=None, state=None, pending=None, explored=0, states=None,
                 reason=None, model=None):
        self.ok = ok
        self.longest = longest
        self.state = state
        self.pending = pending
        self.explored = explored
        self.states = states  # with ``states``: every model state the search reached
        self.reason = reason
        self.model = model


def _search(ops, model, trace=False, budget=None, states=False):
    """Whether ``ops`` (all on one object) linearize for ``model``, as a :class:`Result`."""
    budget = BUDGET if budget is None else budget
    n = len(ops)
    if n == 0:
        return Result(True, [], model.init(), [], 0, {model.init()})
    events = []
    for i, op in enumerate(ops):
        events.append((op.start, 0, i))
        events.append((op.end, 1, i))
    events.sort()
    size = 2 * n
    head = size
    is_call = [e[1] == 0 for e in events]
    which = [e[2] for e in events]
    match = [0] * size
    position = [0] * n  # op index -> its call entry
    for k in range(size):
        if is_call[k]:
            position[which[k]] = k
        else:
            match[position[which[k]]] = k
    # a doubly linked list of the entries, head first; -1 ends it
    nxt = list(range(1, size + 1)) + [0]
    nxt[size - 1] = -1
    nxt[head] = 0
    prv = [head] + list(range(0, size - 1)) + [0]
    order = [(op.end, op.start) for op in ops]

    def pending():
        """The call entries before the first return entry, by their op's end time."""
        found = []
        entry = nxt[head]
        while entry != -1 and is_call[entry]:
            found.append(entry)
            entry = nxt[entry]
        if len(found) > 1:
            found.sort(key=lambda e: order[which[e]])
        return found

    step = model.step
    state = model.init()
    linearized = 0
    memo = set()
    stack = []  # (candidates, index of the one linearized, state before it)
    best = (-1, None, None, None)
    candidates, index = pending(), 0
    while True:
        if nxt[head] == -1:
            longest = [ops[which[c[i]]] for c, i, _ in stack] if trace else None
            reached = set([model.init()] + [k[1] for k in memo]) if states else None
            return Result(True, longest, state, [], len(memo), reached)
        advanced = False
        while index < len(candidates):
            entry = candidates[index]
            i = which[entry]
            ok, after = step(state, ops[i])
            if ok:
                marked = linearized | (1 << i)
                key = (marked, after)
                if key not in memo:
                    memo.add(key)
                    if len(memo) > budget:
                        raise TooHard(
                            "the linearizability search gave up after %d configurations of %d "
                            "operations (model %s): check shorter histories, with fewer processes "
                            "or uniquely tagged items" % (len(memo) - 1, n, model.describe()))
                    stack.append((candidates, index, state))
                    state = after
                    linearized = marked
                    ret = match[entry]  # lift the call and its return out of the list
                    p, q = prv[entry], nxt[entry]
                    nxt[p] = q
                    if q != -1:
                        prv[q] = p
                    p, q = prv[ret], nxt[ret]
                    nxt[p] = q
                    if q != -1:
                        prv[q] = p
                    candidates, index = pending(), 0
                    advanced = True
                    break
            index += 1
        if advanced:
            continue
        if trace and len(stack) > best[0]:
            best = (len(stack), [ops[which[c[i]]] for c, i, _ in stack], state,
                    [ops[which[e]] for e in candidates])
        if not stack:
            reached = set([model.init()] + [k[1] for k in memo]) if states else None
            return Result(False, best[1], best[2], best[3], len(memo), reached)
        candidates, index, state = stack.pop()
        entry = candidates[index]
        linearized &= ~(1 << which[entry])
        ret = match[entry]  # put the return, then the call, back where they were
        p, q = prv[ret], nxt[ret]
        nxt[p] = ret
        if q != -1:
            prv[q] = ret
        p, q = prv[entry], nxt[entry]
        nxt[p] = entry
        if q != -1:
            prv[q] = entry
        index += 1


def _linearizable(ops, model, budget):
    """Whether the ops (all on one object) linearize for ``model``: the model's own decision when
    it gives one (:meth:`~ipc_spec.models.Model.decide`), else the search."""
    decided = model.decide(ops, budget)
    if decided is not None:
        return decided.ok
    return _search(ops, model, budget=budget).ok


def is_linearizable(ops, model, budget=None):
    """Whether the ops (all on one object) linearize for ``model``."""
    return _linearizable(list(ops), model, BUDGET if budget is None else budget)


def _fails(ops, model, budget):
    """The ops surely do not linearize (a search that gives up does not count)."""
    try:
        return not _linearizable(ops, model, budget)
    except TooHard:
        return False


def _failing_prefix(ops, model, budget):
    """A short prefix, in start order, of ``ops`` (which do not linearize) that does not linearize:
    found by galloping, then bisection."""
    order = sorted(ops, key=lambda op: (op.start, op.end))
    n = len(order)
    low, high = 0, 1
    while high < n and not _fails(order[:high], model, budget):
        low, high = high, min(2 * high, n)
    while high - low > 1:  # order[:high] fails; order[:low] was not seen to
        middle = (low + high) // 2
        if _fails(order[:middle], model, budget):
            high = middle
        else:
            low = middle
    return order[:high]


#: Up to this many ops, shrinking also tries to drop pairs of ops (an acquire and its release).
PAIRS = 40

#: Configurations a search that only guides shrinking may explore.
GUIDE_BUDGET = 2000


def _drop_chunks(current, keep):
    """Drop chunks of ``current`` while ``keep(rest)`` holds, halving the chunk size down to single
    ops (as delta debugging does), until no single op can go."""
    chunk = max(1, len(current) // 2)
    while True:
        dropped = False
        i = 0
        while i < len(current):
            candidate = current[:i] + current[i + chunk:]
            if candidate and keep(candidate):
                current = candidate
                dropped = True
            else:
                i += chunk
        if chunk > 1:
            chunk //= 2
        elif not dropped:
            return current


def _drop_pairs(current, keep):
    """Drop pairs of ops while ``keep(rest)`` holds."""
    again = True
    while again:
        again = False
        for i in range(len(current)):
            for j in range(i + 1, len(current)):
                candidate = current[:i] + current[i + 1:j] + current[j + 1:]
                if candidate and keep(candidate):
                    current, again = candidate, True
                    break
            if again:
                break
    return current


def minimal_failure(ops, model, budget=None):
    """A sub-history of ``ops`` (which must not linearize for ``model``) that does not linearize
    either, while dropping any one of its ops makes it linearize; in the order of ``ops``. See
    :func:`_shrink`."""
    return _shrink(ops, model, BUDGET if budget is None else budget)[1]


def _shrink(ops, model, budget):
    """``(prefix, minimal)``: the shortest failing prefix of ``ops`` by start time, and a minimal
    failing sub-history of ``ops``.

    Many sub-histories are minimal (a ``release`` of a lock without its ``acquire`` fails on its
    own), so shrinking aims at the one that explains the failure. The shortest failing prefix in
    start order (see :func:`_failing_prefix`) ends with the op that makes it fail, the *culprit*.
    First, ops are dropped (the oldest ones first, keeping the shortest window that ends with the
    culprit, then chunks of halving size as delta debugging does, then single ops, then pairs for
    short histories) while the rest, culprit included, still fails, would
    linearize without the culprit, and (when it was so in the prefix) reaches a state in which
    the culprit alone would be legal: the result shows why the culprit could not happen *then*.
    Then single ops are dropped while the rest still fails, which makes the result minimal.
    """
    ops = list(ops)
    index = {id(op): i for i, op in enumerate(ops)}
    prefix = current = _failing_prefix(ops, model, budget)
    culprit = current[-1]

    def possible(rest):
        """Whether the culprit is legal in some state a search of ``rest`` reaches; None when the
        search gives up (it only guides shrinking, so it is kept short)."""
        try:
            reached = _search(rest, model, budget=min(budget, GUIDE_BUDGET), states=True).states
        except TooHard:
            return None
        return any(model.step(state, culprit)[0] for state in reached)

    # when it was so in the prefix, keep the culprit possible on its own, only not in order
    must_be_possible = possible(current[:-1]) is True

    def explains(sub):
        if not any(op is culprit for op in sub) or not _fails(sub, model, budget):
            return False
        rest = [op for op in sub if op is not culprit]
        if _fails(rest, model, budget):
            return False
        return not must_be_possible or possible(rest) is not False

    # the failure is often explained by the ops just before the culprit: the shortest window of
    # the prefix that ends with it and explains the failure (doubling), then delta debugging
    size = 1
    while size < len(current):
        if explains(current[-size:]):
            current = current[-size:]
            break
        size *= 2
    current = _drop_chunks(current, explains)
    if len(current) <= PAIRS:
        current = _drop_pairs(current, explains)
    current = _drop_chunks(current, lambda sub: _fails(sub, model, budget))
    return prefix, sorted(current, key=lambda op: index[id(op)])


def _describe(op):
    return "process %d: %s %s" % (op.proc, op.step.describe(), op.outcome())


#: Ops of a legal order shown in a violation's context (the last ones).
CONTEXT = 8

#: Configurations the search for a violation's context may explore (it is only context).
CONTEXT_BUDGET = 20000


def _explain(key, ops, model, prefix, minimal, budget):
    """The violation's message."""
    if len(minimal) == 1:
        part = ("Shown below: one of them that is not legal even on its own, in the model's "
                "initial state (the context says where the history went wrong).")
    else:
        part = ("Shown below: a minimal part of them, %d operations, that is not linearizable "
                "either (without any one of them, the rest would be)." % len(minimal))
    lines = ["the %d operations on %s are not linearizable for %s: no order of them that keeps "
             "their real-time order is a legal run of the model. %s"
             % (len(ops), key, model.describe(), part)]
    decided = model.decide(ops, budget)
    if decided is not None and not decided.ok:
        if decided.reason:  # the model said why
            lines.append("Context: %s" % decided.reason)
            return "\n".join(lines)
        if decided.model is not None:  # a weaker model, whose search shows where it went wrong
            model = decided.model
    try:
        found = _search(prefix, model, trace=True, budget=min(budget, CONTEXT_BUDGET))
    except TooHard:
        return "\n".join(lines)
    if found.ok:  # cannot happen for a failing prefix; no context then
        return "\n".join(lines)
    lines.append("Context: the first %d operations by start time already fail. The longest legal "
                 "order of some of them that the search found has %d operation%s%s"
                 % (len(prefix), len(found.longest), "" if len(found.longest) == 1 else "s",
                    ", ending with:" if found.longest else "."))
    shown = found.longest[-CONTEXT:]
    if len(found.longest) > len(shown):
        lines.append("    ... %d before" % (len(found.longest) - len(shown)))
    for k, op in enumerate(shown):
        lines.append("    %d. %s" % (len(found.longest) - len(shown) + k + 1, _describe(op)))
    lines.append("  leaving the model in the state: %s" % model.show(found.state))
    lines.append("  from where none of the pending operations can come next in a legal order:")
    lines.extend("    %s" % _describe(op) for op in found.pending)
    return "\n".join(lines)


def check_linearizable(history, models, prop="linearizability", budget=None):
    """Check that ``history`` is linearizable, object by object.

    ``models`` maps object names (as in ``Op.obj``; a Pipe's name for both its ends, see
    :func:`partition`) to a :class:`~ipc_spec.models.Model`, or to a callable returning one (for
    per-object parameters: ``{"s": MODELS["Semaphore"](3)}`` or ``{"s": lambda: Semaphore(3)}``).
    Ops on other objects are ignored. ``history`` is a :class:`~ipc_spec.history.History` or a
    sequence of ops.

    Raises :class:`~ipc_spec.errors.SpecViolation` ``(prop, message, history, ops)`` for the first
    object (by name) whose ops do not linearize, ``ops`` being a minimal sub-history that does
    not; the exception also carries them as its attributes ``ops``, ``obj`` (the models key) and
    ``model``. Raises :class:`TooHard` when the search explores more than ``budget``
    (:data:`BUDGET`) configurations for one object. Returns the number of ops checked for each
    object.
    """
    if not isinstance(history, History):
        history = History(list(history))
    resolved = {key: _resolve(key, spec) for key, spec in models.items()}
    checked = {}
    for key, ops in sorted(partition(history.ops, resolved).items()):
        model = resolved[key]
        checked[key] = len(ops)
        if _linearizable(ops, model, BUDGET if budget is None else budget):
            continue
        budget = BUDGET if budget is None else budget
        prefix, minimal = _shrink(ops, model, budget)
        error = violation_type(prop)(prop, _explain(key, ops, model, prefix, minimal, budget),
                                     history, minimal)
        error.obj, error.model, error.ops = key, model, minimal
        raise error
    return checked
