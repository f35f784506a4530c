"""Client side of optzoo's external-optimizer protocol, versions 1 and 2 (docs/external-protocol.md).

An optimizer written in Python runs as a client process of the harness: it asks for evaluations, reports each
new iterate, and stops when told. The harness evaluates the problem, counts every evaluation and applies the stop
rule. Standard library and numpy only.

    import optzoo_client as oz

    def main(h):                      # h: a Harness, after the hello
        x = h.x0.copy()
        lr = h.params.get("lr", 1e-3)
        while True:
            x -= lr * h.gradient(x)   # one eval request
            h.report(x)               # one iterate; raises oz.Stop when the harness says stop

    oz.run(main)                      # connect, run, exit 0 on stop, send done/fail

The stdout rule: stdout carries protocol messages only. `connect()` keeps the real stdout for the protocol on a
private file descriptor and points both `sys.stdout` and file descriptor 1 at stderr, so that `print` in user
code, and output of C or Fortran libraries and of subprocesses, lands in the client's log (stderr) instead of
corrupting the channel. Standard input is likewise moved off file descriptor 0, which then reads /dev/null.

Vectors travel as raw little-endian float64. Results are returned as fresh numpy arrays that the caller owns and
may modify. At large dims (protocol version 2, a memory file offered) two things spare a million-number iteration
its copies: `workspace(x0)` keeps the iterate in the memory file, where `step` sends it without a copy, and
`step(x, want, copy=False)` returns the answer as a read-only view of the memory file, valid until the next
request.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time

import numpy as np

__all__ = [
    "PROTOCOL",
    "VERSION",
    "MAX_HEADER",
    "Harness",
    "Result",
    "Stop",
    "ProtocolError",
    "connect",
    "run",
]

PROTOCOL = "optzoo-external"
VERSION = 1
MAX_HEADER = 65536
SPIN_S = 50e-6  # how long a wait for the harness polls before it may sleep (see Harness._await)
"""The longest header line, in bytes, without its newline."""

_F64 = np.dtype("<f8")
_decode = json.JSONDecoder().decode  # json.loads without its per-call checks of type and encoding
_WANTS = ("value", "gradient", "hvp", "hessian")  # the result's payload order


class Stop(SystemExit):
    """The harness said stop (or closed the channel): the run is over and the client should exit.

    A subclass of SystemExit with exit status 0, so that `except Exception` in user code does not swallow it and,
    left uncaught, it ends the process quietly with status 0, as the protocol asks. `status` is the stop rule's
    verdict (`converged`, `max-iters`, `max-evals`, `time-limit`, `diverged`, or a later version's word), or None
    when the harness closed the channel.
    """

    def __init__(self, status=None):
        super().__init__(0)
        self.status = status

    def __str__(self):
        return f"stopped by the harness: {self.status}" if self.status else "the harness closed the channel"


class ProtocolError(RuntimeError):
    """The harness sent something this client cannot read (a bug on one side of the protocol)."""


class Result:
    """The answer to one `eval`: the parts that were asked for, the others None.

    `value` is a float; `gradient` and `hvp` are arrays of shape (dim,), `hessian` of shape (dim, dim). The
    arrays are views into one fresh buffer per result, owned by the caller.
    """

    __slots__ = ("value", "gradient", "hvp", "hessian")

    def __init__(self, value=None, gradient=None, hvp=None, hessian=None):
        self.value = value
        self.gradient = gradient
        self.hvp = hvp
        self.hessian = hessian

    def __repr__(self):
        parts = [f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k) is not None]
        return f"Result({', '.join(parts)})"


class _Plan:
    """What one kind of eval sends and how its result is split, computed once per `want`."""

    __slots__ = ("header", "count", "parts", "hvp")

    def __init__(self, want, dim, offers):
        if isinstance(want, str):
            want = (want,)
        want = tuple(want)
        if not want:
            raise ValueError("`want` must name at least one of value, gradient, hvp, hessian")
        for w in want:
            if w not in _WANTS:
                raise ValueError(f"unknown want {w!r}; known: {', '.join(_WANTS)}")
            if want.count(w) > 1:
                raise ValueError(f"want {w!r} named twice")
            if w not in offers:
                raise ValueError(f"this problem does not offer {w!r} (offers: {', '.join(offers)})")
        self.hvp = "hvp" in want
        n_in = 2 * dim if self.hvp else dim
        self.header = (
            json.dumps({"op": "eval", "want": list(want), "f64": n_in}, separators=(",", ":")) + "\n"
        ).encode()
        sizes = {"value": 1, "gradient": dim, "hvp": dim, "hessian": dim * dim}
        self.parts = []  # (name, start, stop) in the result's fixed order
        at = 0
        for w in _WANTS:
            if w in want:
                self.parts.append((w, at, at + sizes[w]))
                at += sizes[w]
        self.count = at


class Harness:
    """The client's end of one run.

    After construction (which reads the hello) it exposes:

    - `dim` (int), `x0` (float64 array of shape (dim,), a private copy), `params` (dict: the run's
      `[optimizer.params]`), `seed` (int), `offers` (list of str), `label` (str), `problem` (dict: family and
      parameters), `hello` (the whole hello header, for keys of later versions);
    - `status`: None while the run goes on, then the verdict of the `stop` message.

    Usually made by `connect()`; the constructor takes any binary reader and writer (an int is taken as a file
    descriptor to write to) so that the class can be driven from tests.
    """

    def __init__(self, reader, writer):
        self._r = reader
        self._quick, self._poll = True, None  # see _await
        try:
            self._poll = select.poll()
            self._poll.register(reader.fileno(), select.POLLIN)
        except (AttributeError, OSError, ValueError):  # a reader without a descriptor (tests), or no poll here
            self._poll = None
        if isinstance(writer, int):
            self._fd, self._w = writer, None
        else:
            self._fd, self._w = None, writer
        self.status = None
        self._finished = None  # "done" or "fail" once sent
        self._plans = {}

        msg = self._recv()
        op = msg["op"]
        if op != "hello":
            raise ProtocolError(f"expected hello as the first message, got {op!r}")
        protocol, version = msg.get("protocol"), msg.get("version")
        if protocol != PROTOCOL or version != VERSION:
            raise ProtocolError(
                f"this client speaks {PROTOCOL} version {VERSION}; the harness speaks {protocol!r} version {version!r}"
            )
        dim = msg.get("dim")
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
            raise ProtocolError(f"hello: `dim` must be a positive integer, got {dim!r}")
        if msg["f64"] != dim:
            raise ProtocolError(f"hello: payload of {msg['f64']} numbers, expected dim = {dim}")
        self.hello = msg
        self.dim = dim
        self.x0 = self._read_f64(dim)
        self.params = dict(msg.get("params") or {})
        self.seed = msg.get("seed", 0)
        self.offers = list(msg.get("offers") or ["value", "gradient"])
        self.label = msg.get("label", "")
        self.problem = msg.get("problem") or {}
        self.versions = list(msg.get("versions") or [VERSION])
        self.v2 = 2 in self.versions
        self._req = self._resp = None  # the shared memory file's two areas, where offered (version 2)
        self._in_shm = False  # the message being read has its payload in the response area
        shm = msg.get("shm_file")
        if self.v2 and isinstance(shm, dict) and self._fd is not None:
            self._map_shared(shm)

        self._iterate_header = f'{{"op":"iterate","f64":{dim}}}\n'.encode()
        self._vg = self._plan(("value", "gradient"))
        self._g = self._plan(("gradient",))
        self._v = self._plan(("value",))

    # ----------------------------------------------------------------------------------------------------------
    # Evaluations: one `eval` message and one `result` each.

    def evaluate(self, x, want, v=None):
        """Evaluates what `want` names (an iterable of "value", "gradient", "hvp", "hessian", or one of them as a
        string) at `x`; `v` is the direction of the Hessian-vector product. Returns a `Result`. Each call is
        charged by the harness, also at a point already evaluated."""
        key = want if isinstance(want, str) else tuple(want)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(key)
        return self._eval(plan, x, v)

    def value(self, x):
        """f(x), as a float."""
        return self._eval(self._v, x, None).value

    def gradient(self, x):
        """The gradient at x, a fresh array."""
        return self._eval(self._g, x, None).gradient

    def value_and_gradient(self, x):
        """(f(x), gradient at x) in one request, charged as one gradient-equivalent evaluation."""
        r = self._eval(self._vg, x, None)
        return r.value, r.gradient

    def hvp(self, x, v):
        """The Hessian at x times v (needs "hvp" in `offers`)."""
        return self.evaluate(x, ("hvp",), v).hvp

    def hessian(self, x):
        """The dense Hessian at x, shape (dim, dim) (needs "hessian" in `offers`; charged as dim gradients)."""
        return self.evaluate(x, ("hessian",)).hessian

    def evaluate_batch(self, xs, want=("value",)):
        """Evaluates `want` at each row of `xs` (shape (k, dim)); returns a list of k `Result`s. With a harness of
        version 2 this is one `eval` message for all k points (population methods: one round trip per
        generation); otherwise k messages. Each point is charged as one evaluation either way."""
        xs = np.ascontiguousarray(xs, dtype=_F64)
        if xs.ndim != 2 or xs.shape[1] != self.dim:
            raise ValueError(f"xs must have shape (k, {self.dim}), got {xs.shape}")
        key = want if isinstance(want, str) else tuple(want)
        plan = self._plans.get(key) or self._plan(key)
        if plan.hvp or "hessian" in key:
            raise ValueError("a batch evaluates value and gradient only")
        k = xs.shape[0]
        if not self.v2 or k == 1:
            return [self._eval(plan, x, None) for x in xs]
        self._check_open()
        names = [name for name, _, _ in plan.parts]
        header = (json.dumps({"op": "eval", "want": names, "points": k, "f64": k * self.dim},
                             separators=(",", ":")) + "\n").encode()
        self._send(header, xs)
        msg = self._recv()
        buf = self._result(msg, k * plan.count)
        return [self._split(plan, buf[i * plan.count:(i + 1) * plan.count]) for i in range(k)]

    # ----------------------------------------------------------------------------------------------------------
    # Iterates and the end of the run.

    def step(self, x, want=("value", "gradient"), copy=True):
        """Reports x as the new iterate and returns the evaluation of `want` at it (a `Result`): with a harness of
        version 2 in one round trip (the iterate asks for its evaluation), otherwise an iterate then an eval.
        Raises `Stop` when the harness says stop. A first-order method's loop is then one call per iteration:
        `r = h.step(x); x = x - lr * r.gradient`.

        With `copy=False` the gradient is a read-only view of the memory file's response area where the answer
        came through it (no copy of a million numbers), valid until the next request: use it, or copy what must
        outlive that request."""
        key = want if isinstance(want, str) else tuple(want)
        plan = self._plans.get(key) or self._plan(key)
        if plan.hvp or "hessian" in key:
            raise ValueError("an iterate asks for value and gradient only")
        if not self.v2:
            self.report(x)
            return self._eval(plan, x, None)
        self._check_open()
        xa = self._vector(x, "x")
        names = [name for name, _, _ in plan.parts]
        header = (json.dumps({"op": "iterate", "want": names, "f64": self.dim}, separators=(",", ":"))
                  + "\n").encode()
        self._send(header, xa)
        msg = self._recv()
        op = msg["op"]
        if op == "stop":
            self._skip(msg)
            self.status = msg.get("status", "stopped")
            raise Stop(self.status)
        if op != "continue":
            raise ProtocolError(f"expected continue or stop after an iterate, got {op!r}")
        if msg["f64"] != plan.count:
            raise ProtocolError(f"continue with {msg['f64']} numbers, expected {plan.count}")
        return self._split(plan, self._read_f64(plan.count, copy))

    def workspace(self, x):
        """A copy of x kept in the memory file's request area where the harness offered one (version 2, large
        dims), else a fresh array. Updated in place (`x -= ...`, `np.subtract(x, d, out=x)`) and reported with
        `step(x)` or `iterate(x)`, the iterate crosses to the harness without a copy. Any request at another
        point (an eval, a batch) overwrites the area: keep there only the point that every request sends."""
        xa = self._vector(x, "x")
        if self._req is None:
            return xa.copy()
        w = self._req[: self.dim]
        w[:] = xa
        return w

    def iterate(self, x):
        """Reports the new iterate x_{k+1} (one iteration done). Returns True to go on, False when the harness
        answered `stop` (its verdict is then in `status`; the client should exit with status 0 promptly)."""
        self._check_open()
        xa = self._vector(x, "x")
        self._send(self._iterate_header, xa)
        msg = self._recv()
        op = msg["op"]
        if op == "continue":
            self._skip(msg)
            return True
        if op == "stop":
            self._skip(msg)
            self.status = msg.get("status", "stopped")
            return False
        raise ProtocolError(f"expected continue or stop after an iterate, got {op!r}")

    def report(self, x):
        """Like `iterate`, but raises `Stop` when told to stop: adapters just call it after each iteration and,
        if nothing catches the exception, the process exits quietly with status 0."""
        if not self.iterate(x):
            raise Stop(self.status)

    def done(self, message=None):
        """Tells the harness that the client ends on its own (its own convergence test or iteration limit). The
        client should exit afterwards."""
        self._finish("done", message)

    def fail(self, message):
        """Tells the harness that the client gives up: the run is recorded as failed with `message`."""
        self._finish("fail", str(message))

    @property
    def stopped(self):
        """True once the harness said stop."""
        return self.status is not None

    def has(self, what):
        """True when the problem offers `what` ("value", "gradient", "hvp", "hessian")."""
        return what in self.offers

    # ----------------------------------------------------------------------------------------------------------
    # Internals.

    def _plan(self, key):
        plan = _Plan(key, self.dim, self.offers)
        self._plans[key] = plan
        return plan

    def _vector(self, x, name):
        xa = np.ascontiguousarray(x, dtype=_F64)
        if xa.shape != (self.dim,):
            xa = xa.reshape(-1)
            if xa.shape[0] != self.dim:
                raise ValueError(f"{name} has {xa.shape[0]} numbers, the problem has dim = {self.dim}")
        return xa

    def _map_shared(self, shm):
        """Maps the memory file the harness offers for large vectors (hello's `"shm_file": {"fd": 3, "f64": cap}`:
        two areas of cap numbers, the request area first). Where it cannot be mapped, every payload goes on the
        pipe."""
        import mmap

        fd, cap = shm.get("fd"), shm.get("f64")
        if not isinstance(fd, int) or not isinstance(cap, int) or cap < 1:
            return
        try:
            self._shm = mmap.mmap(fd, 16 * cap)
        except (OSError, ValueError):
            return
        self._req = np.frombuffer(self._shm, dtype=_F64, count=cap, offset=0)
        self._resp = np.frombuffer(self._shm, dtype=_F64, count=cap, offset=8 * cap)

    def _eval(self, plan, x, v):
        self._check_open()
        xa = self._vector(x, "x")
        if plan.hvp:
            if v is None:
                raise ValueError("an hvp needs the direction v")
            self._send(plan.header, xa, self._vector(v, "v"))
        else:
            self._send(plan.header, xa)
        return self._split(plan, self._result(self._recv(), plan.count))

    def _result(self, msg, count):
        """The payload of the answer to an eval: `count` numbers; a `stop` (the budget is spent) raises Stop."""
        op = msg["op"]
        if op != "result":
            if op == "stop":  # the evaluation budget is spent (version 2 says so; version 1 closed the channel)
                self._skip(msg)
                self.status = msg.get("status", "stopped")
                raise Stop(self.status)
            raise ProtocolError(f"expected a result, got {op!r}")
        if msg["f64"] != count:
            raise ProtocolError(f"result of {msg['f64']} numbers, expected {count}")
        return self._read_f64(count)

    def _split(self, plan, buf):
        """The parts of one point's result."""
        r = Result()
        for name, a, b in plan.parts:
            if name == "value":
                r.value = float(buf[0])
            elif name == "gradient":
                r.gradient = buf[a:b]
            elif name == "hvp":
                r.hvp = buf[a:b]
            else:
                r.hessian = buf[a:b].reshape(self.dim, self.dim)
        return r

    def _check_open(self):
        if self.status is not None:
            raise Stop(self.status)
        if self._finished is not None:
            raise RuntimeError(f"the client already sent {self._finished}")

    def _finish(self, op, message):
        if self.status is not None or self._finished is not None:
            return  # the run is already over: nothing more may be sent
        head = {"op": op, "f64": 0}
        if message is not None:
            message = str(message)
            # keep the header well inside MAX_HEADER, whatever an exception's text holds
            head["message"] = message if len(message) <= 8000 else message[:8000] + " [...]"
        self._send((json.dumps(head) + "\n").encode())
        self._finished = op

    def _send(self, header, *arrays):
        """Writes the header and the payload arrays in one system call (writev, no concatenation) and flushes;
        where the harness offered a memory file and the payload fits, the arrays go there instead and the header
        says `"shm": true`."""
        if arrays and self._req is not None:
            total = sum(a.size for a in arrays)
            if total <= self._req.size:
                at = 0
                base = self._req.__array_interface__["data"][0]
                for a in arrays:
                    if a.__array_interface__["data"][0] != base + 8 * at:  # else already there (workspace)
                        self._req[at:at + a.size] = a.reshape(-1)
                    at += a.size
                header, arrays = b'{"shm":true,' + header[1:], ()
        try:
            if self._fd is not None:
                bufs = (header,) + arrays
                n = os.writev(self._fd, bufs)
                total = len(header)
                for a in arrays:
                    total += a.nbytes
                if n < total:  # a partial write (rare: signals), finish it piece by piece
                    rest = memoryview(b"".join(memoryview(b).cast("B") for b in bufs))[n:]
                    while rest:
                        rest = rest[os.write(self._fd, rest):]
            else:
                self._w.write(header)
                for a in arrays:
                    self._w.write(memoryview(a).cast("B"))
                self._w.flush()
        except BrokenPipeError:
            raise Stop(None) from None

    def _await(self):
        """Polls the channel for up to SPIN_S while the harness answers quickly, before the read that may sleep:
        waking a process asleep in `read` costs tens of microseconds, more than a fast exchange. Returns the
        time it started waiting."""
        started = time.perf_counter()
        if self._quick and self._poll is not None:
            poll = self._poll.poll
            while not poll(0):
                if time.perf_counter() - started > SPIN_S:
                    break
        return started

    def _recv(self):
        """Reads one header line and checks its two required keys; EOF raises `Stop(None)`."""
        started = self._await()
        line = self._r.readline(MAX_HEADER + 1)
        self._quick = time.perf_counter() - started < SPIN_S
        if not line.endswith(b"\n"):
            if len(line) > MAX_HEADER:
                raise ProtocolError(f"a header line longer than {MAX_HEADER} bytes")
            raise Stop(None)  # end of file, at a message boundary or within a header
        try:
            msg = _decode(line.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError included
            raise ProtocolError(f"a header that is not JSON: {line[:200]!r}") from None
        if not isinstance(msg, dict):
            raise ProtocolError(f"a header that is not a JSON object: {line[:200]!r}")
        op, k = msg.get("op"), msg.get("f64")
        if not isinstance(op, str) or not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise ProtocolError(f"a header without a string `op` and a count `f64`: {line[:200]!r}")
        self._in_shm = msg.get("shm") is True
        if self._in_shm and (self._resp is None or k > self._resp.size):
            raise ProtocolError(f"a payload of {k} numbers in shared memory that was not offered: {line[:200]!r}")
        return msg

    def _read_f64(self, k, copy=True):
        """Reads exactly k little-endian doubles into a fresh array (from the response area, for a message that
        says `"shm": true`; there, with `copy` false, a read-only view of it)."""
        if self._in_shm:
            self._in_shm = False
            if copy:
                return self._resp[:k].copy()
            view = self._resp[:k].view()
            view.flags.writeable = False
            return view
        out = np.empty(k, dtype=_F64)
        if k:
            mv = memoryview(out).cast("B")
            got = self._r.readinto(mv) or 0
            while got < len(mv):
                n = self._r.readinto(mv[got:])
                if not n:
                    raise Stop(None)  # end of file within a payload
                got += n
        return out

    def _skip(self, msg):
        """Reads and drops the payload of a message that carries none in version 1."""
        if msg["f64"]:
            self._read_f64(msg["f64"])


def take_streams():
    """Keeps the real stdin and stdout for the protocol on private, non-inheritable duplicates of file descriptors
    0 and 1, and points fd 1 and `sys.stdout` at stderr and fd 0 and `sys.stdin` at /dev/null, so that nothing else
    in the process (print, C libraries, subprocesses) can touch the channel. Returns (reader, writer fd). Shared by
    optimizer clients (`connect`) and problem processes (`optzoo_problem.serve`)."""
    sys.stdout.flush()
    in_fd, out_fd = os.dup(0), os.dup(1)  # non-inheritable: child processes cannot reach the channel
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull)
    return os.fdopen(in_fd, "rb", buffering=1 << 16), out_fd


def connect(reader=None, writer=None):
    """Takes over the process's standard streams for the protocol and reads the hello. Returns a `Harness`.

    With no arguments: the protocol reads the real stdin and writes the real stdout through private duplicates
    of file descriptors 0 and 1; fd 1 and `sys.stdout` then point at stderr and fd 0 and `sys.stdin` read
    /dev/null, so nothing else in the process can touch the channel. A harness that speaks another protocol or
    version, or that sends garbage, ends the process with a message on stderr and exit status 2; a harness that
    closed the channel ends it quietly with status 0.
    """
    if reader is None:
        reader, out_fd = take_streams()
        writer = out_fd if writer is None else writer
    try:
        return Harness(reader, writer)
    except ProtocolError as e:
        print(f"optzoo client: {e}", file=sys.stderr, flush=True)
        sys.exit(2)


def run(main, harness=None):
    """Runs `main(harness)` as the whole client and exits the process, at once (see `_exit`).

    - the harness says stop (`Stop` raised, e.g. by `report`) or closes the channel: exit status 0;
    - `main` returns: sends `done` (with the returned value as the message if it is a string), exit status 0;
      if `main` sent `fail` itself, exit status 1;
    - `main` raises: prints the traceback on stderr, sends `fail` with the exception, exit status 1.
    """
    h = harness if harness is not None else connect()
    try:
        message = main(h)
    except Stop:
        _exit(0)
    except ProtocolError as e:
        print(f"optzoo client: {e}", file=sys.stderr, flush=True)
        _exit(2)
    except Exception as e:  # the optimizer gave up: say why
        import traceback

        traceback.print_exc()
        try:
            h.fail(f"{type(e).__name__}: {e}")
        except Stop:
            pass
        _exit(1)
    if h._finished == "fail":  # main sent fail itself
        _exit(1)
    try:
        h.done(message if isinstance(message, str) else None)
    except Stop:
        pass
    _exit(0)


def _exit(status):
    """Exits at once, after flushing the standard streams: the interpreter's teardown (atexit handlers, module
    finalisation) takes from a tenth of a second (scipy) to over a second (torch) on a busy machine, longer than
    the harness's grace after stop. `with` and `finally` blocks have already run as `Stop` unwound the stack."""
    for f in (sys.stdout, sys.__stdout__, sys.stderr):
        try:
            if f is not None:
                f.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
