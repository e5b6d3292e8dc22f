"""Probe helpers shared by the API examples: run one expression, print what comes out.

``probe("torch.tensor(10)")`` prints the source after ``>>>``, then the result's repr, or
``!! ErrorType: message`` when it raises, then every warning it emitted as
``?? Category: message``. Expressions are evaluated in the caller's namespace, so the examples
read like the ``>>>`` sessions of API.md. ``run("stmt")`` does the same for statements.
"""
import re
import sys
import warnings

_INTERNAL = re.compile(r" \(Triggered internally at [^)]*\)")


def _report(caught):
    for w in caught:
        if str(w.message).startswith("__array__ implementation doesn't accept a copy keyword"):
            continue  # NumPy 2 on torch's __array__, which lacks copy=; minigrad's has it (3)
        # torch appends the C++ source location of the warning; it says nothing about behaviour
        print(f"?? {w.category.__name__}: {_INTERNAL.sub('', str(w.message))}")


def _execute(src, mode, frame):
    print(">>>", src)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if mode == "eval":
                result = eval(src, frame.f_globals, frame.f_locals)
                print(repr(result))
            else:
                exec(src, frame.f_globals, frame.f_locals)
        except Exception as e:  # the error is the probe's result
            print(f"!! {type(e).__name__}: {e}")
    _report(caught)


def probe(*sources):
    """Evaluate each expression in the caller's namespace and print its repr (or its error)."""
    frame = sys._getframe(1)
    for src in sources:
        _execute(src, "eval", frame)


def run(*sources):
    """Execute each statement in the caller's namespace (printing only errors and warnings)."""
    frame = sys._getframe(1)
    for src in sources:
        _execute(src, "exec", frame)


def section(title):
    print()
    print("##", title)
