"""Table rows for the long tail of funcgrad.numpy (issue 12): float functions, differences and
integrals, convolution, polynomials, products, joining/splitting and mapping functions (see
primitive_table.py). Rows run against NumPy itself: ``f(m, ...)`` with ``m = numpy`` is the
reference."""
import numpy as np
from table_math import _r, away_from_zero, off_integers
from table_shapes import row

I = np.array
M, A, V3, V4, S0 = _r((3, 4)), _r((2, 3, 4)), _r((3,)), _r((4,)), _r(())
POS = _r((3, 4), 0.3, 2.0)


def increasing(n):
    """Sample coordinates: increasing, unevenly spaced."""
    return lambda rng, dtype: np.cumsum(rng.uniform(0.5, 1.5, size=n)).astype(dtype)


def fixed(values):
    return lambda rng, dtype: np.asarray(values, dtype)


def _sq(m, x):
    return m.sum(x * x)


ROWS = [
    # floating point and angles
    row("copysign", lambda m, x, y: m.copysign(x, y), [away_from_zero((3, 4)), M]),
    row("nextafter", lambda m, x, y: m.nextafter(x, y), [M, M]),
    row("spacing", lambda m, x, y: x * m.spacing(y) * 1e15, [M, away_from_zero((3, 4))],
        dtypes=("float64",)),
    row("fmod", lambda m, x, y: m.fmod(x, y), [_r((3, 4), 0.5, 3.0), _r((4,), 0.7, 1.3)]),
    row("divmod", lambda m, x, y: m.divmod(x, y)[1] * m.divmod(x, y)[0],
        [_r((3, 4), 0.5, 3.0), _r((4,), 0.7, 1.3)]),
    row("heaviside", lambda m, x, y: m.heaviside(x, y) * x, [away_from_zero((3, 4)), M]),
    row("logaddexp2", lambda m, x, y: m.logaddexp2(x, y), [M, V4]),
    row("sinc", lambda m, x: m.sinc(x), [M]),
    row("sinc_near_zero", lambda m, x: m.sinc(x), [fixed([0.0, 0.01, -0.02, 0.03, 0.2])]),
    row("deg2rad", lambda m, x: m.deg2rad(x) * m.radians(x), [M]),
    row("rad2deg", lambda m, x: m.rad2deg(x) + m.degrees(x), [M]),
    row("fabs", lambda m, x: m.fabs(x), [away_from_zero((3, 4))]),
    row("float_power", lambda m, x, y: m.float_power(x, y), [POS, V4]),
    row("ldexp", lambda m, x: m.ldexp(x, I([1, -2, 3, 0])), [M]),
    row("frexp", lambda m, x: m.frexp(x)[0] * m.frexp(x)[1], [away_from_zero((3, 4))]),
    row("modf", lambda m, x: m.modf(x)[0] + m.modf(x)[1], [off_integers((3, 4))]),
    row("nan_to_num", lambda m, x: m.nan_to_num(x / 1.0, posinf=3.0), [M]),
    row("cumulative_sum", lambda m, x: m.cumulative_sum(x, axis=1, include_initial=True),
        [M]),
    # differences, derivatives, integrals
    row("diff", lambda m, x: m.diff(x, 2, axis=0, prepend=x[:1]), [M]),
    row("diff_append", lambda m, x, y: m.diff(x, append=y), [M, S0]),
    row("ediff1d", lambda m, x: m.ediff1d(x, to_begin=x[0, 0], to_end=[1.0, 2.0]), [M]),
    row("gradient", lambda m, x: m.gradient(x, 0.5)[1], [M]),
    row("gradient_coords", lambda m, x, h: m.gradient(x, h, axis=1, edge_order=2),
        [M, increasing(4)]),
    row("gradient_coords_1", lambda m, x, h: m.gradient(x, h, axis=0), [M, increasing(3)]),
    row("trapezoid", lambda m, y, x: m.trapezoid(y, x), [M, increasing(4)]),
    row("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.3, axis=0), [M]),
    row("unwrap", lambda m, p: m.unwrap(p * 3.0), [M]),
    row("convolve", lambda m, a, v: m.convolve(a, v), [_r((5,)), V3]),
    row("convolve_same", lambda m, a, v: m.convolve(a, v, "same"), [V3, _r((6,))]),
    row("convolve_valid", lambda m, a, v: m.convolve(a, v, "valid"), [_r((5,)), V3]),
    row("correlate", lambda m, a, v: m.correlate(a, v, "full"), [V3, _r((5,))]),
    # polynomials
    row("polyval", lambda m, p, x: m.polyval(p, x), [V4, M]),
    row("polyfit", lambda m, x, y, w: m.polyfit(x, y, 2, w=w),
        [increasing(5), _r((5,)), _r((5,), 0.5, 2.0)], dtypes=("float64",)),
    row("polyder_polyint", lambda m, p: m.polyder(p, 2) * m.polyint(p, 1, 0.5)[-2:], [V4]),
    row("polymul_polydiv", lambda m, p, q: m.polydiv(m.polymul(p, q) + 0.1, q)[0],
        [V3, _r((2,), 0.5, 2.0)]),
    row("poly", lambda m, z: m.poly(z), [V3]),
    row("vander", lambda m, x: m.vander(x, 4, increasing=True), [V3]),
    # products
    row("cross", lambda m, a, b: m.cross(a, b, axisa=0, axisc=0), [_r((3, 2)), _r((2, 3))]),
    row("cross_2d", lambda m, a, b: m.cross(a, b), [_r((4, 2)), _r((4, 3))]),
    row("matvec", lambda m, a, v: m.matvec(a, v), [A, V4]),
    row("vecmat", lambda m, v, a: m.vecmat(v, a), [V3, A]),
    row("vecdot", lambda m, a, v: m.vecdot(a, v, axis=1), [M, _r((1, 4))]),
    row("einsum_sublist", lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [2, 0]),
        [M, _r((4, 2))]),
    row("einsum_sublist_ellipsis", lambda m, x, y: m.einsum(x, [Ellipsis, 1], y, [1]),
        [A, V4]),
    row("einsum_broadcast", lambda m, x, y: m.einsum("...ij,...j->...i", x, y),
        [A, _r((1, 4))]),
    row("einsum_repeated", lambda m, x: m.einsum("iij->j", x), [_r((3, 3, 2))]),
    # joining, splitting, reshaping
    row("append", lambda m, x, y: m.append(x, y, axis=0), [M, _r((1, 4))]),
    row("append_flat", lambda m, x, y: m.append(x, y), [M, V3]),
    row("rollaxis", lambda m, x: m.rollaxis(x, 2, 1), [A]),
    row("hsplit", lambda m, x: m.hsplit(x, 2)[1].sum() * m.vsplit(x, [1])[1], [M]),
    row("dsplit", lambda m, x: m.dsplit(x, [1, 3])[1], [A]),
    row("block", lambda m, x, y: m.block([[x, y], [y, x]]), [_r((2, 2)), _r((2, 2))]),
    row("resize", lambda m, x: m.resize(x, (4, 5)), [M]),
    row("insert", lambda m, x, v: m.insert(x, [1, 3], v, axis=1), [M, _r((3, 1))]),
    row("delete", lambda m, x: m.delete(x, [0, 2], axis=1), [M]),
    row("fill_diagonal", lambda m, x, v: m.fill_diagonal(x, v, wrap=True)
        if m is not np else (lambda c: (np.fill_diagonal(c, v, wrap=True), c)[1])(x.copy()),
        [_r((7, 3)), _r((2,))]),
    row("put_along_axis", lambda m, x, v: m.put_along_axis(x, I([[1], [0], [3]]), v, axis=1)
        if m is not np else (lambda c: (np.put_along_axis(c, I([[1], [0], [3]]), v, 1), c)[1])(
            x.copy()), [M, _r((3, 1))]),
    row("unstack", lambda m, x: m.unstack(x, axis=1)[2] * m.unstack(x)[0][:1]
        if m is not np else x[:, 2] * x[0, :1], [M]),
    # choosing and mapping
    row("select", lambda m, x, y: m.select([x > 0.5, y < 0], [x, y * 2.0], x * y), [M, M]),
    row("piecewise", lambda m, x: m.piecewise(x, [x < -0.5, x > 0.5],
                                               [lambda v: v * v, lambda v: -v, 1.5]), [M]),
    row("choose", lambda m, x, y: m.choose(I([[0, 1, 1, 0]]), [x, y]), [M, V4]),
    row("apply_along_axis", lambda m, x: m.apply_along_axis(lambda v: v[:2] * v[-1], 1, x),
        [A]),
    row("apply_over_axes", lambda m, x: m.apply_over_axes(m.sum, x * x, [0, 2]), [A]),
    row("vectorize", lambda m, x, y: m.vectorize(lambda a, b: (a * b).sum(),
                                                 signature="(n),(n)->()")(x, y), [A, V4]),
    row("meshgrid", lambda m, x, y: m.meshgrid(x, y)[0] * m.meshgrid(x, y, indexing="ij")[1].T,
        [V3, V4]),
    row("r_", lambda m, x, y: m.r_[x, y, 0:2] ** 2, [V3, S0]),
    row("geomspace", lambda m, x, y: m.geomspace(x, y, 4), [_r((), 0.5, 2.0),
                                                            _r((), 3.0, 5.0)]),
    row("logspace", lambda m, x, y: m.logspace(x, y, 3, base=2.0), [S0, S0]),
]
