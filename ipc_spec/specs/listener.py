"""Listener and Client, as documented for ``multiprocessing.connection`` ("Listeners and Clients",
"Address Formats", "Authentication keys") and ``multiprocessing.Process.authkey``.

- ``Listener(address=None, family=None, backlog=1, authkey=None)`` is a bound socket (or named
  pipe) listening for connections. ``address`` is the address to bind; ``family`` the type of
  socket to use. "If family is None then the family is inferred from the format of address. If
  address is also None then a default is chosen": the family "assumed to be the fastest
  available". Address formats: ``AF_INET`` a ``(hostname, port)`` tuple; ``AF_UNIX`` a string,
  a filename (Linux also gives a string that starts with a NUL byte to its abstract namespace);
  ``AF_PIPE`` a string ``r'\\\\.\\pipe\\PipeName'``, on Windows only. The socket module gives an
  abstract name as bytes, and so does ``Listener.address`` (from 3.9 the default AF_UNIX address
  on Linux is one): the kit takes a str and a bytes of the same name for the same address. ``address`` is "the address
  which is being used by the Listener object"; ``last_accepted`` "the address from which the last
  accepted connection came", or None "if this is unavailable".
- ``accept()`` accepts a connection and returns a Connection; ``Client(address, family=None,
  authkey=None)`` "attempts to set up a connection to the listener which is using address
  *address*, returning a Connection" (its family, too, inferred from the address when not given).
  The two Connections are the ends of one duplex channel.
- ``close()`` closes the bound socket; the Listener and a Connection are context managers:
  ``__enter__`` returns the object, ``__exit__`` calls ``close()``.
- Authentication: "If authkey is given and not None, it should be a byte string and will be used
  as the secret key for an HMAC-based authentication challenge. No authentication is done if
  authkey is None. AuthenticationError is raised if authentication fails" (both for ``Listener``,
  at ``accept()``, and for ``Client``). Any byte string is a key, the empty one too (CPython
  accepts it from 3.12.3: bpo-43952).
- ``Process.authkey``: "When a Process object is created, it will inherit the authentication key
  of its parent process, although this may be changed by setting authkey to another byte
  string"; so a child's ``current_process().authkey`` is its parent's, or the key set on its
  Process before ``start()``, and it may set its own.
- ``connection.wait(object_list, timeout)`` takes Connections, "connected and readable"
  ``socket.socket`` objects and ``Process.sentinel``s together, and returns those ready.

The issue that asked for this family says that ``authkey=None`` uses ``current_process().authkey``:
that was the documentation of Python 2.6-3.6, corrected in 3.7 (bpo-31965) to the code's
behaviour, no authentication; the documentation wins, and the kit passes
``current_process().authkey`` explicitly where a property needs it.

The kit's peers that do not authenticate are plain sockets speaking the Connection's framing: a
client that answers the challenge with bytes that are not its digest, announces an oversized
message, closes after reading the challenge or closes at once; a listener that greets with a
message that is not a challenge, or closes at once.

Two keys are "the same" as HMAC keys are: HMAC pads a key shorter than its hash's block (64
bytes) with zero bytes, so keys that differ only in trailing zeros authenticate each other
(:func:`same_key`); a key longer than the block and its hash are the same key too (never drawn).

Not promised, so not checked: which family the default is (the kit asks only that a Client
reaches it); where an AF_UNIX listener without an address puts its socket; what ``accept()`` on a
closed Listener raises (CPython: OSError) and what a Client to a closed Listener's address
raises (an OSError of the operating system's); whether a Listener accepts other clients after one
failed to authenticate; what happens when one side authenticates and the other does not (the side
that waits for a challenge waits for ever, python/cpython#123736); ``backlog``; AF_PIPE, which
exists on Windows only.
"""

from . import declare, expect, not_before, not_late, returned

CLAUSES = declare(
    "listener",
    address="Listener(address) listens at address and Listener.address is it; given only a family "
            "it listens at a fresh address of that family's format, and given neither at one a "
            "Client reaches",
    abstract="on Linux a Listener at a name of the abstract namespace (a str that starts with "
             "NUL) listens there, its address names it, a Client reaches it, close() closes it",
    connect="Client(address), its family inferred from the address or given, connects to the "
            "Listener there, and the Connections it and accept() return carry messages both ways",
    last_accepted="last_accepted is the address the last accepted connection came from: for AF_INET "
                  "the client socket's (host, port), for AF_UNIX that address or None",
    close="once close() returned, nothing listens at the Listener's address: a Client there fails "
          "and accept() raises",
    context="with Listener(...) as l gives the Listener and closes it at exit; with a Connection "
            "gives it and closes it at exit",
    auth="with the same authkey on both sides, accept() and Client() return Connections that carry "
         "messages both ways",
    auth_refused="with different authkeys, accept() raises AuthenticationError and so does "
                 "Client(): neither returns a Connection",
    empty_key="the empty authkey b'' is a key like any other: with it on both sides the two "
              "authenticate, and against another key both raise AuthenticationError",
    authkey="a child's current_process().authkey is its parent's, or the one set on its Process "
            "before start(); a Listener keyed with the parent's accepts a child keyed with its own "
            "and refuses one that changed it",
    hostile_client="a peer that does not answer the challenge with its digest (a wrong answer, an "
                   "oversized message, a close) makes accept() raise (AuthenticationError for a "
                   "wrong answer) within LATE of the peer's last act, without a Connection",
    hostile_listener="a listener that sends no challenge (another message, or a close) makes "
                     "Client() raise (AuthenticationError for another message) within LATE of the "
                     "peer's last act, having sent it nothing",
    wait="connection.wait() over Connections, sockets and Process sentinels together returns "
         "exactly those ready when it was called, and [] by its timeout when none is",
)

#: The first bytes of the challenge CPython's Listener sends (the protocol of
#: ``multiprocessing.connection``); a greeting that starts otherwise is not a challenge.
CHALLENGE = b"#CHALLENGE#"


def family_of(address):
    """The family of ``address`` by its format (the documentation's "Address Formats")."""
    if type(address) is tuple:
        return "AF_INET"
    if type(address) is str:
        return "AF_PIPE" if address.startswith("\\\\") else "AF_UNIX"
    if type(address) is bytes:
        return "AF_UNIX"
    return None


def same_address(a, b):
    """Whether ``a`` and ``b`` name the same address: equal, or the same AF_UNIX name as str and as
    bytes (the socket module gives an abstract name as bytes)."""
    if {type(a), type(b)} == {str, bytes}:
        encode = (lambda x: x.encode("utf-8", "surrogateescape") if type(x) is str else x)
        return encode(a) == encode(b)
    return a == b and type(a) is type(b)


#: The block size of the hashes HMAC authenticates with here (MD5 before 3.12, SHA-256 after).
HMAC_BLOCK = 64


def same_key(a, b):
    """Whether ``a`` and ``b`` are one HMAC key: equal, or no longer than the hash's block and
    equal once their trailing zero bytes are dropped (HMAC pads a shorter key with zeros, so
    ``b''`` and ``b'\\0'`` are the same key)."""
    if a == b:
        return True
    return (len(a) <= HMAC_BLOCK and len(b) <= HMAC_BLOCK
            and a.rstrip(b"\0") == b.rstrip(b"\0"))


def reset(ctx, *args, **kwargs) -> bool:
    """A context holds no state an example changes: it serves every example."""
    return True


def _one(history, call, proc=None):
    ops = [op for op in (history.ops if proc is None else history.of(proc)) if op.call == call]
    return ops


def check_address(history, op, family, given):
    """``listen`` (op) answered ``(given address, listener.address)`` as documented."""
    returned(history, [op], "listener.address", "Listener(%r, family=%r)" % (given, family))
    _, address = op.result
    if given is not None and given[1:] == (0,):  # ("127.0.0.1", 0): any free port
        expect(type(address) is tuple and address[0] == given[0] and address[1] > 0,
               "listener.address", "Listener(%r).address was %r, not that host on the port it "
               "was given" % (given, address), history, [op])
    elif given is not None:
        expect(same_address(address, given), "listener.address",
               "Listener(%r).address was %r" % (given, address), history, [op])
    elif family is not None:
        expect(family_of(address) == family, "listener.address",
               "Listener(family=%r).address was %r, an address of %s" % (
                   family, address, family_of(address)), history, [op])
    else:
        expect(family_of(address) in ("AF_INET", "AF_UNIX", "AF_PIPE"), "listener.address",
               "Listener().address was %r, of no documented format" % (address,), history, [op])


def check_exchange(history, serve, talk, messages, prop):
    """``serve`` (accept, then the messages) and ``talk`` (Client, then the messages) both
    returned, and each side received what the other sent, in order."""
    returned(history, [serve, talk], prop, "a connection and its messages")
    got_there, got_back = serve.result[1], talk.result[1]
    expect(list(got_there) == list(messages), prop, "accept()'s Connection received %r, not %r"
           % (got_there, messages), history, [serve, talk])
    expect(list(got_back) == [("back", m) for m in messages], prop,
           "Client()'s Connection received %r, not the replies %r"
           % (got_back, [("back", m) for m in messages]), history, [serve, talk])


def check_last_accepted(history, serve, talk):
    """``last_accepted`` (answered by ``serve``) is the client socket's own address (answered by
    ``talk``); None is accepted for AF_UNIX."""
    last, local = serve.result[0], talk.result[0]
    if family_of(local) == "AF_INET":
        expect(last == local, "listener.last_accepted", "last_accepted was %r, the client's "
               "socket is at %r" % (last, local), history, [serve, talk])
    else:
        expect(last is None or same_address(last, local), "listener.last_accepted",
               "last_accepted was %r, not None nor the client socket's address %r"
               % (last, local), history, [serve, talk])


def check_refused(history, serve, talk, prop, what):
    """Both sides raised AuthenticationError."""
    for op, side in ((serve, "accept()"), (talk, "Client()")):
        expect(op.error == "AuthenticationError", prop, "%s: %s %s, not AuthenticationError"
               % (what, side, op.outcome()), history, [serve, talk])


def check_closed(history, listening, accept, client):
    """After close(): the kit reached nothing at the address (``listening`` answered False), and
    accept() and a Client there raised (:func:`check_refused_after`)."""
    returned(history, [listening], "listener.close", "probing the address")
    expect(listening.result is False, "listener.close", "something still listens at a closed "
           "Listener's address", history, [listening])
    check_refused_after(history, accept, "close() closed")
    check_refused_after(history, client, "close() closed")


def check_refused_after(history, op, how):
    """``accept_closed`` or ``connect_closed`` raised: they answer "still listening" when the kit
    still reached the address (and did not make the call, which could wait), True when the call
    returned a Connection."""
    call = "accept()" if op.call.endswith("accept_closed") else "Client()"
    expect(not op.ok, "listener.close", "%s on a Listener %s: %s" % (
        call, how, "it still listens" if op.result == "still listening"
        else "it returned a Connection"), history, [op])


def check_context(history, op):
    """What ``context`` answered: each ``with`` gave its object, the messages passed, and at exit
    the Listener stopped listening and both Connections were closed."""
    returned(history, [op], "listener.context", "the with statements")
    seen = dict(op.result)
    for name in ("listener", "client", "accepted"):
        expect(seen[name] is True, "listener.context", "with %s as x: x was not the %s itself"
               % (name, name), history, [op])
    expect(seen["messages"] == ("ping", "pong"), "listener.context", "inside the with statements "
           "the messages were %r, not ('ping', 'pong')" % (seen["messages"],), history, [op])
    expect(seen["listening"] is False, "listener.context", "after with Listener(...): something "
           "still listens at its address", history, [op])
    for name in ("client_closed", "accepted_closed"):
        expect(seen[name] is True, "listener.context", "after with on a Connection: closed was "
               "%r" % (seen[name],), history, [op])


def check_inherit(history, start, accepted, set_key, new_key):
    """The child's authkey was inherited (or the one set), and the Listener keyed with the
    worker's accepted the child's Client exactly when the child's key was the worker's."""
    seen = dict(start.result)
    before, facts = dict(seen["before"]), dict(seen["child"])
    own = seen["worker_authkey"]
    expect(before["authkey"] == own, "listener.authkey", "a new Process's authkey was %r, not its "
           "creator's %r" % (before["authkey"], own), history, [start])
    returned(history, [accepted], "listener.authkey", "accepting the child's Client")
    mine, (inherited, theirs), _ = accepted.result
    want = own if set_key is None else set_key
    expect(facts["authkey"] == want and inherited == want, "listener.authkey",
           "the child's current_process().authkey was %r, not %r (%s)" % (
               inherited, want, "its parent's" if set_key is None else "the one set"),
           history, [start, accepted])
    key = want if new_key is None else new_key
    if same_key(key, own):
        expect(mine[0] == "ok" and theirs == ("ok", "from the parent")
               and mine[1] == "from the child", "listener.authkey",
               "a child keyed with its parent's authkey: accept() %s, the child's Client %s"
               % (mine, theirs), history, [accepted])
    else:
        expect(mine == ("error", "AuthenticationError")
               and theirs == ("error", "AuthenticationError"), "listener.authkey",
               "a child keyed otherwise than its parent: accept() %s, the child's Client %s, not "
               "AuthenticationError both" % (mine, theirs), history, [accepted])


def check_hostile(history, victim, peer, prop, error, what):
    """``victim`` (accept() or Client()) raised (``error`` if not None) no later than LATE after
    the hostile ``peer``'s last act (the end of its step)."""
    expect(not victim.ok, prop, "%s: %s returned a Connection" % (what, victim.step.describe()),
           history, [victim, peer])
    if error is not None:
        expect(victim.error == error, prop, "%s: %s %s, not %s" % (
            what, victim.step.describe(), victim.outcome(), error), history, [victim, peer])
    not_late(history, victim, 0.0, max(peer.end, victim.start), prop, what)


def check_wait(history, op, ready, timeout):
    """``wait_mixed`` returned exactly the positions ``ready``; [] only by its timeout."""
    returned(history, [op], "listener.wait", "connection.wait() over several kinds")
    expect(op.result == sorted(ready), "listener.wait", "%s returned the objects at %s, not "
           "those ready, at %s" % (op.step.describe(), op.result, sorted(ready)), history, [op])
    if not ready:
        not_before(history, op, max(0.0, timeout), op.start, "listener.wait",
                   "connection.wait(timeout) with nothing ready")
        not_late(history, op, max(0.0, timeout), op.start, "listener.wait",
                 "connection.wait(timeout) with nothing ready")
