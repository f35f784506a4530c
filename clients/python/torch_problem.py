"""Serves a PyTorch loss as an optzoo problem (docs/problem-protocol.md), when torch is installed.

    command = ["python3", "torch_problem.py", "my_model:problem"]

MODULE:FUNCTION names a function in a module importable from the config's folder (the process's working
directory): FUNCTION(params) returns (loss, x0), where x0 is a tensor or a dict of tensors (the parameters) and
loss(x) the scalar loss at parameters like x0. The parameters are flattened into one float64 vector; values and
gradients come from torch.func.grad_and_value, Hessian-vector products from forward-over-reverse differentiation
(torch.func.jvp of torch.func.grad), the dense Hessian from torch.func.hessian, in float64. The loss must be a pure
function of x: the same point gives the same answer.
"""

import importlib
import os
import sys

import numpy as np
import torch
from torch.func import grad, grad_and_value, hessian, jvp

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optzoo_problem as op  # noqa: E402

torch.set_default_dtype(torch.float64)


def load(spec):
    module, _, name = spec.partition(":")
    if not module or not name:
        raise SystemExit(f"torch_problem.py: expected MODULE:FUNCTION, got {spec!r}")
    return getattr(importlib.import_module(module), name)


class TorchProblem:
    def __init__(self, params):
        loss, x0 = load(sys.argv[1])(params)
        if isinstance(x0, dict):
            names = list(x0)
            shapes = [tuple(torch.as_tensor(x0[k]).shape) for k in names]
            sizes = [int(np.prod(s)) for s in shapes]

            def unravel(z):
                parts = torch.split(z, sizes)
                return {k: p.reshape(s) for k, p, s in zip(names, parts, shapes)}

            flat = torch.cat([torch.as_tensor(x0[k], dtype=torch.float64).reshape(-1) for k in names])
        else:
            shape = tuple(torch.as_tensor(x0).shape)

            def unravel(z):
                return z.reshape(shape)

            flat = torch.as_tensor(x0, dtype=torch.float64).reshape(-1)

        def f(z):
            return loss(unravel(z))

        self._f = f
        self.x0 = flat.detach().numpy().copy()

    @staticmethod
    def _t(x):
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))

    def value(self, x):
        with torch.no_grad():
            return float(self._f(self._t(x)))

    def gradient(self, x):
        return grad(self._f)(self._t(x)).detach().numpy()

    def value_and_gradient(self, x):
        g, v = grad_and_value(self._f)(self._t(x))
        return float(v), g.detach().numpy()

    def hvp(self, x, v):
        return jvp(grad(self._f), (self._t(x),), (self._t(v),))[1].detach().numpy()

    def hessian(self, x):
        return hessian(self._f)(self._t(x)).detach().numpy()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: torch_problem.py MODULE:FUNCTION")
    op.serve(TorchProblem)
