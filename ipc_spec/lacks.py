"""What an implementation lacks: the features (kinds of object, parts of compound objects) it
cannot build or hand to a process, as an :class:`~ipc_spec.harness.Env` records them (a mixin of
``Env``). An example that needs one is left out (Hypothesis's ``reject``), and the property then
fails with the feature's clause once the others have run: a partial implementation gets a verdict
per feature, never a crash of its neighbours.
"""

from ._child import Ref
from .errors import violation_type

#: How the message of a lack ends: its examples did not fail, they were left out.
LEFT_OUT = "Examples that need it were left out; the others ran."


def _lacking(clause, message):
    """The violation of ``clause`` for a feature the implementation lacks: ``lack`` is True, and
    the report keeps no example for it (the examples that needed it never ran)."""
    error = violation_type(clause)(clause, message)
    error.lack = True
    return error
from .objects import Make


class Lacks(object):
    """The lacking-features half of :class:`~ipc_spec.harness.Env`."""

    def _check_lacking(self, objects):
        """Fail (or skip, for a factory the implementation does not have) an example that needs a
        kind the implementation cannot give."""
        for make in objects.values():
            if not isinstance(make, Make) or make.key not in self.lacking:
                continue
            how, text = self.lacking[make.key]
            if how == "absent":
                self.skip("implementation %s has no %s under start method %r"
                          % (self.name, text, self.method))
            self._lack("%s.%s" % (make.clause, how), text)

    def _lack(self, clause, text):
        """The example needs what the implementation lacks: record it and leave the example out
        (or fail it, without a ``reject``)."""
        message = "%s (implementation %s, start method %r)" % (text, self.name, self.method)
        self.lacks.setdefault(clause, message)
        if self.reject is None:
            raise _lacking(clause, message)
        self.reject()

    def check_lacks(self, error=None):
        """After a test: raise the violation of the first feature its examples found lacking (the
        others are named in its message), if any; ``error`` is what the test raised (replaced, if
        it only says that every example was left out)."""
        lacks, self.lacks = self.lacks, {}
        if not lacks:
            return
        if error is not None and type(error).__name__ not in ("Unsatisfiable", "FailedHealthCheck"):
            return
        (clause, message), rest = next(iter(lacks.items())), list(lacks.items())[1:]
        if rest:
            message += "; also lacking: " + "; ".join("%s: %s" % item for item in rest)
        message += ". " + LEFT_OUT
        raise _lacking(clause, message)

    def _check_parts(self, objects, programs):
        """Leave out an example whose steps use a part the implementation could not build."""
        crew = objects.crew
        used = {step.obj for program in programs for step in program}
        used |= {arg.name for program in programs for step in program
                 for arg in list(step.args) + list(step.kwargs.values()) if isinstance(arg, Ref)}
        for name, where in objects.names.items():
            if where[0] == "bank":
                lacking = crew.parts.get(crew.keys[where[1]])
            elif where[0] == "sent":
                lacking = self.sent_parts.get(where[1])
            else:
                continue
            if not lacking:
                continue
            for part, (clause, text) in lacking.items():
                if name + "." + part in used:
                    self._lack(clause, text)
