"""Broken Listeners, Clients and waits, one broken promise each (``tests/test_selftest_listener.py``).

The Listener family finds the implementation's ``Listener``, ``Client`` and ``wait`` on the context
where it has them (``ipc_spec.ops.listener.api``): each implementation here sets one of them. Its
context is handed to the kit's workers, so what it sets pickles by reference: a class (through
:class:`_Make`) or a module-level function. A broken Process that does not hand its authkey to the
child is ``tests.broken.process.authkey_not_inherited``.
"""

import os
import tempfile
import time
from multiprocessing import connection as _real

from . import Broken, _snake

#: Seconds a late refusal or wait overstays (a self-test scales the LATE bound below it).
DELAY = 0.3


class _Make(object):
    """``Listener(ctx, ...)`` of a broken implementation: ``cls(...)``; pickles by reference."""

    def __init__(self, cls):
        self.cls = cls

    def __call__(self, ctx, *args, **kwargs):
        return self.cls(*args, **kwargs)


def _listener(cls):
    """Bind a broken implementation whose Listener is ``cls`` under the class's name in snake
    case."""
    globals()[_snake(cls.__name__)] = Broken("listener." + cls.__name__, Listener=_Make(cls))
    return cls


@_listener
class WrongAddress(_real.Listener):
    """address is not the address listened at."""

    @property
    def address(self):
        address = super().address
        if type(address) is tuple:
            return (address[0], address[1] + 1)
        return address + (b"-x" if type(address) is bytes else "-x")


@_listener
class AbstractAsPath(_real.Listener):
    """A name of the abstract namespace is taken for a file name (in the temporary directory)."""

    def __init__(self, address=None, family=None, backlog=1, authkey=None):
        if type(address) is str and address.startswith("\0"):
            address = os.path.join(tempfile.gettempdir(), address[1:])
        super().__init__(address, family, backlog, authkey)


@_listener
class FamilyIgnored(_real.Listener):
    """Listener(family='AF_INET') without an address listens at an AF_UNIX one."""

    def __init__(self, address=None, family=None, backlog=1, authkey=None):
        if address is None:
            family = "AF_UNIX"
        super().__init__(address, family, backlog, authkey)


@_listener
class LastAcceptedOwn(_real.Listener):
    """last_accepted is the Listener's own address."""

    @property
    def last_accepted(self):
        return self.address


@_listener
class CloseKeepsListening(_real.Listener):
    """close() does nothing; the with statement still closes (so that only listener.close can
    catch it)."""

    def close(self):
        pass

    def __exit__(self, *exc):
        _real.Listener.close(self)


@_listener
class ExitKeepsOpen(_real.Listener):
    """The with statement does not close the Listener at exit."""

    def __exit__(self, *exc):
        pass


@_listener
class KeyMangled(_real.Listener):
    """The Listener authenticates with another key than the one given."""

    def __init__(self, address=None, family=None, backlog=1, authkey=None):
        if authkey is not None:
            authkey = authkey + b"!"
        super().__init__(address, family, backlog, authkey)


class _Overlooks(_real.Listener):
    """accept() returns the Connection whatever its handshake raised of ``overlooked``."""

    overlooked = ()

    def accept(self):
        conn = self._listener.accept()
        if self._authkey is not None:
            try:
                _real.deliver_challenge(conn, self._authkey)
                _real.answer_challenge(conn, self._authkey)
            except self.overlooked:
                pass
        return conn


@_listener
class AcceptsWrongDigest(_Overlooks):
    """accept() returns the Connection of a client whose answer to the challenge was wrong."""

    overlooked = _real.AuthenticationError


@_listener
class EmptyKeyRejected(_real.Listener):
    """Listener(authkey=b'') refuses the empty key."""

    def __init__(self, address=None, family=None, backlog=1, authkey=None):
        if authkey == b"":
            raise ValueError("an empty authkey")
        super().__init__(address, family, backlog, authkey)


@_listener
class SwallowsHandshakeErrors(_Overlooks):
    """accept() returns the Connection of a peer whose handshake failed in any way."""

    overlooked = Exception


@_listener
class SlowToRefuse(_real.Listener):
    """accept() raises DELAY s after the handshake failed."""

    def accept(self):
        try:
            return super().accept()
        except Exception:
            time.sleep(DELAY)
            raise


# -- Clients -----------------------------------------------------------------------------------


def _refuses_family(ctx, address, family=None, authkey=None):
    """Client(address, family) refuses a family given."""
    if family is not None:
        raise ValueError("family %r is not supported" % (family,))
    return _real.Client(address, None, authkey)


client_refuses_family = Broken("listener.client_refuses_family", Client=_refuses_family)


def _ignores_bad_challenge(ctx, address, family=None, authkey=None):
    """Client() returns its Connection whatever the listener answered."""
    conn = _real.SocketClient(address)
    if authkey is not None:
        try:
            _real.answer_challenge(conn, authkey)
            _real.deliver_challenge(conn, authkey)
        except Exception:
            pass
    return conn


client_ignores_bad_challenge = Broken("listener.client_ignores_bad_challenge",
                                      Client=_ignores_bad_challenge)


def _slow_to_give_up(ctx, address, family=None, authkey=None):
    """Client() raises DELAY s after its handshake failed."""
    try:
        return _real.Client(address, family, authkey)
    except Exception:
        time.sleep(DELAY)
        raise


client_slow_to_give_up = Broken("listener.client_slow_to_give_up", Client=_slow_to_give_up)


# -- waits -------------------------------------------------------------------------------------


def _connections_only(ctx, object_list, timeout=None):
    """wait() never finds a socket or a sentinel ready."""
    conns = [obj for obj in object_list if hasattr(obj, "recv_bytes")]
    if conns:
        return _real.wait(conns, timeout)
    time.sleep(timeout or 0.0)
    return []


wait_connections_only = Broken("listener.wait_connections_only", wait=_connections_only)


def _ignores_timeout(ctx, object_list, timeout=None):
    """wait() returns at once."""
    return _real.wait(object_list, 0)


wait_ignores_timeout = Broken("listener.wait_ignores_timeout", wait=_ignores_timeout)


def _overstays(ctx, object_list, timeout=None):
    """wait() returns [] DELAY s after its timeout."""
    ready = _real.wait(object_list, timeout)
    if not ready:
        time.sleep(DELAY)
    return ready


wait_overstays = Broken("listener.wait_overstays", wait=_overstays)
