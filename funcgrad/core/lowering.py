"""Lowering records: what the backend needs to compile a primitive, declared with it.

A primitive's ``lowering`` slot holds one record, and the backend dispatches on its kind, never
on a primitive's name:

- ``Elementwise``: computed element by element inside a fused loop nest, from a scalar
  expression of its operands;
- ``Broadcast``: never computed; loops read its operand through an index map;
- ``Reduction``: folded into the loop nest over its operand, from an identity and a combine;
- ``Structural``: written on its own by an emitter function, ``emit(w, eqn)``;
- ``Call``: another IR applied to the operands (``jit_call``); the backend inlines it.

Generated code calls compiled helper functions, *kernels* (``funcgrad/backend/kernels.py``,
Numba). A record names one through a ``Kernel`` object (``ops/kernel_names.py`` declares
them), never by a string: calling the object on argument texts gives the text of the call.
"""
import numpy as np


class Kernel:
    """A function that generated code calls by name: a kernel, or a NumPy ufunc (``np.cbrt``).
    ``float32``: its twin for float32 operands, computing in float32 (else float32 operands
    are computed in float64 and rounded once).

    >>> Kernel("atan2_")("y", "x")
    'atan2_(y, x)'
    >>> Kernel.numpy(np.cbrt)("a[i0]")
    'np.cbrt(a[i0])'
    >>> Kernel("exp_", float32=Kernel("exp_f32_")).of(np.dtype(np.float32))("x")
    'exp_f32_(x)'
    """

    __slots__ = ("__name__", "float32")

    def __init__(self, name, float32=None):
        self.__name__, self.float32 = name, float32

    def of(self, dtype):
        """The kernel for operands of ``dtype``: the float32 twin for float32, if any."""
        return self.float32 if dtype == np.float32 and self.float32 is not None else self

    def for_eqn(self, e):
        """The kernel for equation ``e``: its twin for the result's dtype where every operand
        has that dtype too (a float32 result of mixed operands is computed in float64)."""
        dt = e.outvars[0].aval.dtype
        return self if any(x.aval.dtype != dt for x in e.inputs) else self.of(dt)

    @classmethod
    def numpy(cls, ufunc):
        """A NumPy ufunc, called in generated code as ``np.<name>`` (Numba compiles it)."""
        if getattr(np, ufunc.__name__, None) is not ufunc:
            raise ValueError(f"{ufunc!r} is not a function of the numpy module")
        return cls(f"np.{ufunc.__name__}")

    def __call__(self, *args):
        return f"{self.__name__}({', '.join(args)})"

    def __repr__(self):
        return f"Kernel({self.__name__!r})"


def expression(scalar, args, params=None):
    """The text of ``scalar`` applied to argument texts: a template of Python operators
    (``"({0} + {1})"``, params by name) or a ``Kernel``.

    >>> expression("({0} * {1})", ["a", "b"]), expression(Kernel("max_"), ["a", "b"])
    ('(a * b)', 'max_(a, b)')
    """
    if isinstance(scalar, str):
        return scalar.format(*args, **(params or {}))
    return scalar(*args)


class Elementwise:
    """Computed element by element in a fused loop nest.

    ``scalar``: its expression in the scalar operands: a template of Python operators, a
    ``Kernel`` or a NumPy ufunc (``np.cbrt``). ``special(eqn, args, lit)``: a cheaper or
    dtype-correct text for some operands (``x ** 2.0`` as ``x * x``), or ``None`` for the
    general one; ``lit(value)`` is the text of a literal of the output dtype. ``fast``: a
    vectorizable kernel valid where the kernel ``beyond`` is false for the operand; a loop calls
    it and checks the operands (if one was beyond, the NumPy evaluator answers that call).
    ``beyond_dtypes``: the operand dtypes that can hold such values (``None``: all); an operand
    of another dtype always takes ``fast``, unchecked. ``units``: for each operand, a value
    for which the result is the other operand, exactly, for every real value of it (``x * 1``,
    ``x / 1``), or None; the backend's ``simplify`` drops such equations.
    """

    __slots__ = ("scalar", "special", "fast", "beyond", "beyond_dtypes", "units")

    def __init__(self, scalar, special=None, fast=None, beyond=None, beyond_dtypes=None,
                 units=None):
        self.scalar = Kernel.numpy(scalar) if isinstance(scalar, np.ufunc) else scalar
        self.special, self.fast, self.beyond = special, fast, beyond
        self.beyond_dtypes, self.units = beyond_dtypes, units


class Broadcast:
    """Never computed: a loop reads the operand through an index map (params ``shape`` and
    ``dims``: operand axis ``i`` is output axis ``dims[i]``, stretched where its size is 1)."""

    __slots__ = ()


class Reduction:
    """Folded into the loop nest that runs over its operand (param ``axes``).

    ``identity(dtype)``: the accumulator's start value; ``combine``: the expression of
    ``(accumulator, value)`` (a template or a ``Kernel``); ``block``: a kernel that folds a
    buffer of values into the accumulator with independent partial results, for a reduction
    along the innermost loop (a single accumulator is a serial chain LLVM may not vectorize).
    ``partial``: for values other than complex, a kernel combining ``(accumulator, value)``
    that LLVM vectorizes as a reduction (an addition it may reassociate; IEEE maximum), so that
    a block keeps a partial result with no buffer, or None. ``widened``: a float32 accumulator
    of it is kept in float64 (each operation rounds: a sum's error grows with its length).
    ``masks_float``: whether LLVM still vectorizes ``partial`` over floats masked by its
    identity (``max(where(m, x, -inf))``: LLVM folds that select into the chain as a
    condition, which it vectorizes for an addition, not for llvm.maximum); if not, such a fold
    keeps the buffer.
    """

    __slots__ = ("identity", "combine", "block", "partial", "widened", "masks_float")

    def __init__(self, identity, combine, block, partial=None, widened=False,
                 masks_float=True):
        self.identity, self.combine, self.block = identity, combine, block
        self.partial, self.widened, self.masks_float = partial, widened, masks_float


class Structural:
    """Written on its own by ``emit(w, eqn)``, which calls the methods of the backend's
    ``Writer`` listed under "the interface for emitters" (``funcgrad/backend/codegen.py``).

    ``irs``: names of params holding IRs (or tuples of them) that ``emit`` compiles into
    functions of their own (branches, loop bodies). ``rewrite(eqn)``: a list of equations
    computing the same outputs with other primitives, used instead when it is not ``None``
    (so that they fuse with their neighbours). ``reshapes``: its output is its operand's
    elements in C order in a new shape (param ``shape``; a reshape of it reads its operand).
    ``permutes``: its output is its operand with the axes reordered by param ``perm``.
    ``fold(eqn, known)``: the operand the equation returns unchanged, given ``known``
    (var -> value, for the operands whose values are known when compiling: captured constants
    and what is computed from them alone), or ``None`` (a product with a constant identity
    matrix).
    """

    __slots__ = ("emit", "irs", "rewrite", "reshapes", "permutes", "fold")

    def __init__(self, emit, irs=(), rewrite=None, reshapes=False, permutes=False, fold=None):
        self.emit, self.irs, self.rewrite, self.reshapes = emit, tuple(irs), rewrite, reshapes
        self.permutes, self.fold = permutes, fold


class Call:
    """Applies the IR in param ``ir`` (its constants first among its inputs) to its operands;
    the backend inlines that IR's equations."""

    __slots__ = ("ir",)

    def __init__(self, ir):
        self.ir = ir
