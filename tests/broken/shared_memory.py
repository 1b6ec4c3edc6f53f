"""Broken shared_memory implementations, one broken promise each
(``tests/test_selftest_shared_memory.py``).

Each is a subclass of the real ``SharedMemory``, ``ShareableList`` or ``SharedMemoryManager``,
bound at module level by name, that the broken context gives as ``ctx.SharedMemory``,
``ctx.ShareableList`` or ``ctx.SharedMemoryManager`` (the kit's operations take them from the
context when it has them). The context's factory is a :class:`_Factory`, which pickles by name:
a child started under spawn or forkserver, or a separate program, gets the same broken classes.
"""

import multiprocessing
import os
import sys
import time
from multiprocessing import managers as _managers
from multiprocessing import shared_memory as _shared_memory

from . import Broken, _snake


class _Factory(object):
    """``ctx.<Factory>(*args, **kwargs)`` of a broken implementation: the class ``name`` of this
    module, built from the arguments (the context is not passed on)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, ctx, *args, **kwargs):
        return getattr(sys.modules[__name__], self.name)(*args, **kwargs)


def _broken(factory):
    """Class decorator: a broken implementation whose ``factory`` (``"SharedMemory"``) is the
    class, bound in this module under the class's name in snake case."""

    def decorate(cls):
        setattr(sys.modules[__name__], _snake(cls.__name__),
                Broken("shared_memory." + cls.__name__, **{factory: _Factory(cls.__name__)}))
        return cls

    return decorate


# -- SharedMemory -------------------------------------------------------------------------------


@_broken("SharedMemory")
class BufShort(_shared_memory.SharedMemory):
    """buf is one byte shorter than the block's size."""

    @property
    def buf(self):
        return super().buf[:-1]


@_broken("SharedMemory")
class NameMangled(_shared_memory.SharedMemory):
    """The name of a block created with a name reads with an "x" appended."""

    _given = False

    def __init__(self, name=None, create=False, size=0, **kwargs):
        super().__init__(name, create, size, **kwargs)
        self._given = create and name is not None

    @property
    def name(self):
        return super().name + "x" if self._given else super().name


@_broken("SharedMemory")
class SizeWritable(_shared_memory.SharedMemory):
    """size can be assigned."""

    @property
    def size(self):
        return self._size

    @size.setter
    def size(self, value):
        self._size = value


@_broken("SharedMemory")
class AttachCopies(_shared_memory.SharedMemory):
    """Attaching by name gives a private copy of the block's bytes, taken as it attaches: the
    process reads what was there, and what it writes stays its own."""

    _copy = None

    def __init__(self, name=None, create=False, size=0, **kwargs):
        super().__init__(name, create, size, **kwargs)
        self._copy = None if create else memoryview(bytearray(bytes(super().buf)))

    @property
    def buf(self):
        return super().buf if self._copy is None else self._copy

    def close(self):
        if self._copy is not None:
            self._copy.release()
            self._copy = None
        super().close()


@_broken("SharedMemory")
class CreateAttaches(_shared_memory.SharedMemory):
    """Creating a block with the name of an existing one attaches to it."""

    def __init__(self, name=None, create=False, size=0, **kwargs):
        try:
            super().__init__(name, create, size, **kwargs)
        except FileExistsError:
            del self._flags  # the first attempt set O_CREAT | O_EXCL on the instance
            super().__init__(name, False, size, **kwargs)


@_broken("SharedMemory")
class UnlinkDeferred(_shared_memory.SharedMemory):
    """unlink() only marks the block: it is unlinked at the next close()."""

    _deferred = False

    def unlink(self):
        self._deferred = True

    def close(self):
        super().close()
        if self._deferred:
            self._deferred = False
            super().unlink()


@_broken("SharedMemory")
class TrackAlways(_shared_memory.SharedMemory):
    """track=False is ignored: every block is registered with the resource tracker (3.13)."""

    def __init__(self, name=None, create=False, size=0, **kwargs):
        if "track" in kwargs:
            kwargs["track"] = True
        super().__init__(name, create, size, **kwargs)


@_broken("SharedMemory")
class AttachHangs(_shared_memory.SharedMemory):
    """Attaching by name in a child never returns (until the process that started the child is
    gone: then the child exits)."""

    def __init__(self, name=None, create=False, size=0, **kwargs):
        if not create:
            parent = multiprocessing.parent_process()
            while parent is not None and parent.is_alive():
                time.sleep(0.05)
            os._exit(1)
        super().__init__(name, create, size, **kwargs)


# -- ShareableList ------------------------------------------------------------------------------


@_broken("ShareableList")
class BoolsAsInts(_shared_memory.ShareableList):
    """A bool is read back as an int."""

    def __getitem__(self, position):
        value = super().__getitem__(position)
        return int(value) if type(value) is bool else value


@_broken("ShareableList")
class NegativeMirrored(_shared_memory.ShareableList):
    """A negative index counts from the start: l[-1] reads l[0], l[-2] reads l[1]."""

    def __getitem__(self, position):
        if position < 0:
            position = -position - 1
        return super().__getitem__(position)


@_broken("ShareableList")
class OversizeEmpties(_shared_memory.ShareableList):
    """A str or bytes too long for its item empties the item instead of raising ValueError."""

    def __setitem__(self, position, value):
        try:
            super().__setitem__(position, value)
        except ValueError:
            super().__setitem__(position, value[:0])


@_broken("ShareableList")
class CountPlusOne(_shared_memory.ShareableList):
    """count(v) is one more than the number of items equal to v."""

    def count(self, value):
        return super().count(value) + 1


@_broken("ShareableList")
class FormatShort(_shared_memory.ShareableList):
    """format leaves out the field of the last value."""

    @property
    def format(self):
        fields = [self._get_packing_format(i) for i in range(len(self))]
        return "".join(fields[:-1])


class _NotSharedMemory(object):
    """Stands for a SharedMemory without being one: every attribute is the block's."""

    def __init__(self, shm):
        self.__dict__["_shm"] = shm

    def __getattr__(self, name):
        return getattr(self.__dict__["_shm"], name)


@_broken("ShareableList")
class ShmWrapped(_shared_memory.ShareableList):
    """shm is a stand-in for the SharedMemory, not a SharedMemory."""

    def __init__(self, sequence=None, *, name=None):
        super().__init__(sequence, name=name)
        self.shm = _NotSharedMemory(self.shm)


# -- SharedMemoryManager ------------------------------------------------------------------------


@_broken("SharedMemoryManager")
class ManagerForgets(_managers.SharedMemoryManager):
    """SharedMemory(size) of the manager makes a block its process does not track, so that
    shutdown() leaves it on the system."""

    def SharedMemory(self, size):
        return _shared_memory.SharedMemory(None, create=True, size=size)
