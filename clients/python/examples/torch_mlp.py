"""A user's model in PyTorch: the MLP of jax_mlp.py (same data, same start), served by torch_problem.py."""

import numpy as np
import torch


def problem(params):
    width = int(params.get("width", 8))
    rng = np.random.default_rng(0)  # fixed data and start: the loss is a pure function of the weights
    X = torch.from_numpy(rng.standard_normal((64, 3)))
    y = torch.sin(X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))[:, None]
    x0 = {
        "w1": rng.standard_normal((3, width)) / np.sqrt(3),
        "b1": np.zeros(width),
        "w2": rng.standard_normal((width, 1)) / np.sqrt(width),
        "b2": np.zeros(1),
    }

    def loss(w):
        h = torch.tanh(X @ w["w1"] + w["b1"])
        return 0.5 * torch.mean((h @ w["w2"] + w["b2"] - y) ** 2)

    return loss, x0
