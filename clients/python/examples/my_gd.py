"""Benchmark your own optimizer: plain gradient descent as an optzoo external client.

    optzoo run my_gd.toml        # runs `python3 my_gd.py` once per problem, seed and lr

Each `h.gradient(x)` is one evaluation, counted by the harness; each `h.report(x)` is one iteration, judged by
the harness's stop rule, and exits the process quietly when the harness says stop.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # optzoo_client.py
import optzoo_client as oz  # noqa: E402


def gradient_descent(h):
    lr = float(h.params.get("lr", 1e-3))  # [optimizer.params] of this run
    x = h.x0.copy()
    while True:
        x -= lr * h.gradient(x)
        h.report(x)


oz.run(gradient_descent)
