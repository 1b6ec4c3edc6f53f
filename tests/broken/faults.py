"""Broken implementations for the fault-injection properties that no other module's cover."""

import os

from . import Broken

_leaked = []


def _pipe_leaking_a_copy(ctx, duplex=True):
    """A Pipe that keeps a hidden duplicate of each end's descriptor open in the creating process
    (and every process forked from it): a reader then never sees end of file."""
    a, b = ctx.Pipe(duplex)
    _leaked.extend(os.dup(conn.fileno()) for conn in (a, b))
    return a, b


pipe_leaks_a_copy = Broken("faults.PipeLeaksACopy", Pipe=_pipe_leaking_a_copy)
