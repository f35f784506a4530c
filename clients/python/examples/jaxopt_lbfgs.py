"""optzoo external client: jaxopt's LBFGS, in float64, on the harness's problem.

    python3 jaxopt_lbfgs.py                  # jaxopt: installed by scripts/setup-python.sh

Builds `jaxopt.LBFGS(fun=..., value_and_grad=True, jit=False, **params)` from the run's `[optimizer.params]`
(jaxopt's own keyword names: `maxiter`, `tol`, `history_size`, `linesearch`, `maxls`, `max_stepsize`,
`linesearch_init`, `use_gamma`, `stop_if_linesearch_fails`, ...), then does what `LBFGS.run` does, one update at
a time:

    state = solver.init_state(x0)
    while state.error > tol and state.iter_num < maxiter:     # (and no failed line search, if asked)
        x, state = solver.update(x, state)
        report x                                              # one iterate

`fun` is the harness: each call is one eval request asking for the value and the gradient together. jax runs
with 64-bit floats enabled; `jit=False` makes jaxopt run its loops (the LBFGS loop, the line search's loop and
its `cond`s) as Python, so every call of `fun` is a real request, in the order jaxopt makes it. The run's
iterations are jaxopt's `iter_num`. When the loop ends on its own the client sends `done` with jaxopt's
counters, e.g. `converged: error 6.1e-09 <= tol 1e-08 (iter_num=36, num_fun_eval=46, num_grad_eval=46,
num_linesearch_iter=45)`.

How jaxopt's counters relate to the harness's counts (measured with jaxopt 0.8.5, jax 0.10.2, on chained
Rosenbrock n = 2 and n = 10 with each line search, "zoom", "backtracking" and "hager-zhang"):

- `init_state` evaluates at x0: one value and one gradient, counted by jaxopt (its counters start at 1);
- every trial point of a line search is one value-and-gradient request: with `value_and_grad=True` jaxopt has
  no way to ask for the value alone, so even where it uses only the value (the backtracking line search's
  Armijo test, for one) the gradient is asked for and charged;
- the zoom line search (the default) counts one value and one gradient per trial, and one more for the "safe
  step" it falls back on when it fails, exactly the requests made: `num_fun_eval == num_grad_eval` is the
  harness's `f_evals` and `g_evals`;
- the same holds for the backtracking and Hager-Zhang line searches: jaxopt's counters equal the number of
  requests, which the harness counts as one value and one gradient each.

So with `value_and_grad=True` the harness's `f_evals == g_evals == num_fun_eval == num_grad_eval`, and the
run's iterations are `iter_num`; the tests check the iterations.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # optzoo_client.py
import optzoo_client as oz  # noqa: E402

FIXED = ("fun", "value_and_grad", "jit", "has_aux")


def main(h):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    from jax.experimental import io_callback

    try:
        import jaxopt
    except ImportError:
        print("jaxopt is not installed: pip install jaxopt", file=sys.stderr, flush=True)
        sys.exit(1)

    params = dict(h.params)
    for key in FIXED:
        if key in params:
            raise ValueError(f"`{key}` is set by this client and cannot be a parameter")
    requests = 0

    def request(x):
        nonlocal requests
        requests += 1
        value, gradient = h.value_and_gradient(np.asarray(x, dtype=np.float64))
        return np.float64(value), gradient

    shapes = (jax.ShapeDtypeStruct((), jnp.float64), jax.ShapeDtypeStruct((h.dim,), jnp.float64))

    def fun(x):
        # A callback, so that it also runs where jaxopt traces its line search into lax.cond and lax.while_loop
        # (Hager-Zhang) even with jit=False; run eagerly, it is a plain call. io_callback, unlike pure_callback,
        # is never skipped or repeated by jax: each call is exactly one request.
        return io_callback(request, shapes, x)

    solver = jaxopt.LBFGS(fun=fun, value_and_grad=True, jit=False, **params)
    x = jnp.asarray(h.x0, dtype=jnp.float64)
    state = solver.init_state(x)
    while True:
        # LBFGS.run's loop: `maxiter` updates at most, while the error (the gradient's norm, infinite before the
        # first update) exceeds `tol` and, with stop_if_linesearch_fails, no line search has failed.
        if int(state.iter_num) >= solver.maxiter:
            why = f"maxiter {solver.maxiter} reached: error {float(state.error):.3g}"
            break
        if not float(state.error) > solver.tol:
            why = f"converged: error {float(state.error):.3g} <= tol {solver.tol:g}"
            break
        if solver.stop_if_linesearch_fails and bool(state.failed_linesearch):
            why = f"line search failed: error {float(state.error):.3g}"
            break
        x, state = solver.update(x, state)
        h.report(np.asarray(x, dtype=np.float64))

    counts = ", ".join(f"{k}={int(getattr(state, k))}"
                       for k in ("iter_num", "num_fun_eval", "num_grad_eval", "num_linesearch_iter"))
    message = f"{why} ({counts})"
    print(f"jaxopt_lbfgs: {message}; value {float(state.value)!r}; {requests} requests", file=sys.stderr)
    return message


if __name__ == "__main__":
    oz.run(main)
