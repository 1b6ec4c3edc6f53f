"""Worker-side operations of the Barrier family (standard library only)."""

from .._child import mark


def action():
    """A picklable Barrier ``action`` that records each time it runs (``history.times("action")``)."""
    mark("action")
