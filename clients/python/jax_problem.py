"""Serves a JAX loss as an optzoo problem (docs/problem-protocol.md).

    command = ["python3", "jax_problem.py", "my_model:problem"]

MODULE:FUNCTION names a function in a module importable from the config's folder (the process's working
directory): FUNCTION(params) returns (loss, x0), where x0 is a pytree of parameters (arrays, dicts, lists of them)
and loss(x) the scalar loss at a pytree like it. The parameters are flattened into one float64 vector
(jax.flatten_util.ravel_pytree); values and gradients come from jax.value_and_grad, Hessian-vector products from
forward-over-reverse differentiation (jax.jvp of jax.grad), the dense Hessian from jax.hessian, each jit-compiled,
in float64 (jax_enable_x64). The loss must be a pure function of x: the same point gives the same answer.
"""

import importlib
import os
import sys

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optzoo_problem as op  # noqa: E402


def load(spec):
    module, _, name = spec.partition(":")
    if not module or not name:
        raise SystemExit(f"jax_problem.py: expected MODULE:FUNCTION, got {spec!r}")
    return getattr(importlib.import_module(module), name)


class JaxProblem:
    def __init__(self, params):
        loss, x0 = load(sys.argv[1])(params)
        flat, unravel = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), x0))

        def f(z):
            return loss(unravel(z))

        self.x0 = np.asarray(flat, dtype=np.float64)
        self._vg = jax.jit(jax.value_and_grad(f))
        self._f = jax.jit(f)
        self._g = jax.jit(jax.grad(f))
        self._hvp = jax.jit(lambda z, v: jax.jvp(jax.grad(f), (z,), (v,))[1])
        self._h = jax.jit(jax.hessian(f))

    def value(self, x):
        return float(self._f(x))

    def gradient(self, x):
        return np.asarray(self._g(x))

    def value_and_gradient(self, x):
        v, g = self._vg(x)
        return float(v), np.asarray(g)

    def hvp(self, x, v):
        return np.asarray(self._hvp(x, v))

    def hessian(self, x):
        return np.asarray(self._h(x))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: jax_problem.py MODULE:FUNCTION")
    op.serve(JaxProblem)
