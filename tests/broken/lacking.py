"""Implementations that lack a feature outright: an object they cannot build, or cannot hand to a
process at its start. The kit must report ``<family>.construct`` or ``<family>.inherit`` for the
properties that need it, and leave out only the examples that do (``harness.Env.check_lacks``)."""

from . import Broken


def _refuse(name):
    def factory(ctx, *args, **kwargs):
        raise OSError("this implementation cannot build a %s" % name)

    return factory


class Unpicklable(object):
    """Wraps a real object, which works in the process that built it, but cannot be pickled: under
    spawn and forkserver it cannot reach a worker (under fork nothing is pickled)."""

    def __init__(self, obj):
        self.obj = obj

    def __getattr__(self, name):
        return getattr(self.__dict__["obj"], name)

    def __reduce__(self):
        raise TypeError("cannot pickle this object (it holds a memory map of its own)")


def _unpicklable(name):
    def factory(ctx, *args, **kwargs):
        return Unpicklable(getattr(ctx, name)(*args, **kwargs))

    return factory


no_barrier = Broken("lacking.NoBarrier", Barrier=_refuse("Barrier"))
no_lock = Broken("lacking.NoLock", Lock=_refuse("Lock"))
no_event = Broken("lacking.NoEvent", Event=_refuse("Event"))
no_queue = Broken("lacking.NoQueue", Queue=_refuse("Queue"))
no_pipe = Broken("lacking.NoPipe", Pipe=_refuse("Pipe"))
no_value = Broken("lacking.NoValue", Value=_refuse("Value"))
barrier_stays = Broken("lacking.BarrierStays", Barrier=_unpicklable("Barrier"))
lock_stays = Broken("lacking.LockStays", Lock=_unpicklable("Lock"))
event_stays = Broken("lacking.EventStays", Event=_unpicklable("Event"))
queue_stays = Broken("lacking.QueueStays", Queue=_unpicklable("Queue"))


def _without_64_bits(name):
    """A factory of ``name`` (Value, RawValue, Array, RawArray) that has no 64-bit integer
    typecode: ``'q'`` and ``'Q'`` raise TypeError, as billiard 4.3 does."""

    def factory(ctx, typecode_or_type, *args, **kwargs):
        if typecode_or_type in ("q", "Q"):
            raise TypeError("this type has no size")
        return getattr(ctx, name)(typecode_or_type, *args, **kwargs)

    return factory


no_64_bit_values = Broken("lacking.No64BitValues", Value=_without_64_bits("Value"),
                          RawValue=_without_64_bits("RawValue"))
no_64_bit_arrays = Broken("lacking.No64BitArrays", Array=_without_64_bits("Array"),
                          RawArray=_without_64_bits("RawArray"))
