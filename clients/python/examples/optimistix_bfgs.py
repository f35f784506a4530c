"""optzoo external client: optimistix's BFGS, in float64, on the harness's problem.

    python3 optimistix_bfgs.py              # optimistix: installed by scripts/setup-python.sh

Builds `optimistix.BFGS(rtol=..., atol=...)` from the run's `[optimizer.params]` (optimistix's own keyword names:
`rtol`, `atol` (both required by optimistix), `use_inverse`; and `max_steps`, default 256 as in
`optimistix.minimise`), then does what `optimistix.minimise` does, one `step` at a time:

    state = solver.init(fn, y0, ...)
    while not terminate(state) and num_steps < max_steps:
        y, state, _ = solver.step(fn, y, ...)
        report y                                   # when the step was accepted (see below)

`fn` is the harness, wrapped in a `jax.custom_jvp` whose rule makes one eval request for the value and the
gradient together (through `io_callback`, so that jax never skips or repeats it) and returns the gradient's dot
product with the tangent: optimistix's `jax.linearize` and `jax.linear_transpose` then give back the gradient
the harness sent.

How optimistix's counters relate to the harness's counts (measured with optimistix 0.1.0, jax 0.10.2, on chained
Rosenbrock n = 2 and n = 10):

- every `step` evaluates `fn` once, at the trial point `y_eval` (the line search's candidate), through
  `jax.linearize`: one request for the value and the gradient, also when the line search then rejects the
  point and only its value was used; so the harness's `f_evals == g_evals ==` optimistix's `num_steps`;
- `init` evaluates nothing, and the first `step` evaluates the start y0 (optimistix's first step is always
  accepted and leaves y at y0);
- an accepted step moves y to the point just evaluated: that is one iterate for the harness; a rejected step
  (the backtracking line search halving) moves nothing and is not reported. So the run's iterations are
  optimistix's `num_accepted_steps - 1` (its first accepted step is the start itself);
- optimistix's own test (Cauchy termination on the change of y and f, with `rtol`/`atol`) ends the loop: run with
  `[stop] client = true` to let it decide, as `optimistix.minimise` does; `done` then carries optimistix's
  counters, e.g. `converged (num_steps=41, num_accepted_steps=36)`.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # optzoo_client.py
import optzoo_client as oz  # noqa: E402

MINIMISE_KEYS = ("max_steps",)


def main(h):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    from jax.experimental import io_callback

    try:
        import equinox as eqx
        import optimistix as optx
    except ImportError:
        print("optimistix is not installed: pip install optimistix", file=sys.stderr, flush=True)
        sys.exit(1)

    params = dict(h.params)
    max_steps = int(params.pop("max_steps", 256))
    requests = 0

    def request(y):
        nonlocal requests
        requests += 1
        value, gradient = h.value_and_gradient(np.asarray(y, dtype=np.float64))
        return np.float64(value), np.asarray(gradient, dtype=np.float64)

    shapes = (jax.ShapeDtypeStruct((), jnp.float64), jax.ShapeDtypeStruct((h.dim,), jnp.float64))

    @jax.custom_jvp
    def loss(y):
        return io_callback(request, shapes, y)[0]

    @loss.defjvp
    def loss_jvp(primals, tangents):
        (y,), (t,) = primals, tangents
        value, gradient = io_callback(request, shapes, y)
        return value, jnp.dot(gradient, t)

    def fn(y, args):
        return loss(y), None  # optimistix's solvers take fn(y, args) -> (value, aux)

    solver = optx.BFGS(**params)
    y = jnp.asarray(h.x0, dtype=jnp.float64)
    args, options, tags = None, {}, frozenset()
    f_struct = jax.ShapeDtypeStruct((), jnp.float64)
    state = solver.init(fn, y, args, options, f_struct, None, tags)
    # Compiled once (as optimistix.minimise compiles its loop); the callback still runs once per evaluation.
    step = eqx.filter_jit(lambda y, state: solver.step(fn, y, args, options, state, tags))
    terminate = eqx.filter_jit(lambda y, state: solver.terminate(fn, y, args, options, state, tags))
    steps = 0
    while True:
        done, result = terminate(y, state)
        if bool(done):
            why = "converged" if result == optx.RESULTS.successful else f"failed: {result}"
            break
        if steps >= max_steps:
            why = f"max_steps {max_steps} reached"
            break
        accepted = int(state.num_accepted_steps)
        y, state, _ = step(y, state)
        steps += 1
        if int(state.num_accepted_steps) > accepted and accepted > 0:
            h.report(np.asarray(y, dtype=np.float64))

    message = f"{why} (num_steps={steps}, num_accepted_steps={int(state.num_accepted_steps)})"
    print(f"optimistix_bfgs: {message}; {requests} requests", file=sys.stderr)
    return message


if __name__ == "__main__":
    oz.run(main)
