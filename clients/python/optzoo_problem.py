"""Problem side of optzoo's protocol (docs/problem-protocol.md): serve an objective to the harness.

A problem written in Python (the loss of a numpy, JAX or PyTorch model) runs as a process of the harness, which
sends it points and counts every evaluation; every optimizer of optzoo, built-in or external, then runs on it.

    import numpy as np
    import optzoo_problem as op

    class Quadratic:
        def __init__(self, params):          # the [[problem]] table's `params` (one grid point)
            self.dim = int(params.get("dim", 10))
            self.x0 = np.ones(self.dim)      # the standard start
            self.f_star = 0.0                # optional: f*, x_star, curvature, critical_points
        def value(self, x):
            return 0.5 * x @ x
        def gradient(self, x):
            return x.copy()
        # optional: value_and_gradient(x) -> (f, g), hvp(x, v), hessian(x), start(seed) -> x0 of that seed

    op.serve(Quadratic)

What the object has decides what the harness is offered: `hvp` (Hessian-vector products), `hessian` (the dense
Hessian), `start` (a start per seed). Each answer must depend on the request alone (no state that changes answers
between requests): one process serves many runs, and runs must be reproducible.

The stdout rule of optimizer clients holds: `serve` keeps the real stdout for the protocol and points `print` and
file descriptor 1 at stderr (`optzoo_client.take_streams`).
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import numpy as np

from optzoo_client import MAX_HEADER, ProtocolError, take_streams

__all__ = ["PROTOCOL", "VERSION", "serve", "Server"]

PROTOCOL = "optzoo-problem"
VERSION = 2
_F64 = np.dtype("<f8")
_ORDER = ("value", "gradient", "hvp", "hessian")  # the result's payload order


class Server:
    """One conversation with the harness over a binary reader and a writer file descriptor (or binary file)."""

    def __init__(self, reader, writer):
        self._r = reader
        self._w = writer

    # -- framing (the optimizer protocol's: a JSON header line, then little-endian doubles) --
    def recv(self):
        """The next header as a dict, or None at end of file."""
        line = self._r.readline(MAX_HEADER + 1)
        if not line.endswith(b"\n"):
            if len(line) > MAX_HEADER:
                raise ProtocolError(f"a header line longer than {MAX_HEADER} bytes")
            return None
        msg = json.loads(line)
        if not isinstance(msg, dict) or not isinstance(msg.get("op"), str) or not isinstance(msg.get("f64"), int):
            raise ProtocolError(f"a header without `op` and `f64`: {line[:200]!r}")
        return msg

    def read(self, k):
        """Reads k doubles into a fresh array; None at end of file."""
        out = np.empty(k, dtype=_F64)
        mv = memoryview(out).cast("B")
        got = 0
        while got < len(mv):
            n = self._r.readinto(mv[got:])
            if not n:
                return None
            got += n
        return out

    def send(self, head, *arrays):
        """Writes one message: `head` (a dict, `f64` added) and the arrays as little-endian doubles."""
        arrays = [np.ascontiguousarray(a, dtype=_F64).reshape(-1) for a in arrays]
        head = dict(head, f64=sum(a.size for a in arrays))
        data = (json.dumps(head, separators=(",", ":")) + "\n").encode() + b"".join(a.tobytes() for a in arrays)
        if isinstance(self._w, int):
            view = memoryview(data)
            while view:
                view = view[os.write(self._w, view):]
        else:
            self._w.write(data)
            self._w.flush()

    # -- the conversation --
    def serve(self, make):
        """Reads the harness's hello, builds the problem with `make(params)`, announces it and answers requests
        until the harness says stop or closes the channel. Returns the exit status."""
        hello = self.recv()
        if hello is None:
            return 0
        if hello.get("op") != "hello" or hello.get("protocol") != PROTOCOL or VERSION not in hello.get("versions", []):
            raise ProtocolError(f"the harness speaks {hello.get('protocol')!r} {hello.get('versions')!r}, "
                                f"this server {PROTOCOL!r} version {VERSION}")
        try:
            p = make(hello.get("params") or {})
            head, payload = announce(p)
        except Exception as e:
            traceback.print_exc()
            self.send({"op": "fail", "message": f"{type(e).__name__}: {e}"})
            return 1
        self.send(head, *payload)
        n = head["dim"]
        while True:
            msg = self.recv()
            if msg is None or msg["op"] == "stop":
                return 0
            k = msg["f64"]
            data = self.read(k) if k else np.empty(0)
            if data is None:
                return 0
            try:
                if msg["op"] == "eval":
                    parts = evaluate(p, msg.get("want", []), data, n)
                elif msg["op"] == "start":
                    parts = [np.asarray(p.start(int(msg.get("seed", 0))), dtype=_F64)]
                else:
                    raise ProtocolError(f"unknown op {msg['op']!r}")
            except Exception as e:
                traceback.print_exc()
                self.send({"op": "fail", "message": f"{type(e).__name__}: {e}"})
                return 1
            self.send({"op": "result"}, *parts)


def announce(p):
    """The hello of problem `p`: its header and payload (x0, then x* where known)."""
    x0 = np.asarray(p.x0, dtype=_F64).reshape(-1)
    offers = ["value", "gradient"]
    if callable(getattr(p, "value_and_gradient", None)):
        offers.append("value_and_gradient")
    for name in ("hvp", "hessian", "start"):
        if callable(getattr(p, name, None)):
            offers.append(name)
    head = {"op": "hello", "protocol": PROTOCOL, "version": VERSION, "dim": int(x0.size), "offers": offers}
    payload = [x0]
    if getattr(p, "f_star", None) is not None:
        head["f_star"] = float(p.f_star)
    if getattr(p, "x_star", None) is not None:
        head["x_star"] = True
        payload.append(np.asarray(p.x_star, dtype=_F64).reshape(-1))
    if getattr(p, "curvature", None) is not None:
        mu, lipschitz = p.curvature
        head["curvature"] = {"mu": float(mu), "L": float(lipschitz)}
    points = getattr(p, "critical_points", None) or []
    if points:
        head["critical_points"] = [
            {"point": [float(c) for c in pt["point"]], "value": float(pt["value"]), "index": int(pt["index"]),
             "nullity": int(pt.get("nullity", 0))}
            for pt in points
        ]
    return head, payload


def evaluate(p, want, data, n):
    """The parts of an eval's answer, in the protocol's order."""
    want = set(want)
    x = data[:n]
    parts = []
    if "value" in want and "gradient" in want and callable(getattr(p, "value_and_gradient", None)):
        f, g = p.value_and_gradient(x)
        parts += [np.array([f], dtype=_F64), np.asarray(g, dtype=_F64)]
    else:
        if "value" in want:
            parts.append(np.array([p.value(x)], dtype=_F64))
        if "gradient" in want:
            parts.append(np.asarray(p.gradient(x), dtype=_F64))
    if "hvp" in want:
        parts.append(np.asarray(p.hvp(x, data[n:2 * n]), dtype=_F64))
    if "hessian" in want:
        parts.append(np.asarray(p.hessian(x), dtype=_F64))
    return parts


def serve(make):
    """Serves the problem `make(params)` on the process's standard streams and exits: status 0 when the harness
    says stop or closes the channel, 1 when the problem raised (after sending `fail` with the exception), 2 on a
    protocol error."""
    reader, writer = take_streams()
    try:
        status = Server(reader, writer).serve(make)
    except ProtocolError as e:
        print(f"optzoo problem: {e}", file=sys.stderr, flush=True)
        status = 2
    sys.stderr.flush()
    sys.exit(status)
