"""A client of protocol version 2, standard library only, in one of four modes (`mode` in params):

- "v1": gradient descent with step `lr`, a gradient request and an iterate per iteration (version 1);
- "v2": the same method, but each iterate asks for its gradient (one round trip per iteration);
- "population": each iteration evaluates 4 points around x in one batch eval, moves x to their best and
  reports the mean of the 4, a point never evaluated (charged one value evaluation by the harness);
- "own-test": gradient descent that ends with `done` after 5 iterations (its own stop test);
- "shm-unoffered": reports an iterate whose payload it says is in a memory file no one offered (a fault).
"""

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
if 2 not in hello.get("versions", [1]):
    sys.exit("this client needs protocol version 2")
mode = hello["params"]["mode"]
lr = hello["params"].get("lr", 0.5)
n = len(x)


def gradient(at):
    send({"op": "eval", "want": ["gradient"]}, at)
    head, g = read()
    if head["op"] == "stop":
        sys.exit(0)
    return g


if mode in ("v1", "own-test"):
    k = 0
    while True:
        g = gradient(x)
        x = [a - lr * b for a, b in zip(x, g)]
        if mode == "own-test" and k == 5:
            send({"op": "done", "message": "five iterations, as my own test says"})
            sys.exit(0)
        send({"op": "iterate"}, x)
        answer, _ = read()
        if answer["op"] == "stop":
            sys.exit(0)
        k += 1
elif mode == "v2":
    g = gradient(x)
    while True:
        x = [a - lr * b for a, b in zip(x, g)]
        send({"op": "iterate", "want": ["gradient"]}, x)
        answer, g = read()
        if answer["op"] == "stop":
            sys.exit(0)
elif mode == "shm-unoffered":
    head = {"op": "iterate", "shm": True, "f64": n}
    out.write(json.dumps(head).encode() + b"\n")
    out.flush()
    read()
elif mode == "population":
    step = 0.1
    while True:
        cands = []
        for i in range(4):
            c = list(x)
            c[i % n] += step if i < 2 else -step
            cands.append(c)
        send({"op": "eval", "want": ["value"], "points": 4}, [v for c in cands for v in c])
        head, values = read()
        if head["op"] == "stop":
            sys.exit(0)
        best = min(range(4), key=lambda i: values[i])
        mean = [sum(c[j] for c in cands) / 4 for j in range(n)]
        x = cands[best]
        send({"op": "iterate"}, mean)
        answer, _ = read()
        if answer["op"] == "stop":
            sys.exit(0)
