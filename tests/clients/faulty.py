"""A deliberately broken external-optimizer client, for the harness's fault tests. Standard library only.

    python3 faulty.py MODE

Every mode first writes `faulty client: mode=MODE` on stderr (so a test can check that the failure message
quotes the client's stderr), reads the hello unless said otherwise, then:

    exit3         writes "boom" on stderr and exits with status 3
    sleep         sleeps forever (for the timeout)
    garbage       writes the line "hello world" and random bytes on stdout
    wrong-length  sends an eval whose payload has dim + 1 numbers (header f64 = dim + 1)
    nan           sends an eval at x0 with its first coordinate NaN
    die           evaluates once at x0 (value and gradient), then kills itself with SIGKILL
    huge-header   writes a header of 70000 bytes without a newline (the limit is 65536)

After a fault on stdout the client sleeps until the harness kills it, so the run's failure comes from the
harness's reading of the fault, never from the client's exit.
"""

import json
import os
import random
import signal
import struct
import sys
import time

MODES = ("exit3", "sleep", "garbage", "wrong-length", "nan", "die", "huge-header")


def read_hello(inp):
    line = inp.readline()
    if not line:
        sys.exit(0)
    hello = json.loads(line)
    dim = hello["dim"]
    x0 = struct.unpack(f"<{dim}d", inp.read(8 * dim))
    return hello, list(x0)


def send(out, head, numbers=()):
    head = dict(head, f64=len(numbers))
    out.write(json.dumps(head).encode() + b"\n" + struct.pack(f"<{len(numbers)}d", *numbers))
    out.flush()


def sleep_forever():
    while True:
        time.sleep(3600)


def main():
    mode = sys.argv[1] if len(sys.argv) == 2 else None
    if mode not in MODES:
        print(f"usage: faulty.py MODE   (MODE: {', '.join(MODES)})", file=sys.stderr)
        sys.exit(2)
    print(f"faulty client: mode={mode}", file=sys.stderr, flush=True)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    hello, x0 = read_hello(inp)
    dim = hello["dim"]
    try:
        if mode == "exit3":
            print("boom", file=sys.stderr, flush=True)
            sys.exit(3)
        elif mode == "sleep":
            sleep_forever()
        elif mode == "garbage":
            out.write(b"hello world\n" + random.Random(0).randbytes(256))
            out.flush()
        elif mode == "wrong-length":
            send(out, {"op": "eval", "want": ["value"]}, x0 + [0.0])
        elif mode == "nan":
            send(out, {"op": "eval", "want": ["value", "gradient"]}, [float("nan")] + x0[1:])
        elif mode == "die":
            send(out, {"op": "eval", "want": ["value", "gradient"]}, x0)
            result = json.loads(inp.readline())
            inp.read(8 * result["f64"])
            print("faulty client: evaluated once, now SIGKILL", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "huge-header":
            # Larger than a pipe's buffer: this write blocks until the harness reads on or kills the client.
            out.write(b'{"op": "eval", "want": ["value"], "pad": "' + b"x" * 70000)
            out.flush()
    except BrokenPipeError:
        pass  # the harness stopped reading: wait to be killed all the same
    sleep_forever()


if __name__ == "__main__":
    main()
