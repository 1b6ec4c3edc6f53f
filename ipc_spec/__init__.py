"""ipc-spec: executable specifications of Python's inter-process communication primitives.

This package's ``__init__`` stays empty on purpose: every worker process imports it (through
``ipc_spec._child``), so anything imported here would be paid for at every spawn.
"""

__version__ = "0.1.0"
