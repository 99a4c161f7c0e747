"""The example from micrograd's README, written functionally with funcgrad.

micrograd builds a graph of scalar Value objects; here the same expression is a plain function
of two floats and ``fg.grad`` differentiates it. Expected: g = 24.7041, dg/da = 138.8338,
dg/db = 645.5773.
"""
import funcgrad as fg
import funcgrad.numpy as fnp


def relu(x):
    return fnp.maximum(x, 0.0)


def g_of(a, b):
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def main():
    a, b = -4.0, 2.0
    g, (dg_da, dg_db) = fg.value_and_grad(g_of, argnums=(0, 1))(a, b)
    print(f"g = {g:.4f}")
    print(f"dg/da = {dg_da:.4f}")
    print(f"dg/db = {dg_db:.4f}")
    return g, dg_da, dg_db


if __name__ == "__main__":
    main()
