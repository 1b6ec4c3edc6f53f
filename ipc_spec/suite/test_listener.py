"""Listener and Client properties (see ``ipc_spec.specs.listener`` for the semantics checked).

Worker 0 makes the Listener (``ipc_spec.ops.listener`` keeps it by label across the phases of an
example) and posts its address in a mailbox of the kit's own cells; worker 1 reads it there and
connects. The last phase of every example, ``done``, closes what the example opened. The kit's
hostile peers are plain sockets; ``test_authkey_inherited`` connects from a child of worker 0
(``ipc_spec.ops.process``), ``test_wait_mixed`` waits on a child's sentinel.

The Connections a Listener and Client return are checked by the Pipe and Connection properties
too, as the ``listener`` and ``listener_inet`` flavours of ``test_connection``.

The properties are methods of :class:`ListenerProperties`, bound to a *flavour*: an object that
gives the context the implementation's Listener, Client and wait are found from.
"""

import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ipc_spec.authoring import (Cells, Make, Ref, checks, late, macro, property_settings,
                                share_of_profile)
from ipc_spec.ops import listener as ops
from ipc_spec.specs import connection as connection_spec
from ipc_spec.specs import listener as spec

#: Cells of the mailbox a Listener's address crosses in (7 bytes a cell).
MAILBOX = Cells(40)
#: The share of the profile's examples a property that starts a child draws.
CHILD_SHARE = 0.25

#: Kinds of address a Listener is given (``ipc_spec.ops.listener.make_address``), with their family.
KINDS = {"path": "AF_UNIX", "inet": "AF_INET", "inet0": "AF_INET"}
#: Linux's abstract namespace (``test_abstract_address``'s alone).
ABSTRACT = sys.platform.startswith("linux")
FAMILIES = ("AF_UNIX", "AF_INET")


def context(ctx):
    """The implementation's context: the object a worker finds Listener, Client and wait from."""
    return ctx


context.clause = "listener"


class Native(object):
    """The implementation's ``connection.Listener``, ``Client`` and ``wait``."""

    name = "native"

    @staticmethod
    def context():
        return Make(context).recycled_by(spec.reset, often=True)


def step(function, *args, **kwargs):
    """The step ``ctx.listener:<function>!(...)``: ``ipc_spec.ops.listener.<function>``."""
    return macro("ctx", "listener:" + function, *args, **kwargs)


def process_step(function, *args, **kwargs):
    """The step ``ctx.process:<function>!(...)``: ``ipc_spec.ops.process.<function>``."""
    return macro("ctx", "process:" + function, *args, **kwargs)


BOX = Ref("box")
DONE = [[step("done")], [step("done")]]


@st.composite
def places(draw):
    """``(kind of address or None, family or None)`` a Listener is made with."""
    kind = draw(st.sampled_from([None] + sorted(KINDS)))
    if kind is None:
        return None, draw(st.sampled_from((None,) + FAMILIES))
    return kind, draw(st.sampled_from((None, KINDS[kind])))


def messages():
    return st.lists(st.one_of(st.integers(), st.text(max_size=8), st.binary(max_size=16)),
                    max_size=3)


def keys():
    """Authentication keys: short and long byte strings (the empty one is ``test_empty_key``'s)."""
    return st.binary(min_size=1, max_size=40) | st.binary(min_size=200, max_size=1024)


class ListenerProperties(object):
    """The Listener and Client properties, for any flavour (class attribute ``flavour``)."""

    flavour = Native

    def objects(self, ipc_env, procs, **more):
        objects = dict({"ctx": self.flavour.context(), "box": MAILBOX}, **more)
        ipc_env.provision([make for make in objects.values() if isinstance(make, Make)], procs)
        return ipc_env.allocate(objects, procs)

    def listen(self, ipc_env, objects, **kwargs):
        """Phase: worker 0 makes the Listener ``L``; returns the history."""
        return ipc_env.run(objects, [[step("listen", BOX, "L", **kwargs)]])

    def exchange(self, ipc_env, objects, sent, key=None, family=None):
        """Phase: worker 0 accepts and echoes ``sent``, worker 1 connects and sends it."""
        return ipc_env.run(objects, [[step("serve", "L", "s", len(sent))],
                                     [step("talk", BOX, "c", sent, key=key, family=family)]])

    @checks("listener.connect", "listener.address", "listener.last_accepted")
    @property_settings()
    @given(places(), st.booleans(), messages())
    @example(place=("path", None), tell_family=False, sent=[1, "two"])
    @example(place=("inet", None), tell_family=True, sent=[b"3"])
    def test_address_and_connect(self, ipc_env, place, tell_family, sent):
        """Listener(address, family) listens at the address given (a file name, a loopback port,
        port 0), or at a fresh one of the family given; Client(address), told the
        family or inferring it from the address, reaches it; both Connections carry the messages;
        last_accepted is where the client's socket is."""
        kind, family = place
        objects = self.objects(ipc_env, 2)
        first = self.listen(ipc_env, objects, family=family, kind=kind)
        (made,) = first.ops
        given = made.result[0] if made.ok else None
        spec.check_address(first, made, family, given)
        told = spec.family_of(made.result[1]) if tell_family else None
        second = self.exchange(ipc_env, objects, sent, family=told)
        ipc_env.run(objects, DONE)
        serve, talk = second.ops
        spec.check_exchange(second, serve, talk, sent, "listener.connect")
        spec.check_last_accepted(second, serve, talk)

    @checks("listener.abstract")
    @property_settings()
    @given(messages(), st.booleans())
    def test_abstract_address(self, ipc_env, sent, with_key):
        """On Linux, a Listener at a name of the abstract namespace (a string that starts with a
        NUL byte) listens there, Listener.address names it, a Client reaches it (authenticating or
        not), and close() closes it."""
        if not ABSTRACT:
            pytest.skip("the abstract namespace of AF_UNIX is Linux's")
        key = b"abstract" if with_key else None
        objects = self.objects(ipc_env, 2)
        first = self.listen(ipc_env, objects, kind="abstract", key=key)
        (made,) = first.ops
        spec.returned(first, first.ops, "listener.abstract", "Listener at an abstract name")
        spec.expect(spec.same_address(made.result[1], made.result[0]), "listener.abstract",
                    "Listener(%r).address was %r" % made.result, first, first.ops)
        second = self.exchange(ipc_env, objects, sent, key=key)
        closed = ipc_env.run(objects, [[step("close", "L"), step("listening", BOX)]])
        ipc_env.run(objects, DONE)
        spec.check_exchange(second, second.ops[0], second.ops[1], sent, "listener.abstract")
        spec.returned(closed, closed.ops, "listener.abstract", "close(), then probing")
        spec.expect(closed.ops[1].result is False, "listener.abstract", "something still "
                    "listens at the abstract name of a closed Listener", closed, closed.ops)

    @checks("listener.close", "listener.context")
    @property_settings()
    @given(places(), st.booleans())
    def test_close(self, ipc_env, place, with_statement):
        """Once close() returned, or a with statement on the Listener ended, nothing listens at
        its address: a Client there fails and accept() raises; with statements on the Listener
        and on both Connections give the object itself and close it at exit."""
        kind, family = place
        objects = self.objects(ipc_env, 2)
        if with_statement:
            first = ipc_env.run(objects, [[step("context", BOX, "L", family=family, kind=kind)]])
            spec.check_context(first, first.ops[0])
        else:
            first = self.listen(ipc_env, objects, family=family, kind=kind)
            spec.returned(first, first.ops, "listener.close", "making a Listener")
            closed = ipc_env.run(objects, [[step("close", "L"), step("listening", BOX),
                                            step("accept_closed", BOX, "L")]])
            spec.returned(closed, closed.ops[:1], "listener.close", "close()")
        late = ipc_env.run(objects, [[], [step("connect_closed", BOX)]])
        ipc_env.run(objects, DONE)
        if not with_statement:
            spec.check_closed(closed, closed.ops[1], closed.ops[2], late.ops[0])
        else:
            spec.check_refused_after(late, late.ops[0], "a with statement closed")

    @checks("listener.auth", "listener.auth_refused")
    @property_settings()
    @given(places(), keys(), st.none() | keys(), messages())
    @example(place=("path", None), key=b"k", other=None, sent=["hello"])
    @example(place=("inet", None), key=b"k", other=b"K", sent=["hello"])
    def test_authentication(self, ipc_env, place, key, other, sent):
        """With the same authkey on both sides (short or long) the two authenticate and their
        Connections carry messages both ways; with another key both accept() and Client() raise
        AuthenticationError."""
        kind, family = place
        client_key = key if other is None else other
        objects = self.objects(ipc_env, 2)
        first = self.listen(ipc_env, objects, family=family, kind=kind, key=key)
        spec.returned(first, first.ops, "listener.auth", "making a Listener")
        second = self.exchange(ipc_env, objects, sent, key=client_key)
        ipc_env.run(objects, DONE)
        serve, talk = second.ops
        if spec.same_key(client_key, key):
            spec.check_exchange(second, serve, talk, sent, "listener.auth")
        else:
            spec.check_refused(second, serve, talk, "listener.auth_refused", "different authkeys")

    @checks("listener.empty_key")
    @property_settings()
    @given(st.sampled_from(("both", "listener", "client")), keys())
    @example(empty="both", key=b"k")
    def test_empty_key(self, ipc_env, empty, key):
        """The empty authkey is a key: with it on both sides the two authenticate; against
        another key (one that is not zero bytes only, which HMAC takes for the empty key) both
        raise AuthenticationError."""
        listener_key = b"" if empty in ("both", "listener") else key
        client_key = b"" if empty in ("both", "client") else key
        objects = self.objects(ipc_env, 2)
        first = self.listen(ipc_env, objects, kind="path", key=listener_key)
        spec.returned(first, first.ops, "listener.empty_key", "making a Listener")
        second = self.exchange(ipc_env, objects, ["empty"], key=client_key)
        ipc_env.run(objects, DONE)
        serve, talk = second.ops
        if spec.same_key(listener_key, client_key):
            spec.check_exchange(second, serve, talk, ["empty"], "listener.empty_key")
        else:
            spec.check_refused(second, serve, talk, "listener.empty_key",
                               "an empty authkey against another")

    @checks("listener.authkey")
    @share_of_profile(CHILD_SHARE)
    @given(st.none() | keys(), st.none() | keys())
    def test_authkey_inherited(self, ipc_env, set_key, new_key):
        """A child's current_process().authkey is its parent's, or the key set on its Process
        before start(); a Listener keyed with the parent's accepts the child's Client keyed with
        the child's own, and refuses it once the child set another."""
        objects = self.objects(ipc_env, 1)
        history = ipc_env.run(objects, [[
            process_step("start", "c0", authkey=set_key),
            step("listen", BOX, "L", kind="path", key="own"),
            step("accept_child", BOX, "L", "c0", new_key),
            process_step("end", "c0", "return"), process_step("join", "c0"),
            process_step("reap"), step("done")]])
        start, _, accepted = history.ops[:3]
        spec.returned(history, history.ops[:2], "listener.authkey", "starting a child, listening")
        spec.check_inherit(history, start, accepted, set_key, new_key)

    @checks("listener.hostile_client")
    @property_settings()
    @given(places(), keys(), st.sampled_from(("answer", "oversize", "close", "silent")),
           st.binary(max_size=64))
    @example(place=("path", None), key=b"k", how="answer", data=b"not the digest")
    def test_hostile_client(self, ipc_env, place, key, how, data):
        """A peer that connects and does not answer the challenge with its digest (it answers
        other bytes, announces a 1 GiB message, closes after reading the challenge, or at once)
        makes accept() raise, AuthenticationError for a wrong answer, within LATE of its last act,
        and never gets a Connection."""
        kind, family = place
        objects = self.objects(ipc_env, 2)
        first = self.listen(ipc_env, objects, family=family, kind=kind, key=key)
        spec.returned(first, first.ops, "listener.hostile_client", "making a Listener")
        second = ipc_env.run(objects, [[step("serve", "L", "s", 0)],
                                       [step("hostile_client", BOX, how, data)]])
        ipc_env.run(objects, DONE)
        serve, peer = second.ops
        spec.check_hostile(second, serve, peer, "listener.hostile_client",
                           "AuthenticationError" if how == "answer" else None,
                           "accept() from a peer that %s" % HOSTILE_CLIENT[how])

    @checks("listener.hostile_listener")
    @property_settings()
    @given(keys(), st.sampled_from(("greet", "close")),
           st.binary(max_size=64).filter(lambda d: not d.startswith(spec.CHALLENGE)))
    @example(key=b"k", how="greet", data=b"hello")
    def test_hostile_listener(self, ipc_env, key, how, data):
        """A listener that sends no challenge (it greets with another message, or closes at
        once) makes Client() raise, AuthenticationError for another message, within LATE of its
        last act, having sent it nothing."""
        objects = self.objects(ipc_env, 2)
        first = ipc_env.run(objects, [[step("hostile_listen", BOX)]])
        spec.returned(first, first.ops, "listener.hostile_listener", "a listening socket")
        second = ipc_env.run(objects, [[step("hostile_listener", how, data)],
                                       [step("talk", BOX, "c", [], key=key)]])
        heard = ipc_env.run(objects, [[step("hostile_heard")]])
        ipc_env.run(objects, DONE)
        peer, talk = second.ops
        spec.check_hostile(second, talk, peer, "listener.hostile_listener",
                           "AuthenticationError" if how == "greet" else None,
                           "Client() of a listener that %s" % HOSTILE_LISTENER[how])
        spec.returned(heard, heard.ops, "listener.hostile_listener", "reading what arrived")
        spec.expect(heard.ops[0].result == 0, "listener.hostile_listener",
                    "Client() sent %d bytes to a listener that sent no challenge"
                    % heard.ops[0].result, heard, heard.ops)

    @checks("listener.wait")
    @share_of_profile(0.5)
    @given(st.lists(st.sampled_from(("p.a", "l.a", "s.a", "sentinel")), min_size=1, max_size=4,
                    unique=True), st.data())
    def test_wait_mixed(self, ipc_env, listed, data):
        """connection.wait() over a Pipe's Connection, a Listener's, a socket and a child's
        sentinel together returns exactly those ready (data waiting, the child ended), and [] by
        its timeout when none is."""
        ready = data.draw(st.lists(st.sampled_from(listed), unique=True), label="ready")
        timeout = data.draw(st.sampled_from((0.0, 0.01, 0.05) + ((None,) if ready else ())),
                            label="timeout")
        objects = self.objects(ipc_env, 2, p=Make(connection_spec.pipe, True),
                               l=Make(ops.pair, "AF_UNIX"), s=Make(ops.socket_pair))
        parent = []
        if "sentinel" in listed:
            parent.append(process_step("start", "c0"))
            if "sentinel" in ready:
                # Ended, then its sentinel ready: under forkserver the sentinel is a pipe the
                # server writes to once it reaped the child, a moment after the child's end.
                parent += [process_step("end", "c0", "return"), process_step("ended", "c0"),
                           process_step("sentinel", "c0", late())]
        peers = [step("send_byte", Ref(item[0] + ".b")) for item in ready if item != "sentinel"]
        first = ipc_env.run(objects, [parent, peers])
        spec.returned(first, first.ops, "listener.wait", "making objects ready")
        items = [("sentinel", "c0") if item == "sentinel" else Ref(item) for item in listed]
        second = ipc_env.run(objects, [[step("wait_mixed", timeout, *items)]])
        ipc_env.run(objects, [[process_step("reap"), step("done")]])
        spec.check_wait(second, second.ops[0], [listed.index(item) for item in ready],
                        timeout or 0.0)


HOSTILE_CLIENT = {"answer": "answers the challenge with other bytes",
                  "oversize": "announces a 1 GiB answer", "close": "closes after the challenge",
                  "silent": "closes at once"}
HOSTILE_LISTENER = {"greet": "greets with another message", "close": "closes at once"}


class TestListener(ListenerProperties):
    flavour = Native
