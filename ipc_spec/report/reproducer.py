"""Standalone reproducers: a failure of a kit report as a script of plain ``multiprocessing`` calls.

:func:`script` turns a failure of a report (schema 2: ``ipc_spec/report.schema.json``) into a Python
script that a maintainer of the implementation can run and attach to a bug report. The script
imports nothing of the kit (nor Hypothesis, nor pytest): only the standard library, the
implementation's own module, and the user's modules that the example names. It

- builds the example's objects once in the parent with the implementation's context
  (``module.get_context(method)``, or the context named by ``module:attribute``), the kit's
  instrument cells as a ``RawArray('q', n)``;
- runs the example as the kit did: one process per process number, each handed the objects at its
  start; the phases one after another, each opened to its processes at once (a file appears in a
  temporary directory), a process keeping its number and its state across the phases; a phase
  that runs on new processes and objects (``fresh``) gets its own;
- records every step (start, end, outcome) in a file of its process as soon as it is over, so that
  a process that hangs or is killed still shows what it did; kills (SIGKILL) what is still running
  at the deadline, reaps every process and removes its directory;
- sends a phase's faults (``faults`` of the scenario: SIGKILL, SIGTERM or SIGINT ``before`` a
  step, ``after`` a delay into its call, or once ``blocked`` in it) from the parent with
  ``os.kill``, as the kit's nemesis does (``ipc_spec.nemesis``): a process a fault may strike also
  records when each call begins and when it waits before the step of a fault ``before``, and the
  parent, following that record (and ``/proc/<pid>/stat`` for ``blocked``), sends the signal when
  the moment has come; a SIGINT is the ``KeyboardInterrupt`` of the call it strikes, after which
  the process stops. The step a SIGKILL or SIGTERM ended is an op raising the signal's name, as in
  the kit's history; the steps a struck process did not run are not compared;
- prints the promise, what the kit saw and what happened in this run, and compares: **the
  divergence shows** when this run does what the kit's did on what the broken clause names (the
  same outcome kind for the operations it names; the same timing bound broken; the same steps still
  blocked at the deadline; else the outcome kind of every operation). It exits 1 when it shows, 0
  when it does not, 2 when the example could not be run.

Worker-side operations (``ipc_spec.ops``, the kit's own ``op_*`` of ``ipc_spec._child``) and
factories of the kit are inlined from their source, with the functions and constants they use; a
factory that carries data a script cannot (``ipc_spec.suite.test_value:value_set``) has a
``recipe``: a function of no argument returning the source of a standalone definition of the same
name and signature, standard library only. Anything else the kit defines that is not
self-contained makes :func:`script` raise :class:`ReproducerError`; a user's modules are imported.

The scripts run on Python 3.8 to 3.13 and PyPy, under fork, spawn and forkserver.
"""

import ast
import builtins
import dis
import importlib
import importlib.util
import inspect
import math
import re
import sys
import sysconfig
import time
import types
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["ReproducerError", "script", "suggested_name"]

#: Seconds a phase may take when the kit's run had no deadline: this, plus the longest its
#: programs may wait on purpose (pauses and timeouts).
DEFAULT_DEADLINE = 10.0
#: How often a timing divergence (or one of overlapping clock intervals) is tried by default
#: (``--runs``).
TIMING_RUNS = 20
#: How often an example with a fault at an instant of a call (``after``, ``blocked``) is tried by
#: default: until the divergence shows, at most this often.
FAULT_RUNS = 50
#: Modules a reproducer never imports.
FORBIDDEN = ("ipc_spec", "hypothesis", "pytest", "_pytest")
#: The modules the machinery of every script imports.
MODULES = ("argparse", "json", "os", "shutil", "signal", "sys", "tempfile", "threading", "time")
#: ... and for the cells of a scenario that has some (in a file, when a RawArray cannot be used).
CELL_MODULES = ("struct",)
#: Worker-side operations whose result is clock times, ``(enter, exit)``: never the same twice, so
#: a script compares them by how they overlap, not by their text.
CLOCK_RESULTS = ("lock:critical",)
#: The longest string, bytes or list a report's value may expand to (``b'x' * n``).
MAX_LENGTH = 1 << 28


class ReproducerError(Exception):
    """A failure that no standalone script can reproduce (the message says why, in one sentence)."""


# -- values: the report's Python source, read safely, and written back for the script -------------


class _Ref(object):
    """``Ref('x')`` of a report: the scenario's object (or part) ``x``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _Function(object):
    """``Function('module:name')`` of a report: a module-level function."""

    __slots__ = ("spec",)

    def __init__(self, spec):
        self.spec = spec


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b}


def _evaluate(text: str, where: str) -> Any:
    """The value of ``text``, a report's Python source (plain data, ``Ref``, ``Function``), without
    running it: only literals, containers, ``+``/``-``/``*`` and those two calls are accepted."""
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ReproducerError("%s is not Python source: %r" % (where, _clip(text))) from None
    return _node(tree.body, where, text)


def _node(node, where, text):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [_node(n, where, text) for n in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else (
            items if isinstance(node, ast.List) else set(items))
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_node(k, where, text): _node(v, where, text)
                for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _node(node.operand, where, text)
        if isinstance(operand, (int, float, complex)) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _node(node.left, where, text), _node(node.right, where, text)
        sizes = [len(m) for m in (left, right) if isinstance(m, (str, bytes, list, tuple))]
        counts = [n for n in (left, right) if isinstance(n, int)]
        if isinstance(node.op, ast.Mult) and sizes and counts and sizes[0] * counts[0] > MAX_LENGTH:
            raise ReproducerError("%s holds a value longer than %d items" % (where, MAX_LENGTH))
        try:
            return _OPERATORS[type(node.op)](left, right)
        except TypeError:
            pass
    if isinstance(node, ast.Name) and node.id in ("nan", "inf"):
        return float(node.id)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        name, value = node.func.id, node.args[0].value
        if name == "Ref":
            return _Ref(value)
        if name == "Function":
            return _Function(value)
        if name == "Unknown":
            raise ReproducerError("%s holds a value the kit could not write as Python source (%s)"
                                  % (where, _clip(value)))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "slice"
            and not node.keywords and 1 <= len(node.args) <= 3):
        parts = [_node(n, where, text) for n in node.args]
        if all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
            return slice(*parts)
    shown = ast.get_source_segment(text, node) or type(node).__name__
    raise ReproducerError("%s holds %s, which is not a value a reproducer can carry"
                          % (where, _clip(shown)))


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _render(value, names: Dict[str, str]) -> str:
    """``value`` as source for the script: ``Ref('x')``, a function by its name in the script
    (``names``: spec -> name), long strings and bytes as sums of runs (``b'x' * 300000``)."""
    if isinstance(value, _Ref):
        return "Ref(%r)" % value.name
    if isinstance(value, _Function):
        return names[value.spec]
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, complex):
        if all(math.isfinite(part) for part in (value.real, value.imag)):
            return repr(value)
        return "complex(%s, %s)" % (_render(value.real, names), _render(value.imag, names))
    if isinstance(value, (str, bytes)):
        return _text(value)
    if type(value) is tuple:
        inner = ", ".join(_render(v, names) for v in value)
        return "(%s,)" % inner if len(value) == 1 else "(%s)" % inner
    if type(value) is list:
        return "[%s]" % ", ".join(_render(v, names) for v in value)
    if type(value) is dict:
        return "{%s}" % ", ".join("%s: %s" % (_render(k, names), _render(v, names))
                                  for k, v in value.items())
    if type(value) in (set, frozenset):
        inner = ", ".join(sorted(_render(v, names) for v in value))
        if type(value) is frozenset:
            return "frozenset({%s})" % inner
        return "{%s}" % inner if value else "set()"
    if type(value) is slice:
        return "slice(%s, %s, %s)" % tuple(_render(v, names) for v in (value.start, value.stop, value.step))
    return repr(value)  # None, bool, int


#: A run of one repeated character this long or longer is written ``'x' * n``.
_RUN = 16


def _text(value) -> str:
    """A ``str`` or ``bytes`` as source: ``repr``, or for a long one a sum of its runs."""
    if len(value) <= 100:
        return repr(value)
    pieces, literal, i = [], 0, 0
    while i < len(value):
        j = i
        while j < len(value) and value[j] == value[i]:
            j += 1
        if j - i >= _RUN:
            if literal < i:
                pieces.append(repr(value[literal:i]))
            pieces.append("%r * %d" % (value[i:i + 1], j - i))
            literal = j
        i = j
    if literal < len(value):
        pieces.append(repr(value[literal:]))
    return " + ".join(pieces)


# -- what the script inlines: functions of the kit, with what they use -----------------------------


def _kit(module_name: str) -> bool:
    return module_name == "ipc_spec" or module_name.startswith("ipc_spec.")


def _forbidden(module_name: str) -> bool:
    return module_name.split(".")[0] in FORBIDDEN


def _stdlib(name: str) -> bool:
    """Whether the module ``name`` is part of the standard library (built in, or found under its
    directory and not in site-packages)."""
    top = name.split(".")[0]
    known = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if known is not None:
        return top in known
    if top in sys.builtin_module_names:
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None) or ""
    paths = sysconfig.get_paths()
    roots = [paths[key] for key in ("stdlib", "platstdlib") if paths.get(key)]
    return origin in ("built-in", "frozen") or (
        any(origin.startswith(root) for root in roots) and "site-packages" not in origin)


def _global_names(code) -> List[str]:
    """The global names ``code`` (and the functions and classes nested in it) loads, in order."""
    names: List[str] = []
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and instruction.argval not in names:
            names.append(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(n for n in _global_names(const) if n not in names)
    return names


def _plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return True
    return type(value) in (tuple, frozenset) and all(_plain(v) for v in value)


def _imports_in(source: str, where: str) -> List[str]:
    """The modules ``source`` imports anywhere; :class:`ReproducerError` for one of the kit's."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    for name in found:
        if name.startswith(".") or _forbidden(name) or not _stdlib(name):
            raise ReproducerError("%s imports %s, which is not of the standard library"
                                  % (where, name))
    return found


class _Bundle(object):
    """The definitions a script carries, in order, with the imports they need."""

    def __init__(self):
        self.imports: List[str] = []
        self.chunks: Dict[str, List[str]] = {"operations": [], "objects": []}
        self.section = "operations"  # where the definitions being inlined go
        self.owner: Dict[str, str] = {name: "module " + name for name in MODULES + CELL_MODULES}
        self.inlined: Dict[int, str] = {}  # id(function) -> its name in the script

    def snapshot(self):
        return (list(self.imports), {k: list(v) for k, v in self.chunks.items()}, dict(self.owner),
                dict(self.inlined))

    def restore(self, state):
        self.imports, self.chunks, self.owner, self.inlined = state

    def need_import(self, line: str):
        if line not in self.imports:
            self.imports.append(line)

    def claim(self, name: str, what: str, where: str):
        """Define ``name`` in the script as ``what``; refuse a clash."""
        if name in RESERVED:
            raise ReproducerError("%s defines %s, a name the reproducer's own code uses"
                                  % (where, name))
        other = self.owner.get(name)
        if other is not None and other != what:
            raise ReproducerError("%s needs two different definitions of %s (%s and %s)"
                                  % (where, name, other, what))
        self.owner[name] = what
        return other is None

    def function(self, fn, where: str) -> str:
        """Inline ``fn`` (a module-level function of the kit) and what it uses; its name."""
        if id(fn) in self.inlined:
            return self.inlined[id(fn)]
        identity = "%s:%s" % (fn.__module__, fn.__qualname__)
        if not isinstance(fn, types.FunctionType) or fn.__qualname__ != fn.__name__:
            raise ReproducerError("%s uses %s, which is not a module-level function"
                                  % (where, identity))
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            raise ReproducerError("%s uses %s, whose source cannot be read"
                                  % (where, identity)) from None
        if source.startswith("@"):
            raise ReproducerError("%s uses %s, a decorated function" % (where, identity))
        _imports_in(source, identity)  # local imports of the standard library stay where they are
        self.inlined[id(fn)] = fn.__name__
        self.claim(fn.__name__, identity, where)
        self.chunks[self.section].append("# %s\n%s" % (identity, source.rstrip() + "\n"))
        for name in _global_names(fn.__code__):  # what it uses comes after it
            self._global(fn, name, identity)
        return fn.__name__

    def _global(self, fn, name: str, identity: str):
        """Give the script the global ``name`` that ``fn`` uses."""
        namespace = fn.__globals__
        if name not in namespace:
            if hasattr(builtins, name):
                return
            raise ReproducerError("%s uses %s, which its module does not define" % (identity, name))
        value = namespace[name]
        if name == "clock" and value is time.monotonic:
            return  # the prelude's clock
        if name == "mark" and getattr(value, "__module__", "") == "ipc_spec._child":
            return  # the prelude's mark
        if isinstance(value, types.ModuleType):
            if _forbidden(value.__name__) or not _stdlib(value.__name__):
                raise ReproducerError("%s uses the module %s, which is not of the standard library"
                                      % (identity, value.__name__))
            line = ("import %s" % value.__name__ if value.__name__ == name
                    else "import %s as %s" % (value.__name__, name))
            self.claim(name, "module " + value.__name__, identity)
            self.need_import(line)
            return
        if isinstance(value, types.FunctionType) and _kit(value.__module__):
            self.function(value, identity)
            return
        module = getattr(value, "__module__", None)
        if callable(value) and module and _stdlib(module) and getattr(value, "__qualname__", "") \
                and "." not in value.__qualname__ and "<" not in value.__qualname__:
            line = ("from %s import %s" % (module, value.__qualname__) if value.__qualname__ == name
                    else "from %s import %s as %s" % (module, value.__qualname__, name))
            if getattr(sys.modules.get(module), value.__qualname__, None) is value:
                self.claim(name, "%s:%s" % (module, value.__qualname__), identity)
                self.need_import(line)
                return
        if _plain(value):
            if self.claim(name, "constant %r" % (value,), identity):
                self.chunks[self.section].append("# %s:%s\n%s = %s\n" % (
                    identity.split(":")[0], name, name, _render(value, {})))
            return
        raise ReproducerError("%s uses %s (%s), which a standalone script cannot carry"
                              % (identity, name, _what(value)))

    def recipe(self, fn, where: str) -> str:
        """The standalone definition of a factory with a ``recipe``; the factory's name."""
        identity = "%s:%s" % (fn.__module__, fn.__qualname__)
        if id(fn) in self.inlined:
            return self.inlined[id(fn)]
        try:
            source = fn.recipe()
        except Exception as exc:
            raise ReproducerError("%s: the recipe of %s raised %s: %s"
                                  % (where, identity, type(exc).__name__, exc)) from None
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise ReproducerError("%s: the recipe of %s is not Python source (%s)"
                                  % (where, identity, exc)) from None
        _imports_in(source, "the recipe of %s" % identity)
        lines = source.splitlines()
        body = []
        defined = []
        for node in tree.body:
            segment = "\n".join(lines[node.lineno - 1:node.end_lineno])
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node.col_offset == 0:
                self.need_import(segment.strip())
                continue
            body.append(segment)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.append(node.name)
            elif isinstance(node, ast.Assign):
                defined.extend(t.id for t in node.targets if isinstance(t, ast.Name))
        if fn.__name__ not in defined:
            raise ReproducerError("%s: the recipe of %s defines no %s"
                                  % (where, identity, fn.__name__))
        for name in defined:
            self.claim(name, "%s (recipe)" % identity if name == fn.__name__
                       else "%s of the recipe of %s" % (name, identity), where)
        self.inlined[id(fn)] = fn.__name__
        self.chunks[self.section].append("# %s, standalone (its recipe)\n%s\n" % (
            identity, "\n\n\n".join(body)))
        return fn.__name__


def _resolve(spec: str, where: str, role: str):
    """The object ``module:qualname`` names, imported; :class:`ReproducerError` if there is none
    (``where`` and ``role`` say who names it: "object 'c' of ...", "its factory")."""
    module_name, _, qualname = spec.partition(":")
    if not module_name or not qualname:
        raise ReproducerError("%s: %s %r is not module:name" % (where, role, spec))
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:
        raise ReproducerError("%s: %s %s cannot be imported here (%s: %s)"
                              % (where, role, spec, type(exc).__name__, exc)) from None
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise ReproducerError("%s: %s %s does not exist (%s has no attribute %r)"
                                  % (where, role, spec, module_name, part))
        obj = getattr(obj, part)
    return obj


def _what(value) -> str:
    """A few words for what ``value`` is: "a class of ipc_spec.errors", "a list of ItemType"."""
    if inspect.isclass(value):
        return "a class of %s" % value.__module__
    if callable(value):
        return "a %s of %s" % (type(value).__name__, getattr(value, "__module__", "?"))
    if type(value) in (list, tuple, dict, set) and value:
        items = list(value.values() if type(value) is dict else value)
        kinds = sorted({type(v).__name__ for v in items})
        return "a %s of %s" % (type(value).__name__, ", ".join(kinds))
    return "a %s" % type(value).__name__


class _Names(object):
    """The functions a script's values and steps name: ``spec`` -> the expression in the script."""

    def __init__(self, bundle: _Bundle):
        self.bundle = bundle
        self.expressions: Dict[str, str] = {}

    def function(self, spec: str, where: str, role: str = "the function") -> str:
        """A ``Function('module:name')``: inlined if it is the kit's, else imported."""
        if spec not in self.expressions:
            fn = _resolve(spec, where, role)
            module_name, _, qualname = spec.partition(":")
            if _kit(module_name):
                self.expressions[spec] = self.bundle.function(fn, where)
            else:
                self.bundle.need_import("import %s" % module_name)
                self.expressions[spec] = "%s.%s" % (module_name, qualname)
        return self.expressions[spec]

    def collect(self, value, where: str):
        """Resolve every ``Function`` in ``value``."""
        if isinstance(value, _Function):
            self.function(value.spec, where)
        elif isinstance(value, (tuple, list, set, frozenset)):
            for item in value:
                self.collect(item, where)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.collect(k, where)
                self.collect(v, where)


# -- the report's failure, read ---------------------------------------------------------------


def _phase_of_ops(phases, ops) -> List[Optional[int]]:
    """For each op of a kit history (indexes restart at 0 in each phase): the phase it ran in.

    A process's ops are in phase order by start time; each goes to the first phase from the current
    one whose program of that process has a step at its index, later than the last op placed in
    that phase, and written the same (unless no step of the scenario is written as the op is: the
    spec rewrote it, so the index alone decides). None for an op no program has."""
    texts = {step["text"] for phase in phases for program in phase["programs"] for step in program}
    placed: List[Optional[int]] = [None] * len(ops)
    by_proc: Dict[int, List[int]] = {}
    for k, op in enumerate(ops):
        by_proc.setdefault(op["proc"], []).append(k)
    for proc, ks in by_proc.items():
        ks.sort(key=lambda k: (ops[k]["start_ms"], ops[k]["index"]))
        current, last = 0, -1
        for k in ks:
            op = ops[k]
            while current < len(phases):
                programs = phases[current]["programs"]
                program = programs[proc] if proc < len(programs) else []
                if last < op["index"] < len(program) and (
                        program[op["index"]]["text"] == op["call"] or op["call"] not in texts):
                    break
                current, last = current + 1, -1
            if current == len(phases):
                break
            placed[k] = current
            last = op["index"]
    return placed


def _step_at(phases, phase: int, proc: int, index: int):
    programs = phases[phase]["programs"]
    if proc < len(programs) and index < len(programs[proc]):
        return programs[proc][index]
    return None


_EARLY = re.compile(r"returned after ([0-9.]+) s, before its ([0-9.]+) s timeout")
_LATE = re.compile(r"took ([0-9.]+) s, more than ([0-9.]+) s \+ ([0-9.]+) s")


def _bound(failure) -> Tuple[str, float]:
    """The bound a timing failure broke: ``("early", limit)`` or ``("late", limit)``, seconds."""
    kind = failure["timing"]["bound"]
    message = failure["message"]
    if kind == "early":
        found = _EARLY.search(message)
        if found:
            return "early", float(found.group(2))
    else:
        found = _LATE.search(message)
        if found:
            return "late", float(found.group(2)) + float(found.group(3))
    raise ReproducerError("the %s failure under %s is a timing divergence whose message states no "
                          "%s bound a reproducer can read"
                          % (failure["clause"], failure["method"], kind))


def _deadline(phases, history) -> float:
    """Seconds each phase may take: the kit's deadline for this example if it hit one, else
    :data:`DEFAULT_DEADLINE` plus the longest a program of the example waits on purpose."""
    if history and history.get("deadline_ms"):
        return math.ceil(history["deadline_ms"]) / 1000.0
    longest = 0.0
    for phase in phases:
        for program in phase["programs"]:
            waits = 0.0
            for step in program:
                numbers = [v for k, v in step["_kwargs"].items()
                           if k in ("timeout", "hold", "pause")]
                if not step["call"].startswith("."):
                    numbers += [a for a in step["_args"] if isinstance(a, float)]
                waits += step["pause"] + sum(n for n in numbers if isinstance(n, (int, float))
                                             and not isinstance(n, bool) and 0 < n <= 600)
            longest = max(longest, waits)
    return round(DEFAULT_DEADLINE + longest, 3)


_CALL = re.compile(r"^(?:[A-Za-z_]\w*|\.[A-Za-z_]\w*=?|@[A-Za-z_][\w.]*:[A-Za-z_]\w*|@[A-Za-z_]\w*"
                   r"|pause|die)$")
_NAME = re.compile(r"^[A-Za-z_]\w*$")


def _steps(scenario, names: _Names, failure_name: str):
    """Read every step's arguments, check its call, and give the script its operations: the
    ``OPERATIONS`` table as ``{call: expression}``."""
    operations: Dict[str, str] = {}
    objects = scenario["objects"]
    for p, phase in enumerate(scenario["phases"]):
        for i, program in enumerate(phase["programs"]):
            for s, step in enumerate(program):
                where = "%s: step %d of process %d in phase %d (%s)" % (
                    failure_name, s + 1, i, p + 1, _clip(step["text"], 60))
                call = step["call"]
                if not _CALL.match(call):
                    raise ReproducerError("%s has a call the kit does not define: %r"
                                          % (where, call))
                args = _evaluate(step["args"], where)
                kwargs = _evaluate(step["kwargs"], where)
                if type(args) is not tuple or type(kwargs) is not dict:
                    raise ReproducerError("%s: its arguments are not a tuple and a dict" % where)
                step["_args"], step["_kwargs"] = args, kwargs
                names.collect(args, where)
                names.collect(kwargs, where)
                for value in list(args) + list(kwargs.values()):
                    if isinstance(value, _Ref) and value.name.split(".")[0] not in objects:
                        raise ReproducerError("%s refers to %s, which is not an object of the "
                                              "example" % (where, value.name))
                if call not in ("pause", "die") and step["obj"].split(".")[0] not in objects:
                    raise ReproducerError("%s uses %r, which is not an object of the example"
                                          % (where, step["obj"]))
                if call.startswith("@") and call[1:] not in operations:
                    operations[call[1:]] = _operation(call[1:], names, where)
    return operations


def _operation(name: str, names: _Names, where: str) -> str:
    """The script's expression for the worker-side operation ``name`` (``family:function``,
    ``package.module:function`` or the kit's own ``name``)."""
    module, _, function = name.rpartition(":")
    if not module:
        if name == "leave":
            return "op_leave"
        from .. import _child

        fn = getattr(_child, "op_" + name, None)
        if fn is None:
            raise ReproducerError("%s calls @%s, which is no operation of the kit" % (where, name))
        return names.bundle.function(fn, where)
    if "." not in module:
        module = "ipc_spec.ops." + module
    return names.function("%s:%s" % (module, function), where, "its operation")


def _objects(scenario, names: _Names, failure_name: str) -> List[str]:
    """The lines of the script's ``build(ctx)``: one entry of its dict per object."""
    lines = []
    for name, make in scenario["objects"].items():
        where = "object %r of %s" % (name, failure_name)
        if "cells" in make:
            lines.append("        %r: new_cells(ctx, %d),  # the kit's instrument"
                         % (name, make["cells"]))
            continue
        factory = make.get("factory", "")
        args = _evaluate(make.get("args", "()"), where)
        kwargs = _evaluate(make.get("kwargs", "{}"), where)
        if type(args) is not tuple or type(kwargs) is not dict:
            raise ReproducerError("%s: its arguments are not a tuple and a dict" % where)
        names.collect(args, where)
        names.collect(kwargs, where)
        if ":" in factory:
            call = "%s(ctx%s" % (_factory(where, factory, names), ", " if args or kwargs else "")
        elif _NAME.match(factory):
            call = "ctx.%s(" % factory
        else:
            raise ReproducerError("%s: its factory %r is neither a context attribute nor "
                                  "module:function" % (where, factory))
        parts = [_render(a, names.expressions) for a in args]
        parts += ["%s=%s" % (k, _render(v, names.expressions)) for k, v in kwargs.items()]
        line = "        %r: %s%s)," % (name, call, ", ".join(parts))
        if make.get("text") and len(line) < 80:
            line += "  # %s" % make["text"]
        lines.append(line)
    return lines


def _factory(where: str, spec: str, names: _Names) -> str:
    """The expression calling the factory ``spec`` (of the object ``where`` says): its recipe, its
    source, or for a user's factory that cannot be inlined, an import."""
    fn = _resolve(spec, where, "its factory")
    module_name, _, qualname = spec.partition(":")
    if getattr(fn, "recipe", None) is not None:
        return names.bundle.recipe(fn, where)
    if not isinstance(fn, types.FunctionType) or fn.__qualname__ != qualname:
        reason = "is not a module-level function (it is %s)" % _what(fn)
    else:
        state = names.bundle.snapshot()
        try:
            return names.bundle.function(fn, where)
        except ReproducerError as exc:
            names.bundle.restore(state)
            reason = "is not self-contained (%s)" % exc
    if _kit(module_name):
        raise ReproducerError("%s: its factory %s %s, and has no recipe" % (where, spec, reason))
    names.bundle.need_import("import %s" % module_name)  # a user's: the script imports it
    return "%s.%s" % (module_name, qualname)


def _checks(failure, scenario) -> Dict[str, Any]:
    """What the script compares with the kit's run: ``COMPARE``, ``KIT_OPS``, ``INTERVALS``,
    ``BOUND``, ``KIT_BLOCKED``; and ``KIT_FAULTS``, where the kit's faults struck (shown, never
    compared)."""
    checks = _compared(failure, scenario)
    checks["INTERVALS"] = [k for k, row in enumerate(checks["KIT_OPS"])
                           if row[4] is None and _step_at(scenario["phases"], *row[:3])["call"][1:]
                           in CLOCK_RESULTS]
    checks["KIT_FAULTS"] = _kit_faults(failure.get("history") or {}, scenario["phases"])
    return checks


# -- faults: the signals the kit's harness sent (ipc_spec.nemesis) ------------------------------

#: What a fault of a report may be (``ipc_spec.history.SIGNALS`` and ``WHENS``).
SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT")
WHENS = ("before", "after", "blocked")


def _fault_text(proc: int, step: int, sig: str, when: str, delay: float) -> str:
    """A fault as the kit writes it (``ipc_spec.history.Fault.describe``)."""
    if when == "before":
        at = "before step %d" % (step + 1)
    elif when == "after":
        at = "%.3g ms into step %d" % (delay * 1e3, step + 1)
    else:
        at = "once blocked in step %d" % (step + 1)
    return "%s process %d %s" % (sig, proc, at)


def _faults(raw_phases, phases, label: str) -> List[List[tuple]]:
    """Each phase's faults, checked, as the script's rows ``(process, step, signal, when, delay,
    text)``; :class:`ReproducerError` for one the kit cannot have sent."""
    out = []
    for number, phase in enumerate(raw_phases):
        rows, struck = [], set()
        for f in phase.get("faults") or ():
            try:
                proc, index, sig, when = int(f["proc"]), int(f["step"]), f["signal"], f["when"]
                delay = float(f.get("delay", 0.0))
            except (KeyError, TypeError, ValueError):
                raise ReproducerError("%s has a fault in phase %d that is not one: %r"
                                      % (label, number + 1, f)) from None
            text = _fault_text(proc, index, sig, when, delay) if sig in SIGNALS else repr(sig)
            if sig not in SIGNALS or when not in WHENS or not 0 <= delay <= 600:
                raise ReproducerError("%s has a fault in phase %d (%s) that is not one of %s, "
                                      "%s with a delay of 0 to 600 s"
                                      % (label, number + 1, f.get("text", text), "/".join(SIGNALS),
                                         "/".join(WHENS)))
            if _step_at(phases, number, proc, index) is None:
                raise ReproducerError("%s: fault %s in phase %d names a step its process does not "
                                      "have" % (label, text, number + 1))
            if proc in struck:
                raise ReproducerError("%s: fault %s in phase %d strikes a process struck already"
                                      % (label, text, number + 1))
            struck.add(proc)
            rows.append((proc, index, sig, when, delay, text))
        out.append(rows)
    return out


_FAULT_CALL = re.compile(r"^(SIGKILL|SIGTERM|SIGINT) from the harness \((.*)\)$")


def _kit_faults(history, phases) -> List[tuple]:
    """Where each fault of the kit's history struck, as ``(phase, process, text, where, sent at
    ms)``: the ops of index -1, each placed in the first phase not yet used whose faults have its
    text."""
    used = set()
    rows = []
    for op in sorted(history.get("ops", []), key=lambda o: o["start_ms"]):
        found = _FAULT_CALL.match(op["call"]) if op["index"] < 0 else None
        if not found:
            continue
        text = found.group(2)
        phase = next((p for p, phase in enumerate(phases) for f in phase["faults"]
                      if f[0] == op["proc"] and f[5] == text and (p, f[0]) not in used), None)
        if phase is None:
            continue
        used.add((phase, op["proc"]))
        where = op["outcome"][3:] if op["outcome"].startswith("-> ") else op["outcome"]
        if len(where) > 1 and where[0] == where[-1] and where[0] in "'\"":
            where = where[1:-1]
        rows.append((phase, op["proc"], text, where, op["start_ms"]))
    return rows


def _compared(failure, scenario) -> Dict[str, Any]:
    """What decides: a timing bound, the steps blocked at the deadline, the operations the clause
    names, or else every operation of the kit's history (each placed in its phase)."""
    history = failure.get("history")
    label = "the %s failure under %s" % (failure["clause"], failure["method"])
    if not history:
        raise ReproducerError("%s has no history: there is nothing to compare a run with" % label)
    phases = scenario["phases"]
    ops = [op for op in history.get("ops", []) if op["index"] >= 0]  # not the faults' signals
    placed = _phase_of_ops(phases, ops)

    def located(kinds):
        rows = []
        for op, phase in zip(ops, placed):
            if not kinds(op):
                continue
            if phase is None:
                raise ReproducerError("%s names %s (process %d, step %d), which is in none of the "
                                      "example's programs"
                                      % (label, op["call"], op["proc"], op["index"] + 1))
            rows.append((phase, op["proc"], op["index"], op["call"], op.get("error"),
                         op["outcome"]))
        return rows

    named = located(lambda op: op.get("named"))
    if failure.get("timing"):
        if not named:
            raise ReproducerError("%s is a timing divergence that names no operation" % label)
        return {"COMPARE": "timing", "KIT_OPS": named, "BOUND": _bound(failure), "KIT_BLOCKED": []}
    if history.get("blocked"):
        blocked = []
        for entry in history["blocked"]:  # in the phase that hit the deadline: the last one run
            steps = [(p, _step_at(phases, p, entry["proc"], entry["index"]))
                     for p in range(len(phases) - 1, -1, -1)]
            phase = next((p for p, step in steps if step and step["text"] == entry["call"]), None)
            if phase is None:
                raise ReproducerError("%s was blocked in %s (process %d, step %d), which is in "
                                      "none of the example's programs"
                                      % (label, entry["call"], entry["proc"], entry["index"] + 1))
            blocked.append((phase, entry["proc"], entry["index"], entry["call"]))
        return {"COMPARE": "blocked", "KIT_OPS": named, "BOUND": None, "KIT_BLOCKED": blocked}
    if named:
        return {"COMPARE": "named", "KIT_OPS": named, "BOUND": None, "KIT_BLOCKED": []}
    every = located(lambda op: True)
    if not every:
        raise ReproducerError("%s names no operation, and its history has none to compare" % label)
    return {"COMPARE": "all", "KIT_OPS": every, "BOUND": None, "KIT_BLOCKED": []}


# -- the script --------------------------------------------------------------------------------


def suggested_name(run: Dict[str, Any], failure: Dict[str, Any]) -> str:
    """A file name for the script of ``failure``: implementation, clause and start method."""
    parts = (run.get("impl", "impl").split(":")[0], failure["clause"], failure["method"])
    return re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").lower() + ".py"


def _docstring(text: str) -> str:
    return '"""%s\n"""' % text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _wrap(text: str, indent: str = "", width: int = 96) -> List[str]:
    """``text`` in lines of at most ``width`` characters (long words stay whole)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = line + " " + word if line else word
    if line:
        lines.append(indent + line)
    return lines or [indent.rstrip()]


def _context_source(impl: str) -> Tuple[str, str]:
    """The import line and the ``context()`` function of the implementation ``impl``."""
    module_name, _, attribute = impl.partition(":")
    if not module_name or not all(_NAME.match(p) for p in module_name.split(".")) or (
            attribute and not all(_NAME.match(p) for p in attribute.split("."))):
        raise ReproducerError("the run's implementation %r is neither a module nor module:attribute"
                              % impl)
    if _forbidden(module_name):
        raise ReproducerError("the run's implementation %s is part of the kit" % impl)
    if not attribute:
        return "import %s" % module_name, (
            'def context():\n'
            '    """The implementation under test, in the start method of the kit\'s run."""\n'
            '    return %s.get_context(METHOD)\n' % module_name)
    return "import %s" % module_name, (
        'def context():\n'
        '    """The implementation under test: %s, one context (in its own start method,\n'
        '    METHOD), or an object whose get_context(METHOD) is one."""\n'
        '    obj = %s.%s\n'
        '    if hasattr(obj, "Process") and callable(getattr(obj, "get_start_method", None)):\n'
        '        return obj\n'
        '    return obj.get_context(METHOD)\n' % (impl, module_name, attribute))


def _phases_source(scenario, names: _Names) -> List[str]:
    lines = ["#: The example, phase by phase: whether the phase runs on new processes and objects",
             "#: (fresh), and each process's program. A step is (object, call, args, kwargs, pause,",
             "#: text): call is 'method', '.attr' (read), '.attr=' (write args[0]), '@operation'",
             "#: (OPERATIONS), 'pause' or 'die' (SIGKILL itself after the pause); text is the step as",
             "#: the kit writes it.",
             "PHASES = ["]
    for number, phase in enumerate(scenario["phases"], 1):
        fresh = " (new processes and objects)" if phase["fresh"] else ""
        lines.append("    # phase %d%s" % (number, fresh))
        lines.append("    (%r, {" % bool(phase["fresh"]))
        for proc, program in enumerate(phase["programs"]):
            if not program:
                continue
            lines.append("        %d: [" % proc)
            for step in program:
                lines.append("            (%r, %r, %s, %s, %r, %r)," % (
                    step["obj"], step["call"], _render(step["_args"], names.expressions),
                    _render(step["_kwargs"], names.expressions), float(step["pause"]), step["text"]))
            lines.append("        ],")
        for f in phase["faults"]:
            lines.append("        # fault: %s (FAULTS)" % f[5])
        lines.append("    }),")
    lines.append("]")
    if not any(phase["faults"] for phase in scenario["phases"]):
        return lines + ["#: The signals the parent sends during a phase (the kit's faults): none.",
                        "FAULTS = {}"]
    lines += ["", "#: The faults of each phase (by its index): signals the parent sends a process with",
              "#: os.kill, as the kit's harness did, when that process's record says the moment has",
              "#: come: (process, step, signal, when, delay, text). 'before': the process waits before",
              "#: the step until the signal comes; 'after': delay seconds after the step's call began",
              "#: (wherever the process then is); 'blocked': once the process is inside the step's call",
              "#: and asleep there (S or D in /proc/<pid>/stat) on two readings 1 ms apart, or at once if",
              "#: the step ended first. Not sent once the process's program is over. A struck process",
              "#: runs nothing after the step it was struck in; a SIGINT is the KeyboardInterrupt of",
              "#: the call it strikes.",
              "FAULTS = {"]
    for number, phase in enumerate(scenario["phases"]):
        if phase["faults"]:
            lines.append("    %d: [  # phase %d" % (number, number + 1))
            lines += ["        %r," % (f,) for f in phase["faults"]]
            lines.append("    ],")
    lines.append("}")
    return lines


def script(run: Dict[str, Any], failure: Dict[str, Any], promise: str) -> str:
    """The standalone reproducer of ``failure`` (one entry of a report's ``failures``), found in
    ``run`` (the report's ``run``), whose clause states ``promise``: the source of a Python script
    of plain calls of the implementation. :class:`ReproducerError` when the failure cannot be
    expressed as one (no scenario, a factory or an argument a script cannot carry)."""
    label = "the %s failure under %s" % (failure.get("clause", "?"), failure.get("method", "?"))
    scenario = failure.get("scenario")
    if "Examples that need it were left out" in failure.get("message", ""):
        # A feature the implementation lacks (ipc_spec.lacks): the examples that needed it never
        # ran, and the last one, recorded, ran without it.
        raise ReproducerError("%s is a feature the implementation lacks, not an example that "
                              "failed: %s" % (label, _clip(failure["message"], 160)))
    if not scenario or not scenario.get("phases"):
        raise ReproducerError("%s has no scenario: the kit recorded no example to reproduce"
                              % label)
    raw_phases = scenario["phases"]
    scenario = {"objects": scenario["objects"],
                "phases": [{"fresh": phase["fresh"], "programs": [[dict(step) for step in program]
                                                                  for program in phase["programs"]]}
                           for phase in raw_phases]}
    if not any(program for phase in scenario["phases"] for program in phase["programs"]):
        raise ReproducerError("%s has an example in which no process runs a step" % label)
    for phase, faults in zip(scenario["phases"], _faults(raw_phases, scenario["phases"], label)):
        phase["faults"] = faults
    impl = run.get("impl") or "multiprocessing"
    import_impl, context_source = _context_source(impl)
    bundle = _Bundle()
    names = _Names(bundle)
    operations = _steps(scenario, names, label)
    bundle.section = "objects"
    build_lines = _objects(scenario, names, label)
    checks = _checks(failure, scenario)
    deadline = _deadline(scenario["phases"], failure.get("history"))
    # a timing bound, or critical sections that overlap, may show on some runs only
    # A timing bound, overlapping critical sections and a hang after a kill depend on the
    # schedule: tried several times (a hang after a SIGKILL mid-message showed in 1 of 10 runs).
    runs = TIMING_RUNS if (checks["COMPARE"] == "timing" or checks["INTERVALS"]
                           or checks["KIT_BLOCKED"]) else 1
    # So does what a fault strikes when it comes at an instant of a call (not before a step): a
    # SIGINT that broke a Barrier's lock showed in 8 runs of 100. The first run that shows it ends.
    if any(f[3] != "before" for phase in scenario["phases"] for f in phase["faults"]):
        runs = FAULT_RUNS

    uses_cells = any("cells" in make for make in scenario["objects"].values())
    modules = MODULES + (CELL_MODULES if uses_cells else ())
    imports = ["import %s" % name for name in sorted(modules)]
    extra = sorted(line for line in bundle.imports
                   if line not in imports and _stdlib(line.split()[1]))
    theirs = [import_impl] + sorted(line for line in bundle.imports
                                    if not _stdlib(line.split()[1]) and line != import_impl)
    needs = [line.split()[1] for line in theirs if line.split()[1] != "multiprocessing"]
    faults = [f[5] for phase in scenario["phases"] for f in phase["faults"]]
    text = [_docstring("\n".join(_about(run, failure, promise, checks, impl, needs, faults))), ""]
    text += imports + [""] + extra + ([""] if extra else [])
    text += ["try:"] + ["    " + line for line in theirs]
    text += ["except ImportError as exc:  # exit status 2: 1 would say that the divergence showed",
             '    print("Cannot import what the example needs: %s" % exc)',
             "    sys.exit(2)", "", ""]
    text += ["METHOD = %r" % failure["method"],
             "IMPLEMENTATION = %r" % ("%s %s" % (impl, run.get("impl_version", ""))).strip(),
             "CLAUSE = %r" % failure["clause"],
             "PROMISE = %r" % (promise or ""),
             "SEEN = %r" % failure["message"], "", ""]
    text += [context_source, "", _rule("the kit's plumbing, in plain code"), ""]
    text += [_PRELUDE.strip("\n")]
    if uses_cells:
        text += ["", "", _CELLS.strip("\n")]
    if "leave" in operations:
        text += ["", "", _LEAVE.strip("\n")]
    if faults:
        text += ["", "", _rule("the faults: signals the parent sends, as the kit's harness does"),
                 "", _FAULTS.strip("\n")]
    text += ["", ""]
    if bundle.chunks["operations"]:
        text += [_rule("the worker-side operations the steps call, as the kit runs them"), "", ""]
        text += ["\n\n".join(bundle.chunks["operations"]), ""]
    text += ["#: The worker-side operations the steps name ('@name').",
             "OPERATIONS = {%s}" % ", ".join("%r: %s" % item for item in operations.items()),
             "", ""]
    text += [_rule("the example"), "", ""]
    if bundle.chunks["objects"]:
        text += ["\n\n".join(bundle.chunks["objects"]), ""]
    text += ["def build(ctx):",
             '    """The example\'s objects, built once in the parent; a dict of parts of a factory',
             '    gives objects name.part (part "" is name itself)."""',
             "    return {"] + build_lines + ["    }", "", ""]
    text += _phases_source(scenario, names) + [""]
    text += ["#: Seconds each phase may take before what is still running is killed (SIGKILL).",
             "DEADLINE = %r" % deadline,
             "#: How often the example runs by default (--runs)%s." % (
                 ", at most: the first run that shows the divergence is the last"
                 if checks["COMPARE"] == "blocked" or faults else ""),
             "RUNS = %d" % runs, ""]
    text += [_rule("what the kit saw"), ""] + _checks_source(checks) + ["", ""]
    text += [_rule("the machinery (the same in every reproducer)"), _RUNTIME]
    source = "\n".join(text)
    _verify(source, label)
    return source


def _about(run, failure, promise, checks, impl, needs, faults=()) -> List[str]:
    """The lines of the script's docstring."""
    where = "%s %s on %s" % (run.get("interpreter", "Python"), run.get("python", "?"),
                             run.get("platform") or run.get("sys_platform") or "?")
    version = run.get("impl_version") or "unknown version"
    promise = (promise or "").strip()
    if promise and promise[-1] not in ".!?":
        promise += "."
    lines = ["Reproducer of %s under %s, start method %r." % (failure["clause"], impl,
                                                              failure["method"]), ""]
    lines += _wrap("Promised: %s" % (promise or "(the report does not state it)"))
    lines += [""] + _wrap("Found by ipc-spec %s%s on %s with %s (%s), start method %r." % (
        run.get("kit_version") or "", " (%s)" % run["finished"] if run.get("finished") else "",
        where, impl, version, failure["method"]))
    lines += ["", "The kit saw:"]
    for line in failure["message"].splitlines():
        lines += _wrap(line, "    " + " " * (len(line) - len(line.lstrip())))
    if failure.get("known"):
        lines += [""] + _wrap(failure["known"][0].upper() + failure["known"][1:])
    if failure.get("program"):
        lines += ["", "The example, as the kit ran it:"]
        for line in failure["program"].splitlines():
            depth = len(line) - len(line.lstrip())
            lines += _wrap(line, " " * depth)
    lines += [""] + _wrap("Run it with ``python <this file> [--runs N]`` (Python 3.8 or later, or "
                          "PyPy; it needs only the standard library%s)." % (
                              "".join(" and " + name for name in needs)))
    what = {"named": "the operations the clause names have the outcome they had in the kit's run: "
                     "the same exception, or the same result",
            "timing": "the operation the clause names breaks its %s bound again, in any of the runs"
                      % (checks["BOUND"] or ("",))[0],
            "blocked": "the steps that were blocked at the kit's deadline are blocked again",
            "all": "every operation has the outcome it had in the kit's run"}[checks["COMPARE"]]
    if checks["INTERVALS"]:
        what += "; results that are clock times count by how they overlap, in any of the runs"
    lines += _wrap("It runs the example with plain calls of the implementation, prints what each "
                   "process did, and exits 1 when the divergence shows (%s), 0 when it does not, "
                   "2 when the example could not run." % what)
    if faults:
        lines += [""] + _wrap(
            "The parent sends the example's fault%s (%s) with os.kill when the struck process's "
            "record says the moment has come, as the kit's harness did; a struck process runs "
            "nothing after the step it was struck in, and the steps it did not run are not "
            "compared." % ("s" if len(faults) > 1 else "", "; ".join(faults)))
    return lines


def _rule(title: str) -> str:
    return "# -- %s %s" % (title, "-" * max(3, 96 - 6 - len(title)))


def _checks_source(checks) -> List[str]:
    lines = ["#: What this run is compared with: 'named' (the outcome of the operations the broken",
             "#: clause names), 'timing' (the bound they broke), 'blocked' (the steps still running",
             "#: at the kit's deadline) or 'all' (the outcome of every operation).",
             "COMPARE = %r" % checks["COMPARE"],
             "#: The kit's operations: (phase, process, step, text, exception type or None,",
             "#: outcome).",
             "KIT_OPS = [" + ("" if checks["KIT_OPS"] else "]")]
    lines += ["    %r," % (row,) for row in checks["KIT_OPS"]]
    lines += ["]"] if checks["KIT_OPS"] else []
    lines += ["#: Those of KIT_OPS whose result is clock times (enter, exit), by position: compared by",
              "#: how they overlap, never by their text.",
              "INTERVALS = %r" % (checks["INTERVALS"],)]
    lines += [
              "#: For a timing divergence: the bound broken, 'early' (returned before LIMIT s) or",
              "#: 'late' (after LIMIT s), as (bound, LIMIT).",
              "BOUND = %r" % (checks["BOUND"],),
              "#: For a deadlock: the steps still running at the kit's deadline (phase, process,",
              "#: step, text).",
              "KIT_BLOCKED = [" + ("" if checks["KIT_BLOCKED"] else "]")]
    lines += ["    %r," % (row,) for row in checks["KIT_BLOCKED"]]
    lines += ["]"] if checks["KIT_BLOCKED"] else []
    if checks["KIT_FAULTS"]:
        lines += ["#: Where the kit's faults struck (phase, process, fault, where, sent at ms): shown,",
                  "#: not compared.",
                  "KIT_FAULTS = ["]
        lines += ["    %r," % (row,) for row in checks["KIT_FAULTS"]]
        lines += ["]"]
    else:
        lines += ["KIT_FAULTS = []"]
    return lines


def _verify(source: str, label: str):
    """The script parses, and imports nothing of the kit, Hypothesis or pytest."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:  # a bug of the reproducer, not of the report
        raise ReproducerError("the reproducer of %s does not parse (%s): please report it"
                              % (label, exc))
    for node in ast.walk(tree):
        modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                   else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in modules:
            if _forbidden(name):
                raise ReproducerError("the reproducer of %s would import %s" % (label, name))


# -- the parts every script has ----------------------------------------------------------------

_PRELUDE = '''
clock = time.monotonic  # CLOCK_MONOTONIC: one clock for every process of the machine
_marks = []  # what this process marked: (label, time)


def mark(label):
    """Record ``label`` with the time, in this process (a Barrier's action ran, a planned death)."""
    _marks.append((label, clock()))


class Ref(object):
    """A step argument that stands for the example's object ``name`` (or part ``name.part``)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Ref(%r)" % self.name
'''

_CELLS = '''
class Cells(object):
    """The kit's instrument: shared integers, zero at the start (the kit keeps them in memory of
    its own). ``.value`` is the first; ``cells[i]``, ``cells[i:j]`` and ``len(cells)`` as for a
    list, over ``array``: a RawArray('q', n) of the implementation, or a FileArray."""

    def __init__(self, array):
        self.array = array

    def __len__(self):
        return len(self.array)

    def __getitem__(self, i):
        return self.array[i]

    def __setitem__(self, i, value):
        self.array[i] = value

    @property
    def value(self):
        return self.array[0]

    @value.setter
    def value(self, value):
        self.array[0] = value

    def __repr__(self):
        return "<cells %s>" % self.array[:]


class FileArray(object):
    """``count`` 64-bit integers in a file that every process maps: the cells of an implementation
    that cannot hand a RawArray to a process (each process maps the file by its path)."""

    def __init__(self, path, count):
        with open(path, "wb") as f:
            f.write(bytes(8 * count))
        self.__setstate__((path, count))

    def __getstate__(self):
        return (self.path, self.count)

    def __setstate__(self, state):
        import mmap

        self.path, self.count = state
        with open(self.path, "r+b") as f:
            self.map = mmap.mmap(f.fileno(), 8 * self.count)

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.count))]
        return struct.unpack_from("q", self.map, 8 * range(self.count)[i])[0]

    def __setitem__(self, i, value):
        struct.pack_into("q", self.map, 8 * range(self.count)[i], value)


#: Once the implementation could not hand a RawArray to a process: the directory of the cells.
FILE_CELLS = []


def new_cells(ctx, count):
    """``count`` cells: a RawArray('q', count) (of ctypes.c_int64 where the implementation lacks
    the typecode), or a FileArray once a RawArray could not reach a process (FILE_CELLS)."""
    if not FILE_CELLS:
        try:
            return Cells(ctx.RawArray("q", count))
        except (TypeError, ValueError, KeyError):
            import ctypes

            return Cells(ctx.RawArray(ctypes.c_int64, count))
    path = os.path.join(FILE_CELLS[0], "cells-%d" % len(os.listdir(FILE_CELLS[0])))
    return Cells(FileArray(path, count))
'''

_LEAVE = '''
def op_leave(obj):
    """The kit's @leave: this process ends once the phase is over (a normal exit, which flushes
    what its queues hold)."""
'''

_FAULTS = r'''
PARK_LIMIT = 120.0  # seconds a process waits before a step for its fault's signal
BLOCKED_AFTER = 0.005  # without /proc: seconds inside a call after which a process counts as blocked


class Interruptible(object):
    """SIGINT in a process a fault may strike, as the kit's workers take it: raised as
    KeyboardInterrupt while ``armed`` (inside a call, or waiting for the fault before a step), else
    only noted in ``hit``; either way the program stops after the step it came in."""

    def __init__(self):
        self.armed = False
        self.hit = []

    def __call__(self, signum, frame):
        self.hit.append(clock())
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt()


def park(guard):
    """Wait before a step for the signal of a fault 'before' it (a SIGINT raises here); after
    PARK_LIMIT seconds (the parent is gone) go on."""
    limit = clock() + PARK_LIMIT
    guard.armed = True
    try:
        while clock() < limit:
            time.sleep(0.001)
    finally:
        guard.armed = False


def asleep(pid):
    """Whether process ``pid``'s main thread is asleep (S or D in /proc/<pid>/stat); None where
    that cannot be read."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    return state in (b"S", b"D")


class Follow(object):
    """The events a process appends to its record, read as they come (those of ``phase``)."""

    def __init__(self, path, phase):
        self.fd = os.open(path, os.O_RDONLY)
        self.phase = phase
        self.rest = b""

    def read(self):
        data = self.rest
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            data += chunk
        lines = data.split(b"\n")
        self.rest = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line.decode())
            except ValueError:
                continue
            if event[0] in ("call", "parked", "op", "done", "interrupted") and event[1] == self.phase:
                events.append(event)
        return events

    def close(self):
        os.close(self.fd)


class Nemesis(object):
    """The parent's side of the faults of one phase, as the kit's harness sends them: it follows
    the record of each process a fault may strike (the steps it begins, waits before and ends) and
    sends the signal with os.kill when the moment has come (see FAULTS)."""

    def __init__(self, phase, procs, folder, run):
        self.phase, self.procs, self.run = phase, procs, run
        self.pending = dict((f[0], f) for f in FAULTS.get(phase, ()) if f[0] in procs)
        self.follow = dict((i, Follow(os.path.join(folder, "process-%d.jsonl" % i), phase))
                           for i in self.pending)
        self.state = dict((i, {"ended": -1, "call": None, "parked": None, "done": False})
                          for i in self.pending)
        self.first_asleep = {}  # process -> when first seen asleep inside the step

    def poll(self):
        """Send each pending fault whose moment has come."""
        for i, f in list(self.pending.items()):
            state = self.state[i]
            for event in self.follow[i].read():
                if event[0] == "call":
                    state["call"] = (event[2], event[3])
                elif event[0] == "parked":
                    state["parked"] = event[2]
                elif event[0] == "op":
                    state["ended"] = event[2]
                else:
                    state["done"] = True
            now = clock()
            if state["done"]:  # its program is over: too late
                self.drop(i, "not sent: process %d had finished its program" % i)
                continue
            if not self.procs[i].is_alive():
                self.drop(i, "not sent: process %d had ended" % i)
                continue
            step, when, delay = f[1], f[3], f[4]
            call = state["call"] if state["call"] and state["call"][0] == step else None
            if state["ended"] >= step:
                due = True  # the step ended first: strike wherever the process is
            elif when == "before":
                due = state["parked"] == step
            elif call is None:
                due = False
            elif when == "after":
                due = now >= call[1] + delay
            else:
                due = self.blocked(i, now, call[1])
            if due:
                self.send(i, f, state, call)

    def blocked(self, i, now, since):
        state = asleep(self.procs[i].pid)
        if state is None:
            return now >= since + BLOCKED_AFTER
        if not state:
            self.first_asleep.pop(i, None)
            return False
        return now - self.first_asleep.setdefault(i, now) >= 0.001

    def send(self, i, f, state, call):
        del self.pending[i]
        step = f[1]
        if state["ended"] >= step:
            seen = "after step %d had ended" % (state["ended"] + 1)
        elif call is not None:
            seen = "inside step %d, %.1f ms after its call began" % (step + 1,
                                                                   (clock() - call[1]) * 1e3)
        else:
            seen = "while it waited before step %d" % (step + 1)
        at = clock()
        try:
            os.kill(self.procs[i].pid, getattr(signal, f[2]))
        except OSError:
            pass
        self.run.struck[(self.phase, i)] = (f, at, seen)

    def drop(self, i, why):
        f = self.pending.pop(i)
        self.run.unsent[(self.phase, i)] = (f, why)

    def finish(self):
        for i, f in list(self.pending.items()):
            self.drop(i, "never sent: process %d did not get there" % i)
        for follow in self.follow.values():
            follow.close()


def strike(run, phase, i, sent, record, ended):
    """Process ``i`` was sent its fault in ``phase``: the step the signal ended (for SIGKILL and
    SIGTERM, an op that ends when the parent saw the process gone, as in the kit's history), and
    where it struck, in the kit's words."""
    f, at, seen = sent
    program = PHASES[phase][1][i]
    done = len([k for k in run.ops if k[:2] == (phase, i)])
    if f[2] == "SIGINT":
        hit = [k for k in range(done) if run.ops[(phase, i, k)][2] == "KeyboardInterrupt"]
        if hit:
            where = "in step %d: %s" % (hit[-1] + 1, program[hit[-1]][5])
        else:  # swallowed by the call, or after the last step
            where = "after the program ended" if done == len(program) else "in step %d" % done
    elif done >= len(program):
        where = "after the program ended"
    else:
        calls = [c for c in record["call"] if c[0] == phase]
        inside = bool(calls) and calls[-1][1] == done
        where = "%s step %d: %s" % ("inside" if inside else "before the call of", done + 1,
                                   program[done][5])
        if ended:
            run.ops[(phase, i, done)] = (calls[-1][2] if inside else at, run.gone.get((phase, i), at),
                                         f[2], "killed by %s %s" % (
                                             f[2], "inside the call" if inside
                                             else "before the call began"))
    run.where[(phase, i)] = where


def fault_lines(run):
    """Where each fault struck in ``run`` (and in the kit's run): lines, not compared."""
    origin = run.origin or 0.0
    lines = []
    for phase, faults in sorted(FAULTS.items()):
        for f in faults:
            key = (phase, f[0])
            if key in run.struck:
                at, seen = run.struck[key][1:]
                now = "sent at %.1f ms (%s): it struck %s" % (
                    (at - origin) * 1e3, seen, run.where.get(key, "(unknown)"))
            elif key in run.unsent:
                now = run.unsent[key][1]
            else:
                now = "not sent: the phase did not run"
            kit = [row for row in KIT_FAULTS if tuple(row[:2]) == key]
            lines.append("fault: %s (phase %d): %s%s" % (
                f[5], phase + 1, now, "; in the kit's run it struck %s (sent at %.1f ms)" % (
                    kit[0][3], kit[0][4]) if kit else ""))
    return lines
'''

_RUNTIME = r'''
POLL = 0.0005  # seconds between two looks at a gate (or at a process a fault waits for)
START_TIMEOUT = 60.0  # seconds a process may take to start and receive the objects
STOP_GRACE = 2.0  # seconds a process may take to exit once the example is over
PLAIN = (type(None), bool, int, float, complex, str, bytes)


class Opaque(object):
    """A result that is not plain data, as the kit shows it: <type repr>."""

    def __init__(self, value):
        text = repr(value)
        text = text[:200] + "..." if len(text) > 200 else text
        self.text = "<%s %s>" % (type(value).__name__, text)

    def __repr__(self):
        return self.text


def plain(value):
    if isinstance(value, PLAIN):
        return value
    if type(value) in (list, tuple):
        return type(value)(plain(v) for v in value)
    return Opaque(value)


def shown(value, limit=60):
    """``repr`` of a result as the kit writes it: cut to ``limit`` characters."""
    value = plain(value)
    text = repr(value)
    if len(text) > limit:
        size = len(value) if isinstance(value, (bytes, str, list, tuple, dict)) else None
        text = text[:limit - 20] + "..." + (" (%d long)" % size if size is not None else "")
    return text


def outcome_of(error, message, result):
    if error is None:
        return "-> " + shown(result)
    return "raised %s%s" % (error, ": " + message if message else "")


def run_step(objects, step, started=None, guard=None):
    """Run one step as the kit's workers do: (start, end, exception type or None, outcome).
    ``started(start)`` is called just before the call (the parent sends a fault by it); ``guard``
    is the Interruptible of a process a SIGINT may strike: armed during the call alone."""
    name, call, args, kwargs, pause = step[:5]
    if pause:
        time.sleep(pause)
    obj = objects.get(name)
    args = [objects[a.name] if type(a) is Ref else a for a in args]
    kwargs = dict((k, objects[v.name] if type(v) is Ref else v) for k, v in kwargs.items())
    start = clock()
    if started is not None:
        started(start)
    try:
        if guard is not None:
            guard.armed = True
        if call == "pause":
            result = None
        elif call.startswith("@"):
            result = OPERATIONS[call[1:]](obj, *args, **kwargs)
        elif call.startswith("."):
            if call.endswith("="):
                setattr(obj, call[1:-1], args[0])
                result = None
            else:
                result = getattr(obj, call[1:])
        else:
            result = getattr(obj, call)(*args, **kwargs)
        if guard is not None:
            guard.armed = False
        error, message = None, ""
    except (Exception, KeyboardInterrupt) as exc:  # the step's outcome, recorded
        if guard is not None:
            guard.armed = False
        result, error, message = None, type(exc).__name__, str(exc)[:500]
    end = clock()
    return start, end, error, outcome_of(error, message, result)


def note(fd, *event):
    """Append ``event`` to this process's record (one JSON line, written at once: a process killed
    later still shows what it did)."""
    os.write(fd, (json.dumps(event) + "\n").encode())


def await_file(path, stop):
    """Wait until the file ``path`` exists (True) or ``stop`` does (False)."""
    while not os.path.exists(path):
        if os.path.exists(stop):
            return False
        time.sleep(POLL)
    return True


def watch_parent(parent):
    """End this process once the one that started it is gone: no orphans, even after SIGKILL."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(70)


def worker(number, objects, programs, folder):
    """Process ``number``: run its program of each phase once the parent opens the phase (the file
    go-<phase> appears in ``folder``), appending what each step did to process-<number>.jsonl;
    then wait until the example is over (the file stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    watchdog = threading.Thread(target=watch_parent, args=(os.getppid(),))
    watchdog.daemon = True
    watchdog.start()
    path = os.path.join(folder, "process-%d.jsonl" % number)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    note(fd, "ready", os.getpid())  # the objects reached this process
    stop = os.path.join(folder, "stop")
    for phase, program, fault in programs:
        if not await_file(os.path.join(folder, "go-%d" % phase), stop):
            return
        guard = started = None
        if fault is not None:  # the parent may send it a signal: it notes each call as it begins
            guard = Interruptible()
            signal.signal(signal.SIGINT, guard)
        for index, step in enumerate(program):
            if fault is not None:
                started = lambda at: note(fd, "call", phase, index, at)
                if fault[3] == "before" and fault[1] == index and not guard.hit:
                    note(fd, "parked", phase, index, clock())
                    try:
                        park(guard)
                    except KeyboardInterrupt:
                        pass
            if guard is not None and guard.hit:  # a SIGINT between steps, or while parked
                start = end = clock()
                error, outcome = "KeyboardInterrupt", "raised KeyboardInterrupt: before the step began"
            elif step[1] == "die":  # fault injection: SIGKILL, after the pause
                if step[4]:
                    time.sleep(step[4])
                mark("died")
            else:
                start, end, error, outcome = run_step(objects, step, started, guard)
            while _marks:
                note(fd, "mark", *_marks.pop(0))
            if step[1] == "die":
                os.kill(os.getpid(), signal.SIGKILL)
            note(fd, "op", phase, index, start, end, error, outcome)
            if guard is not None and guard.hit:
                break
        if guard is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if guard.hit:  # it stops, as a program does on an uncaught KeyboardInterrupt
                note(fd, "interrupted", phase, guard.hit[0])
                sys.exit(1)
        note(fd, "done", phase)
        open(os.path.join(folder, "done-%d-%d" % (phase, number)), "w").close()
        if any(step[1] == "@leave" for step in program):
            return
    await_file(stop, stop)


def read_record(path):
    """What a process appended to its record: ``{"op": [...], "mark": [...], "done": [...]}``."""
    record = {"op": [], "mark": [], "done": [], "call": [], "parked": [], "interrupted": []}
    try:
        with open(path) as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:  # cut short by a kill
                    continue
                if event[0] in record:
                    record[event[0]].append(event[1:] if event[0] != "done" else event[1])
    except OSError:
        pass
    return record


def flat(objects):
    """The objects by the names the steps use: a dict of parts gives name.part ("" is name)."""
    out = {}
    for name, obj in objects.items():
        if type(obj) is dict:
            for part, value in obj.items():
                out[name + "." + part if part else name] = value
        else:
            out[name] = obj
    return out


def groups():
    """The phases in runs that share their objects and processes (a fresh phase has its own)."""
    out = []
    for number, (fresh, programs) in enumerate(PHASES):
        if fresh or not out or PHASES[out[-1][0]][0]:
            out.append([])
        out[-1].append(number)
    return out


class Run(object):
    """What one run of the example did."""

    def __init__(self):
        self.origin = None  # when the first phase opened
        self.ops = {}  # (phase, process, step) -> (start, end, exception type or None, outcome)
        self.blocked = {}  # (phase, process) -> (step, since): still running at the deadline
        self.opened = {}  # phase -> when it opened
        self.deadline = None  # (phase, when) if a phase hit the deadline
        self.fates = []  # (process, pid, what happened to it)
        self.marks = []  # (time, process, label)
        self.pids = []
        self.gone = {}  # (phase, process) -> when the parent saw it ended before its program did
        self.hung = set()  # the processes still running at the deadline
        self.struck = {}  # (phase, process) -> (fault, when sent, where the parent saw it then)
        self.unsent = {}  # (phase, process) -> (fault, why it was not sent)
        self.where = {}  # (phase, process) -> where its fault struck, as the kit says it
        self.error = None  # why the example could not run
        self.unstarted = False  # whether that is a process the implementation could not start


def run_example(ctx, folder):
    """Run the example once, in processes of ``ctx``, with its gates and records in ``folder``."""
    run = Run()
    if "FILE_CELLS" in globals() and FILE_CELLS:
        FILE_CELLS[0] = os.path.join(folder, "cells")
        os.mkdir(FILE_CELLS[0])
    for number, group in enumerate(groups()):
        if run.deadline is not None:
            break
        where = os.path.join(folder, "group-%d" % number)
        os.mkdir(where)
        try:
            objects = flat(build(ctx))
        except Exception as exc:
            run.error = "building the objects raised %s: %s" % (type(exc).__name__, exc)
            return run
        procs = {}
        try:
            run.error = start_group(ctx, group, objects, where, procs, run)
            if run.error is None:
                if PHASES[group[0]][0]:  # fresh: only the processes hold the Connections
                    for obj in objects.values():
                        if hasattr(obj, "recv_bytes") and hasattr(obj, "close"):
                            obj.close()
                for phase in group:
                    if run_phase(phase, procs, where, run):
                        break
        except BaseException:  # interrupted: kill at once
            end_group(group, procs, where, run, 0.0)
            raise
        end_group(group, procs, where, run, STOP_GRACE)
        if run.error is not None:
            return run
    return run


def start_group(ctx, group, objects, folder, procs, run):
    """Start one process per process number of the phases ``group``; None once each has its
    objects, else why not."""
    numbers = sorted(set(i for phase in group for i in PHASES[phase][1]))
    for i in numbers:
        programs = [(phase, PHASES[phase][1][i], fault_of(phase, i)) for phase in group
                    if i in PHASES[phase][1]]
        proc = ctx.Process(target=worker, args=(i, objects, programs, folder),
                           name="process-%d" % i)
        proc.daemon = True
        try:
            proc.start()
        except Exception as exc:
            run.unstarted = True
            return "process %d could not start: %s: %s" % (i, type(exc).__name__, exc)
        procs[i] = proc
        run.pids.append(proc.pid)
    limit = clock() + START_TIMEOUT
    for i, proc in procs.items():
        while not os.path.exists(os.path.join(folder, "process-%d.jsonl" % i)):
            if not proc.is_alive():
                return "process %d ended (exit code %s) before its first step" % (i, proc.exitcode)
            if clock() > limit:
                return "process %d did not start within %d s" % (i, START_TIMEOUT)
            time.sleep(0.001)
    return None


def fault_of(phase, number):
    """The fault that may strike process ``number`` in ``phase``, or None."""
    return next((f for f in FAULTS.get(phase, ()) if f[0] == number), None)


def run_phase(phase, procs, folder, run):
    """Open ``phase`` to its processes and wait until each has run its program or ended, or the
    deadline passes (then kill them all), sending the phase's faults when they are due. True if
    it passed."""
    nemesis = Nemesis(phase, procs, folder, run) if FAULTS.get(phase) else None
    run.opened[phase] = go = clock()
    if run.origin is None:
        run.origin = go
    open(os.path.join(folder, "go-%d" % phase), "w").close()
    waiting = set(PHASES[phase][1])
    delay = POLL
    while waiting:
        if nemesis is not None:
            nemesis.poll()
        for i in list(waiting):
            done = os.path.join(folder, "done-%d-%d" % (phase, i))
            if os.path.exists(done):
                waiting.discard(i)
            elif not procs[i].is_alive():
                waiting.discard(i)
                run.gone[(phase, i)] = clock()
        late = clock() > go + DEADLINE
        if waiting and late:
            run.deadline = (phase, go + DEADLINE)
            for i, proc in procs.items():
                if proc.is_alive():
                    run.hung.add(i)
                    os.kill(proc.pid, signal.SIGKILL)
        if not waiting or late:
            if nemesis is not None:
                nemesis.finish()
            return bool(waiting)
        time.sleep(POLL if nemesis is not None and nemesis.pending else delay)
        delay = min(2 * delay, 0.005)
    return False


def end_group(group, procs, folder, run, grace):
    """Tell the processes the example is over, reap them (killing any that has not exited
    ``grace`` seconds later), and read what they did."""
    open(os.path.join(folder, "stop"), "w").close()
    limit = clock() + grace
    for i, proc in procs.items():
        proc.join(max(0.0, limit - clock()))
        late = proc.is_alive()
        if late:
            os.kill(proc.pid, signal.SIGKILL)
            proc.join()
        record = read_record(os.path.join(folder, "process-%d.jsonl" % i))
        for phase, index, start, end, error, outcome in record["op"]:
            run.ops[(phase, i, index)] = (start, end, error, outcome)
        for label, at in record["mark"]:
            run.marks.append((at, i, label))
        died = any(label == "died" for label, at in record["mark"])
        killed = run.deadline is not None and run.deadline[0] in group
        if killed and i in run.hung:
            phase = run.deadline[0]
            if PHASES[phase][1].get(i) and phase not in record["done"]:
                index = len([k for k in run.ops if k[:2] == (phase, i)])
                since = run.ops[(phase, i, index - 1)][1] if index else run.opened[phase]
                run.blocked[(phase, i)] = (index, since)
        struck = [(phase, run.struck[(phase, i)]) for phase in group if (phase, i) in run.struck]
        fault = struck[0][1][0] if struck else None
        ended = (fault is not None and proc.exitcode == -getattr(signal, fault[2]) and not late
                 and i not in run.hung)
        if struck:
            strike(run, struck[0][0], i, struck[0][1], record, ended)
        if died:
            fate = "killed itself (planned SIGKILL)"
        elif ended:
            fate = "ended by the %s of its fault (%s)" % (fault[2], fault[5])
        elif (fault is not None and fault[2] == "SIGINT" and record["interrupted"]
              and proc.exitcode == 1):
            fate = "stopped after the KeyboardInterrupt of its fault (%s): exit code 1" % fault[5]
        elif late:
            fate = "did not exit within %.0f s after the example: killed (SIGKILL)" % grace
        elif killed and proc.exitcode == -signal.SIGKILL:
            fate = "killed at the deadline (SIGKILL)"
        elif proc.exitcode:
            fate = "ended with exit code %s" % proc.exitcode
        else:
            fate = "exited normally"
        run.fates.append((i, proc.pid, fate))


def struck_in(run, phase, proc):
    """The fault that struck ``proc`` in ``phase`` or in an earlier phase of the same processes,
    or None."""
    for (p, i), sent in run.struck.items():
        if i == proc and p <= phase and not any(PHASES[q][0] for q in range(p + 1, phase + 1)):
            return sent[0]
    return None


def describe(run, phase, proc, index):
    """What step ``index`` of process ``proc`` in ``phase`` did in ``run``."""
    op = run.ops.get((phase, proc, index))
    if op is not None:
        return op[3]
    if run.blocked.get((phase, proc), (None,))[0] == index:
        return "still running at the deadline"
    fault = struck_in(run, phase, proc)
    if fault is not None:
        return "did not run (the process was struck: %s)" % fault[5]
    return "did not run"


def compare(run):
    """Whether ``run`` shows the divergence: ``(shown, lines, summary)``, the lines comparing each
    operation with the kit's, the summary saying in a few words what decided."""
    lines, same, summary = [], [], []
    if COMPARE == "blocked":
        for phase, proc, index, text in KIT_BLOCKED:
            now = describe(run, phase, proc, index)
            again = now == "still running at the deadline"
            same.append(again)
            lines.append("%s (phase %d, process %d, step %d): the kit's was still running at its "
                         "deadline; this run's: %s" % (text, phase + 1, proc, index + 1, now))
            summary.append("%s %s" % (text, "was still running at the deadline, as in the kit's run"
                                      if again else now + ", where the kit's was blocked"))
        return all(same), lines, summary
    if COMPARE == "timing":
        kind, limit = BOUND
        for phase, proc, index, text, error, outcome in KIT_OPS:
            op = run.ops.get((phase, proc, index))
            if op is None:
                same.append(False)
                lines.append("%s: %s" % (text, describe(run, phase, proc, index)))
                summary.append(lines[-1])
                continue
            took = op[1] - op[0]
            broke = took < limit if kind == "early" else took > limit
            same.append(broke)
            lines.append("%s %s after %.4f s: %s its %s bound (%s %.4f s)" % (
                text, op[3], took, "breaks" if broke else "keeps", kind,
                "not before" if kind == "early" else "not after", limit))
            if kind == "early":
                summary.append("%s returned after %.4f s, %s its %.4f s timeout" % (
                    text, took, "before" if broke else "not before", limit))
            else:
                summary.append("%s returned after %.4f s, %s its limit of %.4f s" % (
                    text, took, "past" if broke else "within", limit))
        return all(same), lines, summary
    for k, (phase, proc, index, text, error, outcome) in enumerate(KIT_OPS):
        op = run.ops.get((phase, proc, index))
        now = describe(run, phase, proc, index)
        if op is None:
            again = False
        elif k in INTERVALS:  # clock times: compared below, by how they overlap
            again = interval(op[3]) is not None
        elif error is not None:
            again = op[2] == error
        else:
            again = op[2] is None and op[3] == outcome
        same.append(again)
        lines.append("%s (phase %d, process %d, step %d): the kit saw %s; this run: %s%s" % (
            text, phase + 1, proc, index + 1, outcome, now, "" if again else "   <- not the same"))
        if not again:
            summary.append("%s %s, where the kit saw %s" % (text, now, outcome))
    overlaps = []
    for n, a in enumerate(INTERVALS):
        for b in INTERVALS[n + 1:]:
            kit = overlap(interval(KIT_OPS[a][5]), interval(KIT_OPS[b][5]))
            ops = [run.ops.get(tuple(KIT_OPS[k][:3])) for k in (a, b)]
            now = overlap(*[interval(op[3]) if op else None for op in ops])
            same.append(now == kit)
            words = "%s and %s" % (KIT_OPS[a][3], KIT_OPS[b][3])
            lines.append("%s (clock times): %s in the kit's run; in this run: %s" % (
                words, OVERLAP[kit], OVERLAP[now]))
            if now == kit:
                overlaps.append("%s %s, as in the kit's run" % (words, OVERLAP[now]))
            else:
                summary.append("%s %s, where in the kit's run they %s" % (words, OVERLAP[now],
                                                                         OVERLAP[kit]))
    if all(same):
        others = [row for k, row in enumerate(KIT_OPS) if k not in INTERVALS]
        summary = overlaps + ["%s %s, as in the kit's run" % (
            row[3], "raised " + row[4] if row[4] else row[5]) for row in others[:3]]
        if len(others) > 3:
            summary.append("and %d more" % (len(others) - 3))
    return all(same), lines, summary[:3] + (["..."] if len(summary) > 3 else [])


#: How two clock intervals were: overlapped (True) or not (False), or one of them is missing.
OVERLAP = {True: "overlapped", False: "did not overlap", None: "were not both run"}


def interval(outcome):
    """The clock times (enter, exit) of a result such as '-> (12.5, 12.7)', else None."""
    if not (outcome.startswith("-> (") and outcome.endswith(")")):
        return None
    try:
        enter, leave = [float(part) for part in outcome[4:-1].split(", ")]
    except ValueError:
        return None
    return enter, leave


def overlap(a, b):
    """Whether the clock intervals ``a`` and ``b`` overlap; None if one is missing."""
    if a is None or b is None:
        return None
    return a[0] < b[1] and b[0] < a[1]


def print_run(run):
    """What each process did, phase by phase, in ms from the example's start."""
    origin = run.origin or 0.0
    compared = set(tuple(row[:3]) for row in KIT_OPS) | set(tuple(row[:3]) for row in KIT_BLOCKED)
    died = dict((proc, at) for at, proc, label in run.marks if label == "died")
    for phase, (fresh, programs) in enumerate(PHASES):
        print("  phase %d%s:" % (phase + 1, " (new processes and objects)" if fresh else ""))
        if phase not in run.opened:
            print("    not run (an earlier phase hit the deadline)")
            continue
        for proc in sorted(programs):
            print("    process %d:" % proc)
            for index, step in enumerate(programs[proc]):
                flag = "   <- compared" if (phase, proc, index) in compared else ""
                op = run.ops.get((phase, proc, index))
                if op is not None:
                    print("      [%8.1f .. %8.1f ms] %s %s%s" % (
                        (op[0] - origin) * 1e3, (op[1] - origin) * 1e3, step[5], op[3], flag))
                elif run.blocked.get((phase, proc), (None,))[0] == index:
                    print("      [%8.1f .. still running at the deadline, %.1f ms] %s%s" % (
                        (run.blocked[(phase, proc)][1] - origin) * 1e3,
                        (run.deadline[1] - origin) * 1e3, step[5], flag))
                elif step[1] == "die" and proc in died:
                    print("      [%8.1f ms] %s" % ((died[proc] - origin) * 1e3, step[5]))
                elif struck_in(run, phase, proc) is not None:
                    print("      (not run: the process was struck) %s" % step[5])
                else:
                    print("      (not run) %s" % step[5])
        for f in FAULTS.get(phase, ()):
            print("    fault: %s" % f[5])
    for at, proc, label in sorted(run.marks):
        if label != "died":
            print("  process %d marked %r at %.1f ms" % (proc, label, (at - origin) * 1e3))
    for proc, pid, fate in run.fates:
        print("  process %d (pid %d): %s" % (proc, pid, fate))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Reproducer of %s under %s."
                                                 % (CLAUSE, IMPLEMENTATION))
    parser.add_argument("--runs", type=int, default=RUNS, metavar="N",
                        help="run the example N times (default %(default)s); the divergence shows "
                             "if it shows in any run")
    args = parser.parse_args(argv)
    print("%s, start method %r, on %s %s" % (IMPLEMENTATION, METHOD, sys.implementation.name,
                                             sys.version.split()[0]))
    print("Promised (%s): %s" % (CLAUSE, PROMISE or "(not stated)"))
    print("The kit saw: %s" % SEEN.replace("\n", "\n    "))
    try:
        return run_all(context(), max(1, args.runs))
    except KeyboardInterrupt:
        print("Interrupted: every process of the example was killed and reaped.")
        return 130
    except Exception:  # exit status 2: 1 would say that the divergence showed
        import traceback

        traceback.print_exc(file=sys.stdout)
        print("The reproducer failed: the example could not run.")
        return 2


def run_all(ctx, runs):
    """Run the example ``runs`` times; the exit status."""
    shown_in = 0
    first = []
    for number in range(runs):
        folder = tempfile.mkdtemp(prefix="ipc-spec-reproducer-")
        try:
            run = run_example(ctx, folder)
            if run.unstarted and "FILE_CELLS" in globals() and not FILE_CELLS:
                print("Note: %s; the cells are now a file that every process maps." % run.error)
                FILE_CELLS.append(None)
                shutil.rmtree(folder, ignore_errors=True)
                folder = tempfile.mkdtemp(prefix="ipc-spec-reproducer-")
                run = run_example(ctx, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if run.error is not None:
            print("The example could not run: %s" % run.error)
            return 2
        same, lines, summary = compare(run)
        shown_in += same
        if number == 0:
            print("This run (times in ms from the example's start):")
            print_run(run)
            if FAULTS:
                print("The faults (where they struck is shown, not compared):")
                for line in fault_lines(run):
                    print("  " + line)
            print("Compared with the kit's run:")
            for line in lines:
                print("  " + line)
        else:
            print("run %d: %s" % (number + 1, "; ".join(summary)))
        if number == 0 or same and shown_in == 1:
            first = summary  # the first run's, or the first that showed the divergence
        if same and (COMPARE == "blocked" or FAULTS):  # one hang, or one strike, shows it
            runs = number + 1
            break
    if shown_in:
        where = " in %d of %d runs" % (shown_in, runs) if runs > 1 else ""
        print("DIVERGENCE SHOWN%s: %s" % (where, "; ".join(first)))
        return 1
    where = "in any of the %d runs" % runs if runs > 1 else "in this run"
    print("not shown %s: %s" % (where, "; ".join(first)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def _defined(*sources: str) -> frozenset:
    """The names the top level of ``sources`` defines."""
    names = set()
    for source in sources:
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


#: Names the machinery of every script defines: no inlined definition may take one.
RESERVED = _defined(_PRELUDE, _CELLS, _LEAVE, _FAULTS, _RUNTIME) | frozenset(
    ("METHOD", "IMPLEMENTATION", "CLAUSE", "PROMISE", "SEEN", "context", "OPERATIONS", "build",
     "PHASES", "FAULTS", "DEADLINE", "RUNS", "COMPARE", "KIT_OPS", "INTERVALS", "BOUND",
     "KIT_BLOCKED", "KIT_FAULTS"))
