"""Which names of JAX's NumPy funcgrad lacks, and why.

``_jax_names.NAMES`` lists the public names of ``jax.numpy``, ``jax.numpy.linalg`` and
``jax.numpy.fft`` (and of ``jax.scipy.special``/``stats``, for the record). A name on it that
funcgrad's namespace does not define is answered by the module's ``__getattr__`` (installed by
``install_all``) with ``NotSupportedError``: a ``NotImplementedError`` saying why (the reason
from ``REASONS``, "not implemented yet" by default). It is an ``AttributeError`` too, so
``hasattr`` and ``getattr(module, name, default)`` keep working. A name defined in the module
never reaches ``__getattr__``: a function added later is simply supported.

>>> import funcgrad.numpy as fnp
>>> try:
...     fnp.frompyfunc
... except NotImplementedError as e:
...     print(str(e).split(":")[0])
funcgrad.numpy.frompyfunc is not supported
>>> hasattr(fnp, "frompyfunc"), hasattr(fnp, "no_such_name")
(False, False)
"""
from ..errors import user_frame
from ._jax_names import JAX_VERSION, NAMES  # noqa: F401

NOT_YET = "not implemented yet"
_ML_DTYPE = ("one of JAX's ml_dtypes types, not a NumPy dtype: funcgrad computes in NumPy's "
             "dtypes (float16/32/64, complex64/128, integers, bool)")
_MUTATES = ("it mutates its argument in place, and funcgrad's arrays are immutable: use "
            "x.at[idx].set(v) (or where/put_along_axis), which returns the new array")
_VALUE_SHAPE = ("the shape of its result depends on the values, which jit cannot know: call it "
                "on concrete NumPy arrays outside the traced function")

# name -> why funcgrad does not offer it (names not here, and not defined, are "not yet")
REASONS = {
    "numpy": {
        **{n: _ML_DTYPE for n in (
            "bfloat16", "float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn", "float8_e3m4",
            "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz",
            "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu", "int1", "int2", "int4",
            "uint1", "uint2", "uint4")},
        "place": _MUTATES,
        "put": _MUTATES,
        "frompyfunc": ("it makes a NumPy ufunc of object arrays, which cannot be traced or "
                       "compiled: use funcgrad.numpy.vectorize (built on vmap) instead"),
        "ufunc": ("funcgrad's elementwise functions are plain functions, not ufunc objects "
                  "(no .reduce/.accumulate/.outer/.at): use sum/cumsum/outer and x.at[]"),
        "trim_zeros": _VALUE_SHAPE,
    },
    "numpy.linalg": {},
    "numpy.fft": {},
}


class NotSupportedError(NotImplementedError, AttributeError):
    """A name of JAX's NumPy that funcgrad does not offer (with the reason). An
    ``AttributeError`` as well, so that ``hasattr`` answers False."""


def reason(space, name):
    """Why ``name`` of namespace ``space`` ("numpy", "numpy.linalg", ...) is unsupported.

    >>> reason("numpy", "put").startswith("it mutates")
    True
    """
    return REASONS.get(space, {}).get(name, NOT_YET)


def _getattr_for(space):
    names = frozenset(NAMES.get(space, ()))

    def __getattr__(name):
        if name in names:
            raise NotSupportedError(f"funcgrad.{space}.{name} is not supported: "
                                    f"{reason(space, name)} (used at {user_frame()}).")
        raise AttributeError(f"module 'funcgrad.{space}' has no attribute {name!r}")
    return __getattr__


def install(module, space):
    """Give ``module`` a ``__getattr__`` answering the JAX names of ``space`` it lacks."""
    module.__getattr__ = _getattr_for(space)


def install_all(package):
    """``install`` on funcgrad.numpy and on those of its submodules (linalg, fft) that are
    loaded; call it last in the package's ``__init__``."""
    install(package, "numpy")
    for sub in ("linalg", "fft"):
        module = package.__dict__.get(sub)
        if module is not None:
            install(module, f"numpy.{sub}")
