"""Benchmark your own optimizer: plain gradient descent as an optzoo external client.

    optzoo run my_gd.toml        # runs `python3 my_gd.py` once per problem, seed and lr

`h.gradient(x0)` is one evaluation, counted by the harness. Each `h.step(x)` is one iteration: it reports x as
the new iterate (judged by the harness's stop rule) and returns the gradient there, charged as one evaluation,
in one round trip (protocol version 2; with a version 1 harness, an iterate and then an eval). It exits the
process quietly when the harness says stop.

At large dims the vectors cross through the harness's memory file: x lives there (`h.workspace`) and is updated
in place, and the gradient is read there (`copy=False`), so an iteration copies no vector. The update is
`x - lr * g`, bit for bit the built-in gd's with step lr.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # optzoo_client.py
import numpy as np  # noqa: E402
import optzoo_client as oz  # noqa: E402


def gradient_descent(h):
    lr = float(h.params.get("lr", 1e-3))  # [optimizer.params] of this run
    x = h.workspace(h.x0)  # in the memory file where offered: reported without a copy
    g = h.gradient(x)
    d = np.empty_like(x)
    while True:
        np.multiply(g, lr, out=d)
        np.subtract(x, d, out=x)  # x -= lr * g, in place
        g = h.step(x, ("gradient",), copy=False).gradient  # a view of the answer, valid until the next step


oz.run(gradient_descent)
