"""optzoo external client: scipy.optimize.minimize with any of its methods.

    python3 scipy_minimize.py METHOD        # e.g. L-BFGS-B, BFGS, CG, Newton-CG, trust-ncg, trust-exact

Runs `scipy.optimize.minimize(fun, x0, method=METHOD, jac=True, hess=..., hessp=..., options=params,
callback=...)` on the harness's problem:

- `fun` asks for the value and the gradient in one eval, so each of scipy's function evaluations is one request
  (scipy's `nfev` and `njev` are both the number of requests); the derivative-free methods (Nelder-Mead,
  Powell, COBYLA, COBYQA) get `jac=None` and a `fun` that asks for the value only;
- `hessp` is passed to the methods that take it (Newton-CG, trust-ncg, trust-krylov, trust-constr) when the
  problem offers "hvp"; otherwise `hess` (the dense Hessian) when it offers "hessian". dogleg and trust-exact
  need `hess`: give them `requires = ["hessian"]` in the config so that problems without one are
  not-applicable. Newton-CG without either falls back to scipy's finite differences of the gradient (each one
  an eval request, charged);
- the callback reports each iterate; when the harness says stop the process exits with status 0 at once;
- when minimize returns on its own, the client sends `done` with scipy's message followed by the counts of
  its OptimizeResult, e.g. `CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL (nit=513, nfev=602, njev=602)`.

The run's `[optimizer.params]` are passed as scipy's `options` unchanged (e.g. `maxiter`, `gtol`, `maxcor`,
`ftol` for L-BFGS-B); scipy warns on stderr about options the method does not know.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optzoo_client as oz  # noqa: E402

HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
HESS = HESSP | {"dogleg", "trust-exact"}
NEEDS_HESS = {"dogleg", "trust-exact"}
DERIVATIVE_FREE = {"nelder-mead", "powell", "cobyla", "cobyqa"}


def main(h, method):
    from scipy.optimize import minimize

    m = method.lower()
    if m in DERIVATIVE_FREE:
        fun, kwargs = h.value, {"jac": None}  # value-only requests: no gradient is charged
    else:
        fun, kwargs = h.value_and_gradient, {"jac": True}
    if m in HESSP and h.has("hvp"):
        kwargs["hessp"] = h.hvp
    elif m in HESS and h.has("hessian"):
        kwargs["hess"] = h.hessian
    elif m in NEEDS_HESS:
        h.fail(f"scipy's {method} needs the dense Hessian, which this problem does not offer "
               f"(add `requires = [\"hessian\"]` to the optimizer's config)")
        return None

    def callback(xk, *state):
        # scipy calls callback(xk) (trust-constr: callback(xk, state)) once per iteration, with a copy of the
        # new iterate. On stop, oz.Stop (a SystemExit) leaves minimize and ends the process with status 0.
        h.report(xk)

    res = minimize(fun, h.x0, method=method, options=h.params, callback=callback, **kwargs)
    return done_message(res)


def done_message(res):
    """scipy's message, then the counts its OptimizeResult reports, e.g.
    `CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL (nit=513, nfev=602, njev=602)`, so that the harness's
    counts can be checked against scipy's own for the very same call."""
    counts = ", ".join(f"{k}={res[k]}" for k in ("nit", "nfev", "njev", "nhev") if res.get(k) is not None)
    message = f"{res.message} ({counts})" if counts else str(res.message)
    print(f"scipy_minimize: {message}", file=sys.stderr)
    return message


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: scipy_minimize.py METHOD   (a method of scipy.optimize.minimize, e.g. L-BFGS-B)",
              file=sys.stderr)
        sys.exit(2)
    method = sys.argv[1]
    oz.run(lambda h: main(h, method))
