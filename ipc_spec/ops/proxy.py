"""Worker-side operations of the dict, list and Namespace proxies (standard library only): called
as ``macro(obj, "proxy:<function>", ...)``; see ``ipc_spec.specs.proxy``."""

import gc
import pickle

#: A key no example writes: reading it through a dict proxy raises KeyError.
MISSING = "missing"


def items(d):
    """``list(d.items())``: a dict proxy's items, in its order, as plain data."""
    return list(d.items())


def inner(container, key, method, *args):
    """``container[key].method(*args)``: a call through the proxy a container proxy holds."""
    return getattr(container[key], method)(*args)


def inner_read(container, key):
    """What the proxy ``container[key]`` holds, as plain data: a list's items, a dict's items in
    its order."""
    held = container[key]
    if hasattr(held, "items"):
        return list(held.items())
    return held[:]


def copied(proxy, how, writes):
    """Receive ``proxy`` a second time (pickled and unpickled, as a second message bringing it
    would: "proxy objects are picklable"), let that copy go, then make the ``writes`` (``(key,
    value)`` pairs) through ``proxy``, all but the first with the garbage collector running at
    nearly every allocation, as it may at any (where ``gc`` has thresholds: not on PyPy). Returns, for each
    write, None if ``proxy[key] = value`` returned, else ``"Type: message"`` of what it raised.

    ``how`` the copy is let go: ``"raised"``, after a KeyError raised through it (the exception's
    traceback holds the copy's frame, so the copy lives in a reference cycle until the collector
    frees it); ``"cycle"``, from a list that holds itself; ``"plain"``, at once."""
    copy = pickle.loads(pickle.dumps(proxy))
    if how == "raised":
        try:
            copy[MISSING]
        except KeyError:
            pass
    elif how == "cycle":
        held = [copy]
        held.append(held)
        del held
    del copy
    threshold = gc.get_threshold() if hasattr(gc, "set_threshold") else None
    outcomes = []
    for number, (key, value) in enumerate(writes):
        if number == 1 and threshold is not None:  # the first write opened the connection
            gc.set_threshold(1)
        try:
            proxy[key] = value
            outcomes.append(None)
        except Exception as exc:
            outcomes.append("%s: %s" % (type(exc).__name__, exc))
    if threshold is not None:
        gc.set_threshold(*threshold)
    return outcomes
