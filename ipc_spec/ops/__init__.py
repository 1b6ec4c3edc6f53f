"""Worker-side operations, one module per family: compound steps that must run inside a worker
(a critical section, a locked increment, a digest of what arrived). A step names one as
``macro(obj, "family:function", ...)``; the worker imports ``ipc_spec.ops.<family>`` on first use.
Standard library only: under spawn and forkserver these modules are imported in every worker
that uses them.
"""
