"""Listener(authkey=b'') and Client(authkey=b'') never connect before Python 3.12.3.

https://bugs.python.org/issue43952. The documentation: "If authkey is given and not None, it
should be a byte string and will be used as the secret key for an HMAC-based authentication
challenge." Listener.accept() tests the key's truth instead: it sends no challenge, while Client()
waits for one. Exits 1 when the Client has not connected within 5 s, 0 when it connected.
"""

import sys
import threading
from multiprocessing.connection import Client, Listener

listener = Listener(authkey=b"")
outcome = []


def connect():
    client = Client(listener.address, authkey=b"")
    client.send("hello")
    outcome.append("connected")


threading.Thread(target=connect, daemon=True).start()
conn = listener.accept()
conn.poll(5.0)
print("holds: connected" if outcome else "DIVERGES: the Client waits for a challenge")
sys.exit(0 if outcome else 1)
