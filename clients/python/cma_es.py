"""optzoo external client: CMA-ES (Hansen) through pycma's ask/tell interface.

    python3 cma_es.py

Runs `cma.CMAEvolutionStrategy(x0, sigma0, options)` on the harness's problem, one generation per iteration:

- `ask()` gives the generation's candidates; they are evaluated in one batch request (`evaluate_batch`, one
  round trip per generation with a version 2 harness), values only: each candidate is one value evaluation;
- `tell()` updates the distribution; the client then reports pycma's `xbest`, the best point evaluated so far,
  as the iterate (as COCO and pycma do; it was evaluated already, so it costs nothing more). The run's
  iterations are pycma's `countiter`, its value evaluations pycma's `countevals`, its final value `fbest`;
- pycma's own stop tests (`tolfun`, `tolx`, `tolstagnation`, ...) end the run with `done` and pycma's
  `stop()` dictionary as the message; with `[stop] client = true` in the config they are the stop rule, and the
  run is `converged` when they fire.

The seed: pycma reads a seed of 0 (or None) as "seed from the clock", and numpy's legacy generator takes seeds
below 2^32. The client maps optzoo's seed s to pycma's `seed = 1 + s mod (2^32 - 1)`, so every optzoo seed,
0 included, gives a reproducible run, and pycma run directly with that seed makes the same run.

The run's `[optimizer.params]`: `sigma0` (the initial step size, default 0.5) and any pycma option by its name
(`popsize`, `tolfun`, `CMA_diagonal`, ... as `cma.CMAOptions()` lists them); `seed`, `verbose`, `verb_disp`
and `verb_log` are set by the client (pycma neither prints nor writes its `outcmaes` files).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import optzoo_client as oz  # noqa: E402

SEED_MODULUS = 2**32 - 1


def pycma_seed(seed):
    """The pycma seed for optzoo's seed: 1 + seed mod (2^32 - 1), never 0 (which pycma reads as the clock)."""
    return 1 + int(seed) % SEED_MODULUS


def options(params, seed):
    """pycma's options from the run's params (without sigma0), with the client's own settings."""
    opts = {k: v for k, v in params.items() if k != "sigma0"}
    for key in ("seed", "verbose", "verb_disp", "verb_log"):
        if key in opts:
            raise ValueError(f"`{key}` is set by the client; remove it from [optimizer.params]")
    opts.update(seed=pycma_seed(seed), verbose=-9, verb_disp=0, verb_log=0)
    return opts


def main(h):
    import cma
    import numpy as np

    sigma0 = float(h.params.get("sigma0", 0.5))
    es = cma.CMAEvolutionStrategy(h.x0, sigma0, options(h.params, h.seed))
    while not es.stop():
        xs = es.ask()
        fs = [r.value for r in h.evaluate_batch(np.asarray(xs), ("value",))]
        es.tell(xs, fs)
        h.report(es.result.xbest)
    stop = ", ".join(f"{k}={v}" for k, v in es.stop().items())
    return f"{stop} (countiter={es.countiter}, countevals={es.countevals})"


if __name__ == "__main__":
    oz.run(main)
