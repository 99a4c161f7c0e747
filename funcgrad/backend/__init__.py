"""The Numba backend: IR -> readable Python source (codegen) -> module file -> numba.njit.

Only this package imports numba.
"""
