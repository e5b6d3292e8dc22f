"""pytest plugin: write a test once, run it on minigrad and on torch.

Installed with minigrad's ``test`` extra (entry point ``pytest11``), it does nothing to a test
that does not ask for it -- it does not even import minigrad or torch until one does (this
module sits outside the ``minigrad`` package for that reason). A test asks in one of two ways:

* the ``T`` fixture: the test runs once per backend (``test_x[minigrad]``, ``test_x[torch]``,
  ``test_x[torch-cuda]`` when CUDA is there) with ``T`` the library (``minigrad`` or
  ``torch``; on CUDA torch's default device is ``cuda``). ``make_input(*shape, dtype=...,
  requires_grad=...)`` gives the same seeded values on every backend.

      def test_relu(T, make_input):
          x = make_input(3, 4)
          assert (T.relu(x) >= 0).all()

* the ``parity`` marker: one test item runs the body on torch's CPU and on every other
  backend, then compares what came back -- every returned tensor (dtype, shape, grad_fn name,
  values), every leaf's ``.grad``, the exception raised -- and fails with the first difference
  (which output, which element, both values). See :mod:`minigrad.testing._parity`.

      @pytest.mark.parity(shapes=[(3, 4), (5,)])
      def test_softplus(T, make_input, shape):
          return T.nn.functional.softplus(make_input(shape, requires_grad=True))

  Marker arguments: ``shapes`` (the values of the test's ``shape`` argument; with
  ``--parity-fuzz N`` a ``[fuzz]`` item adds N hypothesis-drawn shapes of the same numbers of
  dimensions, or drawn from ``fuzz=`` a hypothesis strategy), ``rtol``/``atol`` (both or
  neither; default: the dtype's), ``raises`` (the exception torch is expected to raise),
  ``backward=False`` (no automatic backward), ``grad_fn=False`` (grad_fn names not compared).

Options: ``--parity-backends=minigrad,torch`` (default: every backend present; torch's CPU is
the reference either way), ``--parity-fuzz N``.
"""
import importlib

import pytest

FUZZ = "fuzz"    # the value of ``shape`` in the item that runs the drawn shapes
_MARKER_HELP = ("parity(shapes=None, fuzz=None, rtol=None, atol=None, raises=None, "
                "backward=True, grad_fn=True): run the test on every backend and compare the "
                "results with torch's CPU run (pytest_minigrad)")


def _engine():
    """minigrad.testing._parity, imported when a test first needs it."""
    return importlib.import_module("minigrad.testing._parity")


def pytest_addoption(parser):
    group = parser.getgroup("parity", "minigrad parity tests")
    group.addoption("--parity-backends", default=None, metavar="NAMES",
                    help="comma-separated backends for parity tests and the T fixture: "
                         "minigrad, torch, torch-cuda (default: every one present)")
    group.addoption("--parity-fuzz", type=int, default=0, metavar="N",
                    help="also run each parity test that declares shapes on N drawn shapes")


def pytest_configure(config):
    config.addinivalue_line("markers", _MARKER_HELP)
    text = config.getoption("parity_backends")
    if text:   # names are checked now; whether each is available, when a test asks
        try:
            _engine().parse_backends(text)
        except ValueError as error:
            raise pytest.UsageError(f"--parity-backends: {error}") from None


def _backends(config):
    """The selected backends, worked out once per run (and only if a test asks)."""
    cached = getattr(config, "_parity_backends", None)
    if cached is None:
        text = config.getoption("parity_backends")
        engine = _engine()
        names = (engine.parse_backends(text) if text else
                 [n for n in engine.BACKEND_NAMES if engine.available(n)])
        missing = [n for n in names if not engine.available(n)]
        if missing:
            raise pytest.UsageError(f"--parity-backends: {', '.join(missing)} not available "
                                    "here (torch not installed, or no CUDA device)")
        cached = config._parity_backends = names
    return cached


def _shape_id(shape):
    if shape == FUZZ:
        return FUZZ
    return "x".join(map(str, shape)) if shape else "scalar"


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("parity")
    if marker is not None:
        shapes = marker.kwargs.get("shapes")
        if shapes is not None and "shape" in metafunc.fixturenames:
            values = [tuple(s) for s in shapes]
            if metafunc.config.getoption("parity_fuzz") > 0:
                values.append(FUZZ)
            metafunc.parametrize("shape", values, ids=[_shape_id(s) for s in values])
    elif "T" in metafunc.fixturenames:
        names = _backends(metafunc.config)
        metafunc.parametrize("T", names, indirect=True, ids=names)


def _test_seed(item, shape=None):
    """The inputs' seed: the test's node id without its backend, plus the shape."""
    return _engine().seed_for(item.nodeid.split("[")[0], shape)


@pytest.fixture
def T(request):
    """The library under test: ``minigrad`` or ``torch`` (on CUDA: torch, default device
    ``cuda``), seeded with ``manual_seed`` from the test's id. In a parity test it stands for
    each backend in turn."""
    if not hasattr(request, "param"):         # a parity test: the plugin supplies T per run
        return None
    backend = _engine().BACKENDS[request.param]
    module = backend.load()
    module.manual_seed(_test_seed(request.node))
    restore = backend.activate()
    request.addfinalizer(restore)
    return module


@pytest.fixture
def make_input(request, T):
    """``make_input(*shape, dtype="float32", low=, high=, requires_grad=, exclude_zero=,
    noncontiguous=)``: seeded test inputs, the same values on every backend."""
    if T is None:
        return None
    engine = _engine()
    backend = engine.BACKENDS[request.node.callspec.params["T"]]
    return engine.InputMaker(T, backend.device, _test_seed(request.node))


def _shape_strategy(marker):
    """The hypothesis strategy of the fuzzed shapes: ``fuzz=`` or shapes with the declared
    numbers of dimensions, sides 1 to 6."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
    if marker.kwargs.get("fuzz") is not None:
        return marker.kwargs["fuzz"]
    shapes = marker.kwargs["shapes"]
    if not all(isinstance(s, (tuple, list)) and all(isinstance(d, int) for d in s)
               for s in shapes):
        raise pytest.UsageError("parity: shapes other than tuples of ints need fuzz=<strategy>")
    ndims = sorted({len(s) for s in shapes})
    return st.sampled_from(ndims).flatmap(
        lambda n: hnp.array_shapes(min_dims=n, max_dims=n, min_side=1, max_side=6))


def _run_parity(item, marker):
    options = marker.kwargs
    rtol, atol = options.get("rtol"), options.get("atol")
    if (rtol is None) != (atol is None):
        raise pytest.UsageError("parity: give both rtol and atol, or neither")
    arguments = {name: item.funcargs[name] for name in item._fixtureinfo.argnames
                 if name not in ("T", "make_input")}
    kwargs = dict(rtol=rtol, atol=atol, backward=options.get("backward", True),
                  raises=options.get("raises"), check_grad_fn=options.get("grad_fn", True))
    backends = _backends(item.config)

    def parity_check(shape):
        if shape is not None:
            arguments["shape"] = tuple(shape)
        _engine().check_parity(item.obj, arguments, backends, _test_seed(item, shape), **kwargs)

    if arguments.get("shape") != FUZZ:
        return parity_check(arguments.get("shape"))
    from hypothesis import HealthCheck, given, settings
    fuzzed = settings(max_examples=item.config.getoption("parity_fuzz"), deadline=None,
                      database=None, suppress_health_check=list(HealthCheck))(
        given(shape=_shape_strategy(marker))(parity_check))
    fuzzed()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    marker = pyfuncitem.get_closest_marker("parity")
    if marker is None:
        return None
    if not _engine().available("torch"):
        pytest.skip("parity tests compare with torch, which is not installed")
    try:
        _run_parity(pyfuncitem, marker)
    except _engine().ParityMismatch as mismatch:
        # hypothesis adds the shape it failed on (and how to reproduce it) as notes
        report = str(mismatch) + "".join(f"\n{n}" for n in getattr(mismatch, "__notes__", ()))
    else:
        return True
    pytest.fail(report, pytrace=False)
