"""optzoo external client: any optax gradient transformation, in float64.

    python3 optax_update.py NAME            # e.g. adam, sgd, adamw, lion, rmsprop, adagrad

Builds `tx = getattr(optax, NAME)(**params)` from the run's `[optimizer.params]` (optax's own keyword names:
`learning_rate`, `b1`, `b2`, `eps`, `momentum`, ...), then loops:

    g = gradient at x                        # one eval request, want = ["gradient"]
    updates, state = tx.update(g, state, x)
    x = optax.apply_updates(x, updates)
    report x                                 # one iterate; exit with status 0 when told to stop

The client never ends on its own: the harness's stop rule ends the run. jax runs with 64-bit floats enabled, and
the step is compiled once (jax.jit) and then runs as one XLA computation per iteration, with no arithmetic added
to optax's. jax's import and the first step's compilation take about a second; they happen before the first
evaluation of the problem, so they show in wall time only.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optzoo_client as oz  # noqa: E402


def main(h, name):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    import optax

    factory = getattr(optax, name, None)
    if not callable(factory):
        raise ValueError(f"optax has no optimizer named {name!r}")
    tx = factory(**h.params)

    @jax.jit
    def step(g, state, x):
        updates, state = tx.update(g, state, x)
        return optax.apply_updates(x, updates), state

    x = jnp.asarray(h.x0, dtype=jnp.float64)
    state = tx.init(x)
    while True:
        g = h.gradient(np.asarray(x))
        x, state = step(g, state, x)
        h.report(np.asarray(x))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: optax_update.py NAME   (an optimizer of optax, e.g. adam)", file=sys.stderr)
        sys.exit(2)
    name = sys.argv[1]
    oz.run(lambda h: main(h, name))
