"""Worker-side operations of the dict, list and Namespace proxies (standard library only): called
as ``macro(obj, "proxy:<function>", ...)``; see ``ipc_spec.specs.proxy``."""


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
