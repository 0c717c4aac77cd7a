"""Two rules of the course that a submission's process enforces on the calls it answers
(zygote.Child.handle); imported by the zygote, so every child starts with it loaded.

Forbidden calls (`ForbiddenCalls`). The trusted side names the library functions an assignment
forbids (FORBIDDEN_CALLS) before the notebook's first cell runs, and with each call the ones
the question of that call forbids. Each is wrapped in place, where the library keeps it: the
module attribute (`torch.nn.functional.cross_entropy`), the same object under torch's other
names (`torch._C._nn.scaled_dot_product_attention`), the method form of a torch function
(`torch.Tensor.softmax` for `torch.softmax`), a class's own methods (`torch.nn.CrossEntropyLoss`
keeps its name; its `__init__` and `forward` are wrapped). A module not imported yet is wrapped
as soon as it is (an import hook). Whatever the notebook binds then is the wrapper: an alias
(`ce = F.cross_entropy`), `getattr` with a computed name, `vars(F)[...]`, `eval` of a string,
`importlib`, a helper in another cell. A wrapper passes every call through, except while the
process answers a call for a question that forbids it: then it raises `ForbiddenCall`, and
the call is refused even if the student's code catches that. The notebook's cells and calls
for other questions run unguarded.

This stops indirection, not code that edits the sandbox's own state (this module's objects are
in the same process as the student's code, as everything there is); the static scan of the
answer cell (grading/forbidden.py) stays the first check.

Inputs are never modified (`kept`, `check_unmodified`): before a call, a copy of each argument
that is plain data (numeric arrays, lists, tuples and dicts of plain data); after it returns,
each is compared with its copy, and a change is the call's failure (`ModifiedInput`), naming
the argument. Returning an input unchanged, or a view of it, is not a change.
"""
import importlib.abc
import inspect
import sys

import numpy as np


class ForbiddenCall(BaseException):
    """A forbidden library function was called for a question that forbids it. Not an
    Exception: a student's `except Exception` does not catch it (and if something does, the
    call is refused all the same)."""


class ModifiedInput(Exception):
    """The function changed an argument in place."""


# ---------------------------------------------------------------------------- forbidden calls

_TORCH_NAMESPACES = ("", "_C._VariableFunctions", "_C._nn", "_C._special", "_C._linalg", "_C._fft",
                     "nn.functional", "special", "linalg", "fft")
_CLASS_METHODS = ("__init__", "__call__", "forward")


class ForbiddenCalls:
    def __init__(self):
        self.now = frozenset()   # the names refused at this moment
        self.fired = []          # names refused during the current call
        self.places = {}         # dotted name -> [(holder, attribute, wrapper)]
        self.names_of = {}       # id(wrapper) -> (wrapper, dotted names it refuses for, original)
        self.pending = set()     # names whose module is not imported yet
        self.watched = frozenset()  # modules whose import may bring a pending name
        self.watch = None        # the import hook, while names are pending
        self.namespace = None    # the notebook's, where a late wrapper replaces what it bound

    # -- setting up
    def install(self, names, namespace=None):
        """Wrap `names` (dotted) where they are now; watch imports for the rest."""
        if namespace is not None:
            self.namespace = namespace
        for dotted in names:
            if type(dotted) is str and dotted not in self.places:
                self._install(dotted)
        self._watch()

    def _watch(self):
        self.watched = frozenset(".".join(d.split(".")[:i]) for d in self.pending
                                 for i in range(1, d.count(".") + 1))
        if self.pending and self.watch is None:
            self.watch = _ImportWatch(self)
            sys.meta_path.insert(0, self.watch)
        elif not self.pending and self.watch is not None:
            try:
                sys.meta_path.remove(self.watch)
            except ValueError:
                pass
            self.watch = None

    def _install(self, dotted):
        found = _resolve(dotted)
        if found is None:
            self.pending.add(dotted)
            return
        self.pending.discard(dotted)
        holder, attribute, value = found
        known = self.names_of.get(id(value))
        if known is not None and known[0] is value:
            value = known[2]  # (found again after the notebook moved things: ours already)
        places = []
        if isinstance(value, type):
            places += self._wrap_class(dotted, value)
        elif callable(value) and not isinstance(value, type(sys)):
            for where, name in [(holder, attribute)] + _aliases(dotted, holder, attribute, value):
                places += self._wrap_at(dotted, where, name)
        self.places[dotted] = places  # (a module is not a call: nothing to wrap)

    def _wrap_class(self, dotted, cls):
        """A class keeps its identity (isinstance, subclasses); its own methods are wrapped.
        A type that cannot be changed (a C extension's) is wrapped where it is named, by a
        subclass that refuses to be made."""
        places = []
        own = vars(cls)
        names = [n for n in _CLASS_METHODS if n in own or n == "__init__"]
        names += [n for n, v in own.items() if not n.startswith("_") and inspect.isfunction(v)]
        for name in dict.fromkeys(names):
            places += self._wrap_at(dotted, cls, name)
        if not places:
            found = _resolve(dotted)
            if found is not None:
                places += self._wrap_at(dotted, found[0], found[1], subclass=True)
        return places

    def _wrap_at(self, dotted, holder, attribute, subclass=False):
        current = getattr(holder, attribute, None)
        if current is None:
            return []
        known = self.names_of.get(id(current))
        if known is not None and known[0] is current and _own(holder, attribute) is current:
            known[1].add(dotted)  # already ours, for another listed name
            return [(holder, attribute, current)]
        names = {dotted}
        wrapper = self._refusing_subclass(current, names) if subclass else self._refusing(current, names)
        if wrapper is None:
            return []
        try:
            setattr(holder, attribute, wrapper)
        except (AttributeError, TypeError):
            return []
        self.names_of[id(wrapper)] = (wrapper, names, current)
        if self.namespace is not None:  # bound by the notebook before this wrapper existed
            for name, value in list(self.namespace.items()):
                if value is current:
                    self.namespace[name] = wrapper
        return [(holder, attribute, wrapper)]

    def _refusing(self, original, names):
        state = self

        def guarded(*args, **kwargs):
            if state.now and not state.now.isdisjoint(names):
                state.refuse(names)
            return original(*args, **kwargs)
        for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(guarded, attribute, getattr(original, attribute))
            except (AttributeError, TypeError):
                pass
        return guarded

    def _refusing_subclass(self, cls, names):
        state = self

        def __init__(self, *args, **kwargs):
            if state.now and not state.now.isdisjoint(names):
                state.refuse(names)
            super(guarded, self).__init__(*args, **kwargs)
        try:
            guarded = type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__,
                                                  "__qualname__": cls.__qualname__, "__doc__": cls.__doc__})
        except TypeError:  # not subclassable either: a function in its place
            return self._refusing(cls, names)
        return guarded

    def imported(self):
        """A watched module was imported: wrap what has become reachable."""
        for dotted in sorted(self.pending):
            self._install(dotted)
        self._watch()

    # -- a call
    def begin(self, names):
        """Refuse `names` until `end`. Each is checked to be in place (wrapped again if the
        notebook put something else there) and wrapped now if its module came since."""
        names = frozenset(n for n in names if type(n) is str)
        for dotted in names:
            if dotted not in self.places or dotted in self.pending:
                self._install(dotted)
                continue
            for holder, attribute, wrapper in self.places[dotted]:
                if _own(holder, attribute) is not wrapper:
                    self.places[dotted] = []
                    self._install(dotted)
                    break
        self.fired = []
        self.now = names

    def end(self):
        """Stop refusing; raise ForbiddenCall if anything was refused meanwhile, or if the
        call took a wrapper away (`del torch.Tensor.softmax` uncovers the original)."""
        now, self.now = self.now, frozenset()
        for dotted in now:
            for holder, attribute, wrapper in self.places.get(dotted, ()):
                if _own(holder, attribute) is not wrapper:
                    self.fired.append(dotted)
        if self.fired:
            first, self.fired = self.fired[0], []
            raise ForbiddenCall(first)

    def refuse(self, names):
        name = min(self.now & names)
        self.fired.append(name)
        raise ForbiddenCall(name)


FORBIDDEN = ForbiddenCalls()  # one per submission's process (the zygote never installs any)


def _own(holder, attribute):
    """What `holder` itself binds to `attribute` (not what its bases or __getattr__ give)."""
    try:
        return vars(holder).get(attribute)
    except TypeError:
        return getattr(holder, attribute, None)


def _lookup(holder, name):
    """`holder.name` without importing anything (a package's lazy __getattr__ would)."""
    if isinstance(holder, type(sys)):
        value = vars(holder).get(name)
        if value is None:
            value = sys.modules.get(f"{holder.__name__}.{name}")
        return value
    try:
        return getattr(holder, name, None)
    except Exception:
        return None


def _resolve(dotted):
    """(holder, attribute, value) of a dotted name among the modules imported so far, or None."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:split]))
        if module is None:
            continue
        holder = module
        for part in parts[split:-1]:
            holder = _lookup(holder, part)
            if holder is None:
                return None
        value = _lookup(holder, parts[-1])
        return None if value is None else (holder, parts[-1], value)
    if len(parts) == 1 and parts[0] in sys.modules:
        return sys, parts[0], sys.modules[parts[0]]  # a package: nothing to wrap
    return None


def _aliases(dotted, holder, attribute, value):
    """Other places the same function is reached by: where it is defined, torch's namespaces
    that hold the very same object, and for a torch function its method form on tensors."""
    places = []
    home = sys.modules.get(getattr(value, "__module__", None) or "")
    if home is not None and home is not holder and vars(home).get(attribute) is value:
        places.append((home, attribute))
    torch = sys.modules.get("torch")
    if torch is None or not dotted.startswith("torch."):
        return places
    for path in _TORCH_NAMESPACES:
        namespace = torch
        for part in filter(None, path.split(".")):
            namespace = getattr(namespace, part, None)
        if namespace is not None and namespace is not holder and all(namespace is not p for p, _ in places) \
                and getattr(namespace, attribute, None) is value:
            places.append((namespace, attribute))
    if holder is torch and callable(getattr(torch.Tensor, attribute, None)):
        places.append((torch.Tensor, attribute))  # torch.softmax(x) and x.softmax()
    return places


class _ImportWatch(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for a module that holds a pending name, it has the module's own
    loader load it, then wraps what the module brought."""

    def __init__(self, forbidden):
        self.forbidden = forbidden

    def find_spec(self, name, path, target=None):
        if name not in self.forbidden.watched:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _WatchedLoader(spec.loader, self.forbidden)
        return spec


class _WatchedLoader(importlib.abc.Loader):
    def __init__(self, loader, forbidden):
        self._loader, self._forbidden = loader, forbidden

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._forbidden.imported()

    def __getattr__(self, name):  # get_source, get_resource_reader, ...: the module's own loader
        return getattr(self._loader, name)


# ------------------------------------------------------------------------- inputs unmodified

_IMMUTABLE = (bool, int, float, complex, str, bytes, type(None), np.generic)
_NOT_PLAIN = object()
_MAX_DEPTH = 20


def kept(args, kwargs):
    """[(position or keyword, argument, its copy)] for the arguments that can change in place
    and are plain data; the others (numbers, strings, objects of the student's) are not kept."""
    saved = []
    for key, value in list(enumerate(args)) + list(kwargs.items()):
        if isinstance(value, _IMMUTABLE):
            continue
        copy = _copy(value, 0)
        if copy is not _NOT_PLAIN:
            saved.append((key, value, copy))
    return saved


def _copy(value, depth):
    """A copy to compare with after the call: ("array", shape, dtype, bytes), ("items", type,
    [copies]) or ("value", an immutable value); _NOT_PLAIN for anything else."""
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.kind not in "biufc":
            return _NOT_PLAIN
        return ("array", value.shape, value.dtype, value.tobytes())
    if isinstance(value, _IMMUTABLE):
        return ("value", value)
    if depth > _MAX_DEPTH:
        return _NOT_PLAIN
    if kind is list or kind is tuple:
        items = [_copy(v, depth + 1) for v in value]
    elif kind is dict:
        items = [(k, _copy(v, depth + 1)) for k, v in value.items()]
        if any(c is _NOT_PLAIN for _, c in items):
            return _NOT_PLAIN
        return ("items", dict, items)
    else:
        return _NOT_PLAIN
    return _NOT_PLAIN if any(c is _NOT_PLAIN for c in items) else ("items", kind, items)


def _same(value, copy):
    if copy[0] == "array":
        _, shape, dtype, data = copy
        if type(value) is not np.ndarray or value.shape != shape or value.dtype != dtype:
            return False
        if value.tobytes() == data:
            return True
        before = np.frombuffer(data, dtype=dtype).reshape(shape)  # -0.0 for 0.0, another nan
        return bool(np.array_equal(value, before, equal_nan=dtype.kind in "fc"))
    if copy[0] == "items":
        _, kind, items = copy
        if type(value) is not kind or len(value) != len(items):
            return False
        if kind is dict:
            return list(value) == [k for k, _ in items] and all(_same(value[k], c) for k, c in items)
        return all(_same(v, c) for v, c in zip(value, items))
    before = copy[1]
    if value is before:
        return True
    try:
        return bool(value == before) or (value != value and before != before)  # nan stays nan
    except Exception:
        return False


def check_unmodified(fn, saved):
    """Raise ModifiedInput if an argument kept before the call has changed."""
    for key, value, copy in saved:
        if not _same(value, copy):
            raise ModifiedInput(_modified_message(fn, key, value))


def _modified_message(fn, key, value):
    name = key if isinstance(key, str) else None
    if name is None:
        try:
            parameters = list(inspect.signature(fn).parameters.values())
            if key < len(parameters) and parameters[key].kind in (
                    parameters[key].POSITIONAL_ONLY, parameters[key].POSITIONAL_OR_KEYWORD):
                name = parameters[key].name
        except (TypeError, ValueError):
            pass
    name = name or f"number {key + 1}"
    what = {np.ndarray: "array", list: "list", dict: "dict"}.get(type(value), "value")
    function = getattr(fn, "__name__", None) or "the function"
    return (f"{function} modified its argument {name} in place; return a new {what} instead "
            "(a function never changes its inputs)")
