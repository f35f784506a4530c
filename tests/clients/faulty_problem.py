"""A problem process for the harness's tests of problem faults. Standard library only.

    python3 faulty_problem.py [MARKER]          # params = { mode = "MODE" }

Serves chained Rosenbrock in dimension 2 (values and gradients) and, from its third `eval` on, misbehaves as the
`mode` of its params says (after writing `faulty problem: mode=MODE` on stderr, so that a test can check that the failure quotes it):

    ok            never misbehaves
    exit3         writes "boom" on stderr and exits with status 3
    hang          sleeps forever
    garbage       writes the line "hello world"
    nan           answers with a NaN value
    wrong-length  answers with one number more than asked
    bad-hello     announces dim 0 (misbehaves before any eval)

With MARKER (a number such as 300.1234) it first starts a grandchild `sleep MARKER`: a test checks that no process
with the marker in its command line outlives the sweep.
"""

import json
import os
import struct
import subprocess
import sys
import time

if len(sys.argv) > 1:
    subprocess.Popen(["sleep", sys.argv[1]])

out = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
inp = sys.stdin.buffer


def send(head, values=()):
    head = dict(head, f64=len(values))
    out.write((json.dumps(head) + "\n").encode() + struct.pack(f"<{len(values)}d", *values))
    out.flush()


def recv():
    line = inp.readline()
    if not line:
        sys.exit(0)
    head = json.loads(line)
    k = head["f64"]
    return head, struct.unpack(f"<{k}d", inp.read(8 * k)) if k else ()


def value_and_gradient(x):
    a = x[1] - x[0] * x[0]
    b = 1.0 - x[0]
    return 100.0 * a * a + b * b, [-400.0 * x[0] * a - 2.0 * b, 200.0 * a]


hello, _ = recv()
mode = hello["params"].get("mode", "ok")
if mode == "bad-hello":
    sys.stderr.write(f"faulty problem: mode={mode}\n")
    sys.stderr.flush()
    send({"op": "hello", "protocol": "optzoo-problem", "version": 2, "dim": 0, "offers": ["value", "gradient"]})
    time.sleep(300)
send({"op": "hello", "protocol": "optzoo-problem", "version": 2, "dim": 2, "offers": ["value", "gradient"],
      "f_star": 0.0}, [-1.2, 1.0])
evals = 0
while True:
    head, data = recv()
    if head["op"] == "stop":
        sys.exit(0)
    evals += 1
    want = head["want"]
    f, g = value_and_gradient(data[:2])
    answer = ([f] if "value" in want else []) + (g if "gradient" in want else [])
    if evals >= 3 and mode != "ok":
        sys.stderr.write(f"faulty problem: mode={mode}\n")
        sys.stderr.flush()
        if mode == "exit3":
            sys.stderr.write("boom\n")
            sys.exit(3)
        if mode == "hang":
            time.sleep(300)
        if mode == "garbage":
            out.write(b"hello world\n")
            out.flush()
            time.sleep(300)
        if mode == "nan":
            answer[0] = float("nan")
        if mode == "wrong-length":
            answer.append(0.0)
    send({"op": "result"}, answer)
