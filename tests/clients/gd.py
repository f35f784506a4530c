"""A minimal external client, standard library only: gradient descent with step `lr` (default 1e-3), one
gradient request and one iterate per iteration. For the harness's tests of resume, shards and merge."""

import json
import struct
import sys

inp, out = sys.stdin.buffer, sys.stdout.buffer


def read():
    head = json.loads(inp.readline())
    k = head["f64"]
    return head, list(struct.unpack(f"<{k}d", inp.read(8 * k)))


def send(head, xs=()):
    head["f64"] = len(xs)
    out.write(json.dumps(head).encode() + b"\n" + struct.pack(f"<{len(xs)}d", *xs))
    out.flush()


hello, x = read()
lr = hello["params"].get("lr", 1e-3)
while True:
    send({"op": "eval", "want": ["gradient"]}, x)
    _, g = read()
    x = [a - lr * b for a, b in zip(x, g)]
    send({"op": "iterate"}, x)
    answer, _ = read()
    if answer["op"] == "stop":
        break
