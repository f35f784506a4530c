"""A user's model: a one-hidden-layer tanh MLP regressing a fixed synthetic data set (a 20-line JAX file)."""

import jax.numpy as jnp
import numpy as np


def problem(params):
    width = int(params.get("width", 8))
    rng = np.random.default_rng(0)  # fixed data and start: the loss is a pure function of the weights
    X = rng.standard_normal((64, 3))
    y = np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]
    x0 = {
        "w1": rng.standard_normal((3, width)) / np.sqrt(3),
        "b1": np.zeros(width),
        "w2": rng.standard_normal((width, 1)) / np.sqrt(width),
        "b2": np.zeros(1),
    }

    def loss(w):
        h = jnp.tanh(X @ w["w1"] + w["b1"])
        return 0.5 * jnp.mean((h @ w["w2"] + w["b2"] - y) ** 2)

    return loss, x0
