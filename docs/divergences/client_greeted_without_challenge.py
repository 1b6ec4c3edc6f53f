"""Client() raises AssertionError, not AuthenticationError, for a first message that is not a
challenge, before Python 3.12 (answer_challenge() checks it with an assert statement).

https://docs.python.org/3/library/multiprocessing.html#multiprocessing.connection.Client: "If
authentication fails then AuthenticationError is raised". Exits 1 when Client() raised another
exception, 0 when it raised AuthenticationError.
"""

import os
import socket
import struct
import sys
import tempfile
import threading
from multiprocessing.connection import AuthenticationError, Client

path = os.path.join(tempfile.mkdtemp(), "listener")
server = socket.socket(socket.AF_UNIX)
server.bind(path)
server.listen(1)
threading.Thread(target=lambda: server.accept()[0].sendall(struct.pack("!i", 5) + b"hello"),
                 daemon=True).start()  # one framed message, not a challenge
try:
    Client(path, authkey=b"secret")
except Exception as exc:
    code = 0 if isinstance(exc, AuthenticationError) else 1
    print("%s: Client() raised %s: %s" % ("holds" if code == 0 else "DIVERGES",
                                          type(exc).__name__, exc))
os.unlink(path)
sys.exit(code)
