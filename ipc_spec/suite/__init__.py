"""The conformance suite: property tests, one module per primitive, run with
``python -m pytest --pyargs ipc_spec.suite`` (or ``python -m ipc_spec``).

Each test takes the ``ipc_env`` fixture (the implementation under test in one start method), draws a
scenario with Hypothesis, runs it across processes, and checks the history against
``ipc_spec.specs``. Self-tests call the same functions with a deliberately broken implementation.
"""
