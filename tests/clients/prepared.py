"""Gradient descent through the Python client library, one `step` per iteration (protocol version 2: each iterate
asks for its evaluation with the answer). Params:

    lr      the step
    mode    "workspace": x kept in the memory file's request area (`h.workspace`), the gradient read as a view
            of the response area (`copy=False`), as examples/my_gd.py does;
            "value": each iterate asks for the value and the gradient, copied; after `steps` iterates the client
            says `done` with the last value it was sent, as `value <repr>`;
            "nan": the iterate of iteration `nan_at` has coordinate 3 NaN.

Fails its run where a memory file was offered (dims of 1024 and more) but the workspace is not in it.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../clients/python"))
import numpy as np  # noqa: E402
import optzoo_client as oz  # noqa: E402


def main(h):
    lr = float(h.params["lr"])
    mode = h.params["mode"]
    if mode == "workspace":
        x = h.workspace(h.x0)
        offered = "shm_file" in h.hello
        in_file = h._req is not None and np.shares_memory(x, h._req)
        if offered != in_file:
            h.fail(f"memory file offered: {offered}, workspace in it: {in_file}, at dim {h.dim}")
        g = h.gradient(x)
        d = np.empty_like(x)
        while True:
            np.multiply(g, lr, out=d)
            np.subtract(x, d, out=x)
            g = h.step(x, ("gradient",), copy=False).gradient
    x = h.x0.copy()
    g = h.gradient(x)
    k = 0
    while True:
        k += 1
        x = x - lr * g
        if mode == "nan" and k == int(h.params["nan_at"]):
            x[3] = np.nan
        r = h.step(x, ("value", "gradient") if mode == "value" else ("gradient",))
        g = r.gradient
        if mode == "value" and k == int(h.params["steps"]):
            return f"value {r.value!r}"


oz.run(main)
