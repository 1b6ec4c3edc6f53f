"""Reports of several runs as one conformance matrix (``python -m ipc_spec.report``)."""
