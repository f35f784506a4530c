"""Gradient descent through the Python client library, which moves its vectors through the harness's memory file
where one is offered (dims of 1024 and more). Params: `lr`; `batch` (true: each iteration also evaluates the
value at x and x - lr g in one batch, to cross a batch through the memory file). Fails its run if a memory file
was offered at that dim but not mapped."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../clients/python"))
import optzoo_client as oz  # noqa: E402


def main(h):
    offered = "shm_file" in h.hello
    if offered != (h.dim >= 1024) or (offered and h._req is None):
        h.fail(f"memory file offered: {offered}, mapped: {h._req is not None}, at dim {h.dim}")
    lr = float(h.params["lr"])
    batch = bool(h.params.get("batch", False))
    x = h.x0.copy()
    g = h.gradient(x)
    while True:
        if batch:
            h.evaluate_batch([x, x - lr * g])
        x = x - lr * g
        g = h.step(x, ("gradient",)).gradient


oz.run(main)
