"""Benchmark your own optimizer: plain gradient descent as an optzoo external client.

    optzoo run my_gd.toml        # runs `python3 my_gd.py` once per problem, seed and lr

`h.gradient(x0)` is one evaluation, counted by the harness. Each `h.step(x)` is one iteration: it reports x as
the new iterate (judged by the harness's stop rule) and returns the gradient there, charged as one evaluation,
in one round trip (protocol version 2; with a version 1 harness, an iterate and then an eval). It exits the
process quietly when the harness says stop.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # optzoo_client.py
import optzoo_client as oz  # noqa: E402


def gradient_descent(h):
    lr = float(h.params.get("lr", 1e-3))  # [optimizer.params] of this run
    x = h.x0.copy()
    g = h.gradient(x)
    while True:
        x -= lr * g
        g = h.step(x, ("gradient",)).gradient


oz.run(gradient_descent)
