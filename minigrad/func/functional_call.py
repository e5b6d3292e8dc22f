"""``functional_call``: run a module with parameters and buffers passed in, not its own.

    functional_call(model, {"fc.weight": w, "fc.bias": b}, (x,))

puts the given tensors in place of the module's (by their dotted names) for the duration of
the call, and puts the module's own back afterwards, even if the call raises. That turns a
module into a pure function of its parameters, which ``grad`` and ``vmap`` can transform.
"""
__all__ = ["functional_call"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the named tensors of the given dict(s) swapped in."""
    tensors = _merged(parameter_and_buffer_dicts)
    if tie_weights:
        tensors = _with_tied(module, tensors)
    if strict:
        _check_strict(module, tensors)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for name, value in tensors.items():
            saved.append(_swap(module, name, value))
        return module(*args, **(kwargs or {}))
    finally:
        for registry, key, old in reversed(saved):
            registry[key] = old


def _merged(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)):
        raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                         f"dictionaries, got {type(dicts)}")
    merged = {}
    for d in dicts:
        if not isinstance(d, dict):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             f"dictionaries, got {type(d)}")
        repeated = sorted(set(merged) & set(d))
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged.update(d)
    return merged


def _with_tied(module, tensors):
    """A parameter reachable under several names (tied weights) takes the given value under
    all of them when only one of its names is given."""
    names_of = {}
    for name, tensor in _all_named(module):
        names_of.setdefault(id(tensor), []).append(name)
    out = dict(tensors)
    for names in names_of.values():
        given = [n for n in names if n in tensors]
        if given:
            values = {id(tensors[n]) for n in given}
            if len(values) > 1:
                raise ValueError(f"functional_call got multiple values for keys {given}, which "
                                 "are tied. Consider using tie_weights=False")
            for n in names:
                out.setdefault(n, tensors[given[0]])
    return out


def _all_named(module):
    for prefix, sub in module.named_modules(remove_duplicate=False):
        dot = prefix + "." if prefix else ""
        for name, t in sub._parameters.items():
            if t is not None:
                yield dot + name, t
        for name, t in sub._buffers.items():
            if t is not None:
                yield dot + name, t


def _check_strict(module, tensors):
    expected = {name for name, _ in _all_named(module)}
    missing = sorted(expected - set(tensors))
    unexpected = sorted(set(tensors) - expected)
    if missing or unexpected:
        lines = []
        if unexpected:
            lines.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
        if missing:
            lines.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                           + "\n\t".join(lines))


def _swap(module, name, value):
    """Put value under the dotted ``name``; return (registry, key, old value) to restore."""
    *path, key = name.split(".")
    owner = module
    for part in path:
        owner = getattr(owner, part)
    for registry in (owner._parameters, owner._buffers):
        if key in registry:
            old = registry[key]
            registry[key] = value
            return registry, key, old
    raise AttributeError(f"{type(owner).__name__} has no parameter or buffer named '{key}'")
