"""How pytest-xdist spreads the property tests over its workers.

The property tests of one module share one env per start method in each xdist worker (its crews
and banks: :meth:`ipc_spec.plugin.Kit.shared_env`). xdist's default ``load`` distribution hands
out tests one by one, so every worker would start the env of every (module, method) again. Under
that default the kit hands out work units instead: the property classes' tests of one module and
one start method (``path::Class::test[method]``, the only parameter being the start method) go to
one worker together (largest unit first where pytest-xdist orders units by size: 3.8 does, 3.6
does not); any other test is a unit of its own, as under ``load``: a module's plain test
functions, such as the project's cleanup tests, which run pytest in a subprocess and share
nothing, keep their parallelism. A ``--dist`` given on the command line is used as given.
"""

from xdist.scheduler import LoadScopeScheduling


def chooses_distribution(args) -> bool:
    """Whether the command line names xdist's distribution itself."""
    return any(a == "-d" or a.startswith("--dist") for a in args)


def unit_of(nodeid: str, methods) -> str:
    """The work unit of a test: ``<module>::[<method>]`` for a property class's test
    (``path::Class::test[method]``, ``method`` one of ``methods``), the test's own id otherwise."""
    head, sep, param = nodeid.rpartition("[")
    parts = head.split("::")
    if sep and param.endswith("]") and param[:-1] in methods and len(parts) == 3:
        return "%s::[%s]" % (parts[0], param[:-1])
    return nodeid


class PropertyScheduling(LoadScopeScheduling):
    """``loadscope`` with the units of :func:`unit_of`."""

    def __init__(self, config, log=None, methods=()):
        super().__init__(config, log)
        self.methods = frozenset(methods)

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid, self.methods)
