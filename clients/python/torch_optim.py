"""optzoo external client: any torch.optim optimizer, in float64.

    python3 torch_optim.py NAME             # e.g. SGD, Adam, AdamW, RMSprop, Adagrad, LBFGS

Builds `torch.optim.NAME([x], **params)` from the run's `[optimizer.params]` (torch's own keyword names: `lr`,
`momentum`, `betas`, `weight_decay`, ...), with x a float64 tensor starting at x0, then calls
`opt.step(closure)` and reports x after each step. The closure asks for the value and the gradient in one eval
request and puts the gradient in `x.grad`.

LBFGS calls the closure several times per step (once per line-search trial). Two things keep its counts honest:

- `max_iter` defaults to 1 here (torch's default is 20 iterations per `step`), so that each reported iterate is
  one L-BFGS iteration; the curvature history is kept across steps. `max_eval` then defaults to 26, so that a
  strong-Wolfe line search may take its 25 trials (torch caps each search by what is left of `max_eval`, whose
  own default, 1.25 max_iter, would leave none). Give `max_iter` explicitly to get torch's defaults back;
- the closure remembers its last point: torch re-evaluates the point that the previous step's line search
  ended at, and that second request is answered from memory, not charged again.

LBFGS is the one torch optimizer that ends on its own: when a step leaves x unchanged (the gradient is below
`tolerance_grad`, or the search direction's slope above -`tolerance_change`), every later step would too, so
the client sends `done`. The others run until the harness says stop.

torch is optional (`scripts/setup-python.sh --torch`); without it this client exits with status 1 and says so
on stderr.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optzoo_client as oz  # noqa: E402


def main(h, name, torch):
    import numpy as np

    cls = getattr(torch.optim, name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise ValueError(f"torch.optim has no optimizer named {name!r}")
    params = dict(h.params)
    if cls is torch.optim.LBFGS and "max_iter" not in params:
        params["max_iter"] = 1
        # torch bounds each line search by what is left of max_eval (default 1.25 max_iter, i.e. 1 here, which
        # would leave the line search no trial): allow the 25 trials that its strong-Wolfe search has by default.
        params.setdefault("max_eval", 26)

    x = torch.tensor(h.x0, dtype=torch.float64, requires_grad=True)
    opt = cls([x], **params)
    xn = x.detach().numpy()  # shares memory with x
    last = {"x": None, "f": None, "g": None}

    def closure():
        if last["x"] is not None and np.array_equal(xn, last["x"]):
            f, g = last["f"], last["g"]
        else:
            f, g = h.value_and_gradient(xn)
            last["x"], last["f"], last["g"] = xn.copy(), f, g
        x.grad = torch.from_numpy(g.copy())  # the optimizer may modify it in place (weight decay, ...)
        return torch.tensor(f, dtype=torch.float64)

    lbfgs = cls is torch.optim.LBFGS
    while True:
        if lbfgs:
            before = xn.copy()
        opt.step(closure)
        if lbfgs and np.array_equal(xn, before):
            # torch's LBFGS leaves x where it is when the gradient is below `tolerance_grad` or the direction's
            # slope is above -`tolerance_change`; from the same point and memory it would do so at every later
            # step, and (the closure remembering its point) without a request: end here instead.
            return "torch.optim.LBFGS made no progress (tolerance_grad or tolerance_change)"
        h.report(xn)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: torch_optim.py NAME   (an optimizer of torch.optim, e.g. Adam)", file=sys.stderr)
        sys.exit(2)
    try:
        import torch
    except ImportError:
        print("torch is not installed: pip install torch (or scripts/setup-python.sh --torch)", file=sys.stderr)
        sys.exit(1)
    name = sys.argv[1]
    oz.run(lambda h: main(h, name, torch))
