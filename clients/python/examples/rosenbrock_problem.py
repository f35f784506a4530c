"""Chained Rosenbrock served as an optzoo problem: f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2.

The same objective as optzoo's built-in `rosenbrock` (variant "chained"), written in numpy with every sum in the
built-in's order (the terms added one after another, each coordinate's two contributions in turn), so that a run
on it records the same numbers as a run on the built-in, bit for bit.

params: `dim` (default 2); `offers`, what it serves besides values and gradients (default ["hvp", "hessian"]).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import optzoo_problem as op  # noqa: E402


class ChainedRosenbrock:
    def __init__(self, params):
        self.dim = int(params.get("dim", 2))
        if self.dim < 2:
            raise ValueError(f"dim must be at least 2, got {self.dim}")
        self.x0 = np.where(np.arange(self.dim) % 2 == 0, -1.2, 1.0)
        self.f_star = 0.0
        self.x_star = np.ones(self.dim)
        self.critical_points = [{"point": np.ones(self.dim), "value": 0.0, "index": 0}]
        offers = params.get("offers", ["hvp", "hessian"])
        if "hvp" not in offers:
            self.hvp = None
        if "hessian" not in offers:
            self.hessian = None

    def value_and_gradient(self, x):
        a = x[1:] - x[:-1] * x[:-1]
        b = 1.0 - x[:-1]
        f = np.cumsum(100.0 * a * a + b * b)[-1]  # a sequential sum, the built-in's order
        g = np.zeros(self.dim)
        g[1:] += 200.0 * a
        g[:-1] += -400.0 * x[:-1] * a - 2.0 * b
        return f, g

    def value(self, x):
        return self.value_and_gradient(x)[0]

    def gradient(self, x):
        return self.value_and_gradient(x)[1]

    def hvp(self, x, v):
        hii = 1200.0 * x[:-1] * x[:-1] - 400.0 * x[1:] + 2.0
        hij = -400.0 * x[:-1]
        out = np.zeros(self.dim)
        out[:-1] += hii * v[:-1] + hij * v[1:]
        out[1:] += hij * v[:-1] + 200.0 * v[1:]
        return out

    def hessian(self, x):
        n = self.dim
        h = np.zeros((n, n))
        i = np.arange(n - 1)
        h[i, i] += 1200.0 * x[:-1] * x[:-1] - 400.0 * x[1:] + 2.0
        h[i, i + 1] += -400.0 * x[:-1]
        h[i + 1, i] += -400.0 * x[:-1]
        h[i + 1, i + 1] += 200.0
        return h


op.serve(ChainedRosenbrock)
