"""Tests of the Python client library and its adapters against a fake harness written in Python.

    .venv/bin/python -m unittest discover clients/python/tests

The fake harness speaks the harness side of protocol version 1 (docs/external-protocol.md) on scipy's chained
Rosenbrock (rosen, rosen_der, rosen_hess_prod, rosen_hess): it spawns an adapter as a subprocess, answers its
evaluations, counts them, answers each iterate with continue (or stop after a given number of iterates) and
records how the client ended. So the client side is tested without the Rust harness.
"""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import numpy as np
from scipy.optimize import minimize, rosen, rosen_der, rosen_hess, rosen_hess_prod

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(CLIENTS))
FAULTY = os.path.join(ROOT, "tests", "clients", "faulty.py")
sys.path.insert(0, CLIENTS)

import optzoo_client as oz  # noqa: E402

PY = sys.executable
ALL_OFFERS = ["value", "gradient", "hvp", "hessian"]


def rosen_start(n):
    """The standard start (-1.2, 1, -1.2, 1, ...)."""
    x = np.ones(n)
    x[::2] = -1.2
    return x


def header(obj):
    return (json.dumps(obj) + "\n").encode()


def hello_bytes(x0, params=None, offers=None, protocol="optzoo-external", version=1, seed=0, label="test"):
    x0 = np.asarray(x0, dtype="<f8")
    h = {
        "op": "hello",
        "protocol": protocol,
        "version": version,
        "dim": len(x0),
        "seed": seed,
        "params": params or {},
        "label": label,
        "offers": offers or ALL_OFFERS,
        "problem": {"family": "rosenbrock", "params": {"dim": len(x0), "variant": "chained"}},
        "f64": len(x0),
    }
    return header(h) + x0.tobytes()


class FakeHarness:
    """The harness side of one run, on chained Rosenbrock.

    After `run()`: `evals` (the `want` list of each eval, in order), `points` (each eval's x), `iterates` (each
    reported iterate), `ended` ("done", "fail", "exit" for an exit without a message, or "stop" when we sent
    stop), `message`, `returncode`, `stderr`, `exit_after_stop_s` (seconds from sending stop to the client's
    exit).
    """

    def __init__(self, cmd, x0, params=None, offers=None, stop_after=None, cwd=None, fg=None, **hello):
        self.cmd, self.x0, self.params = cmd, np.asarray(x0, dtype=float), params or {}
        self.fg = fg  # (value, gradient) of another function than rosen, for value and gradient evals
        self.offers = offers or ALL_OFFERS
        self.stop_after, self.cwd, self.hello = stop_after, cwd, hello
        self.evals, self.points, self.iterates = [], [], []
        self.ended = self.message = self.returncode = self.exit_after_stop_s = None
        self.stderr = ""

    def run(self, timeout=120.0):
        p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=self.cwd)
        err = []
        t = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
        t.start()
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            self._converse(p)
        finally:
            timer.cancel()
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            t.join(5)
            p.stdout.close()
            p.stderr.close()
        if self.ended == "stop":
            self.exit_after_stop_s = time.monotonic() - self._stop_sent
        self.returncode = p.returncode
        self.stderr = (err[0] if err else b"").decode(errors="replace")
        return self

    def _converse(self, p):
        w, r, n = p.stdin, p.stdout, len(self.x0)
        try:
            w.write(hello_bytes(self.x0, self.params, self.offers, **self.hello))
            w.flush()
        except BrokenPipeError:
            self.ended = "exit"
            return
        while True:
            line = r.readline()
            if not line:
                self.ended = self.ended or "exit"
                return
            msg = json.loads(line)
            k = msg["f64"]
            payload = np.frombuffer(r.read(8 * k), "<f8") if k else np.empty(0)
            assert len(payload) == k, "short payload"
            op = msg["op"]
            if op == "eval":
                want = msg["want"]
                self.evals.append(want)
                x = payload[:n].copy()
                self.points.append(x)
                out = []
                f, g = self.fg(x) if self.fg else (rosen(x), rosen_der(x))
                if "value" in want:
                    out.append([f])
                if "gradient" in want:
                    out.append(g)
                if "hvp" in want:
                    assert k == 2 * n
                    out.append(rosen_hess_prod(x, payload[n:]))
                if "hessian" in want:
                    out.append(rosen_hess(x).ravel())
                res = np.concatenate(out).astype("<f8")
                w.write(header({"op": "result", "f64": len(res)}) + res.tobytes())
                w.flush()
            elif op == "iterate":
                assert k == n
                self.iterates.append(payload.copy())
                if self.stop_after is not None and len(self.iterates) >= self.stop_after:
                    w.write(header({"op": "stop", "status": "max-iters", "f64": 0}))
                    w.flush()
                    self._stop_sent = time.monotonic()
                    self.ended = "stop"
                    # the client must not send anything more: wait for its end of file
                    self.after_stop = r.read()
                    return
                w.write(header({"op": "continue", "f64": 0}))
                w.flush()
            elif op in ("done", "fail"):
                self.ended, self.message = op, msg.get("message")
                self.after_end = r.read()
                return
            else:
                raise AssertionError(f"unexpected op {op!r}")


def rosen_sequential(x):
    """Chained Rosenbrock with optzoo's order of operations (a sequential sum, each term's gradient parts added
    as they come): the same function as rosen, different in the last bits of its value."""
    xi, xj = x[:-1], x[1:]
    a = xj - xi * xi
    b = 1.0 - xi
    f = float(np.cumsum((100.0 * a) * a + b * b)[-1])
    t = (-400.0 * xi) * a - 2.0 * b
    g = np.zeros_like(x)
    g[0] = t[0]
    g[1:-1] = 200.0 * a[:-1] + t[1:]
    g[-1] = 200.0 * a[-1]
    return f, g


def adapter(name, *args):
    return [PY, os.path.join(CLIENTS, name), *args]


def scipy_reference(n, options):
    """scipy's own L-BFGS-B on rosen from the standard start, with the callback counted."""
    calls = []
    res = minimize(lambda x: (rosen(x), rosen_der(x)), rosen_start(n), method="L-BFGS-B", jac=True,
                   options=dict(options), callback=lambda xk: calls.append(np.copy(xk)))
    return res, calls


class InProcess(unittest.TestCase):
    """The library driven through in-memory streams."""

    def test_hello_is_parsed(self):
        h = oz.Harness(io.BufferedReader(io.BytesIO(hello_bytes([1.5, -2.0], {"lr": 0.1}, seed=7))), io.BytesIO())
        self.assertEqual(h.dim, 2)
        np.testing.assert_array_equal(h.x0, [1.5, -2.0])
        self.assertEqual(h.x0.dtype, np.float64)
        h.x0[0] = 9.0  # the caller owns it
        self.assertEqual(h.params, {"lr": 0.1})
        self.assertEqual(h.seed, 7)
        self.assertEqual(h.offers, ALL_OFFERS)
        self.assertEqual(h.label, "test")
        self.assertEqual(h.problem["family"], "rosenbrock")
        self.assertIsNone(h.status)

    def test_wrong_protocol_or_version_is_refused(self):
        for kw in ({"version": 2}, {"protocol": "other"}):
            with self.assertRaises(oz.ProtocolError):
                oz.Harness(io.BufferedReader(io.BytesIO(hello_bytes([1.0], **kw))), io.BytesIO())

    def test_messages_are_encoded_exactly(self):
        x = np.array([0.5, -1.0])
        hvp = np.array([3.0, 4.0])
        inp = (hello_bytes([1.0, 2.0], offers=["value", "gradient", "hvp"])
               + header({"op": "result", "f64": 3}) + np.array([7.0, 1.0, 2.0]).tobytes()
               + header({"op": "result", "f64": 2}) + hvp.tobytes()
               + header({"op": "continue", "f64": 0})
               + header({"op": "stop", "status": "converged", "f64": 0}))
        out = io.BytesIO()
        h = oz.Harness(io.BufferedReader(io.BytesIO(inp)), out)
        f, g = h.value_and_gradient(x)
        self.assertEqual(f, 7.0)
        np.testing.assert_array_equal(g, [1.0, 2.0])
        g[0] = 5.0  # writable
        np.testing.assert_array_equal(h.hvp(x, [1.0, 1.0]), hvp)
        with self.assertRaises(ValueError):
            h.hessian(x)  # not offered: refused before anything is sent
        self.assertTrue(h.iterate(x))
        self.assertFalse(h.iterate(x))
        self.assertEqual(h.status, "converged")
        with self.assertRaises(oz.Stop) as cm:
            h.value(x)  # nothing may be sent after stop
        self.assertEqual(cm.exception.code, 0)
        h.done("late")  # ignored after stop

        s = io.BufferedReader(io.BytesIO(out.getvalue()))
        msgs = []
        while line := s.readline():
            m = json.loads(line)
            msgs.append((m, np.frombuffer(s.read(8 * m["f64"]), "<f8")))
        self.assertEqual([m["op"] for m, _ in msgs], ["eval", "eval", "iterate", "iterate"])
        self.assertEqual(msgs[0][0]["want"], ["value", "gradient"])
        self.assertEqual(msgs[1][0], {"op": "eval", "want": ["hvp"], "f64": 4})
        np.testing.assert_array_equal(msgs[1][1], [0.5, -1.0, 1.0, 1.0])
        np.testing.assert_array_equal(msgs[2][1], x)

    def test_end_of_file_is_a_quiet_stop(self):
        h = oz.Harness(io.BufferedReader(io.BytesIO(hello_bytes([1.0]))), io.BytesIO())
        with self.assertRaises(oz.Stop) as cm:
            h.gradient([0.0])
        self.assertIsNone(cm.exception.status)
        self.assertEqual(cm.exception.code, 0)


class Processes(unittest.TestCase):
    """The adapters as subprocesses, as the harness runs them."""

    def test_lbfgsb_counts_equal_scipy(self):
        n = 100
        for options in ({}, {"maxiter": 15}, {"gtol": 1e-3}, {"maxcor": 5, "ftol": 1e-12}):
            with self.subTest(options=options):
                res, calls = scipy_reference(n, options)
                fake = FakeHarness(adapter("scipy_minimize.py", "L-BFGS-B"), rosen_start(n), options).run()
                self.assertEqual(fake.returncode, 0, fake.stderr)
                self.assertEqual(fake.ended, "done")
                self.assertEqual(fake.message, f"{res.message} (nit={res.nit}, nfev={res.nfev}, njev={res.njev})")
                self.assertEqual(len(calls), res.nit, "scipy's callback count is nit")
                self.assertEqual(len(fake.iterates), res.nit)
                self.assertEqual(len(fake.evals), res.nfev)
                self.assertEqual(len(fake.evals), res.njev)
                self.assertTrue(all(w == ["value", "gradient"] for w in fake.evals))
                np.testing.assert_array_equal(fake.iterates[-1], res.x)

    def test_lbfgsb_counts_equal_those_of_the_same_call(self):
        # On optzoo's own Rosenbrock, whose value differs from rosen's in the last bits, scipy takes another
        # path (513 iterations, 610 evaluations against 515 and 604 on rosen): the reference is the
        # OptimizeResult of the adapter's own minimize call, which its done message carries.
        fake = FakeHarness(adapter("scipy_minimize.py", "L-BFGS-B"), rosen_start(100), fg=rosen_sequential).run()
        self.assertEqual((fake.returncode, fake.ended), (0, "done"), fake.stderr)
        n = len(fake.evals)
        self.assertTrue(fake.message.endswith(f"(nit={len(fake.iterates)}, nfev={n}, njev={n})"), fake.message)

    def test_done_when_minimize_returns(self):
        fake = FakeHarness(adapter("scipy_minimize.py", "BFGS"), rosen_start(4), {"maxiter": 3}).run()
        self.assertEqual((fake.returncode, fake.ended), (0, "done"), fake.stderr)
        self.assertEqual(len(fake.iterates), 3)
        self.assertIn("Maximum number of iterations", fake.message)

    def test_newton_cg_uses_hvp_and_trust_exact_the_hessian(self):
        fake = FakeHarness(adapter("scipy_minimize.py", "Newton-CG"), rosen_start(10)).run()
        self.assertEqual((fake.returncode, fake.ended), (0, "done"), fake.stderr)
        self.assertIn(["hvp"], fake.evals)
        fake = FakeHarness(adapter("scipy_minimize.py", "trust-exact"), rosen_start(10)).run()
        self.assertEqual((fake.returncode, fake.ended), (0, "done"), fake.stderr)
        self.assertIn(["hessian"], fake.evals)
        self.assertLess(np.abs(rosen_der(fake.iterates[-1])).max(), 1e-5)  # a critical point (n = 10 has two minima)
        fake = FakeHarness(adapter("scipy_minimize.py", "dogleg"), rosen_start(4), offers=["value", "gradient"]).run()
        self.assertEqual(fake.ended, "fail")
        self.assertIn("needs the dense Hessian", fake.message)

    def test_stop_ends_the_client_promptly(self):
        for cmd, params in ((adapter("scipy_minimize.py", "L-BFGS-B"), {}),
                            (adapter("optax_update.py", "adam"), {"learning_rate": 1e-3}),
                            ([PY, os.path.join(CLIENTS, "examples", "my_gd.py")], {"lr": 1e-4})):
            with self.subTest(cmd=cmd[1]):
                fake = FakeHarness(cmd, rosen_start(100), params, stop_after=5).run()
                self.assertEqual(fake.ended, "stop")
                self.assertEqual(fake.returncode, 0, fake.stderr)
                self.assertEqual(len(fake.iterates), 5)
                self.assertEqual(fake.after_stop, b"", "nothing is sent after stop")
                self.assertLess(fake.exit_after_stop_s, 1.0)

    def test_optax_adam_is_float64_adam(self):
        lr, n, steps = 1e-2, 6, 20
        fake = FakeHarness(adapter("optax_update.py", "adam"), rosen_start(n), {"learning_rate": lr},
                           stop_after=steps).run()
        self.assertEqual((fake.ended, fake.returncode), ("stop", 0), fake.stderr)
        self.assertTrue(all(w == ["gradient"] for w in fake.evals))
        self.assertEqual(len(fake.evals), steps)
        # Adam as in optzoo's built-in adam, in float64: float32 anywhere would be off by ~1e-7.
        x, m, v = rosen_start(n), np.zeros(n), np.zeros(n)
        b1, b2, eps = 0.9, 0.999, 1e-8
        for t in range(1, steps + 1):
            g = rosen_der(x)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
            np.testing.assert_allclose(fake.iterates[t - 1], x, rtol=1e-13, atol=1e-14)
        # each gradient is asked at the last reported iterate
        np.testing.assert_array_equal(fake.points[0], rosen_start(n))
        for p, it in zip(fake.points[1:], fake.iterates):
            np.testing.assert_array_equal(p, it)

    def test_my_gd_example(self):
        lr = 1e-3
        fake = FakeHarness([PY, "my_gd.py"], rosen_start(4), {"lr": lr}, stop_after=3,
                           cwd=os.path.join(CLIENTS, "examples")).run()
        self.assertEqual((fake.ended, fake.returncode), ("stop", 0), fake.stderr)
        x = rosen_start(4)
        for it in fake.iterates:
            x = x - lr * rosen_der(x)
            np.testing.assert_array_equal(it, x)

    def test_stray_prints_do_not_reach_the_channel(self):
        code = (f"import sys, os; sys.path.insert(0, {CLIENTS!r}); import optzoo_client as oz\n"
                "h = oz.connect()\n"
                "print('stray print'); os.write(1, b'stray fd write\\n')\n"
                "import subprocess; subprocess.run(['echo', 'stray child'])\n"
                "print(h.value(h.x0), file=sys.stderr); h.done('bye')\n")
        fake = FakeHarness([PY, "-c", code], rosen_start(2)).run()
        self.assertEqual((fake.ended, fake.message, fake.returncode), ("done", "bye", 0), fake.stderr)
        for s in ("stray print", "stray fd write", "stray child", str(rosen(rosen_start(2)))):
            self.assertIn(s, fake.stderr)

    def test_version_mismatch_exits_nonzero(self):
        fake = FakeHarness(adapter("scipy_minimize.py", "BFGS"), rosen_start(2), version=2).run()
        self.assertNotEqual(fake.returncode, 0)
        self.assertIn("version", fake.stderr)
        self.assertEqual(fake.evals, [])

    def test_closed_channel_exits_quietly(self):
        p = subprocess.Popen(adapter("optax_update.py", "sgd"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdin.write(hello_bytes(rosen_start(2), {"learning_rate": 1e-3}))
        p.stdin.close()  # the harness went away
        self.assertEqual(p.wait(60), 0, p.stderr.read())  # after its first request, which meets end of file
        p.stdout.close()
        p.stderr.close()

    def test_a_raising_optimizer_fails_the_run(self):
        fake = FakeHarness(adapter("scipy_minimize.py", "no-such-method"), rosen_start(2)).run()
        self.assertEqual(fake.ended, "fail", fake.stderr)
        self.assertIn("no-such-method", fake.message)
        self.assertIn("Traceback", fake.stderr)
        self.assertEqual(fake.returncode, 1)

    @unittest.skipUnless(subprocess.run([PY, "-c", "import torch"], capture_output=True).returncode == 0,
                         "torch is not installed")
    def test_torch(self):
        fake = FakeHarness(adapter("torch_optim.py", "SGD"), rosen_start(4), {"lr": 1e-3}, stop_after=3).run()
        self.assertEqual((fake.ended, fake.returncode), ("stop", 0), fake.stderr)
        x = rosen_start(4)
        for it in fake.iterates:
            x = x - 1e-3 * rosen_der(x)
            np.testing.assert_allclose(it, x, rtol=1e-15)
        fake = FakeHarness(adapter("torch_optim.py", "LBFGS"), rosen_start(10),
                           {"line_search_fn": "strong_wolfe"}, stop_after=200).run()
        self.assertEqual(fake.returncode, 0, fake.stderr)
        np.testing.assert_allclose(fake.iterates[-1], np.ones(10), atol=1e-4)
        # the one-point cache: never two requests in a row at the same point
        for a, b in zip(fake.points, fake.points[1:]):
            self.assertFalse(np.array_equal(a, b))


class Faulty(unittest.TestCase):
    """tests/clients/faulty.py, the broken client of the harness's fault tests, does what it says."""

    def start(self, mode, n=3):
        p = subprocess.Popen([PY, FAULTY, mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdin.write(hello_bytes(rosen_start(n)))
        p.stdin.flush()
        return p

    def finish(self, p, kill=True):
        if kill:
            p.kill()
        out, err = p.communicate(timeout=30)
        self.assertIn(b"faulty client: mode=", err)
        return out, err

    def test_exit3(self):
        p = self.start("exit3")
        self.assertEqual(p.wait(30), 3)
        _, err = self.finish(p, kill=False)
        self.assertIn(b"boom", err)

    def test_sleep(self):
        p = self.start("sleep")
        with self.assertRaises(subprocess.TimeoutExpired):
            p.wait(0.5)
        self.finish(p)

    def test_garbage(self):
        p = self.start("garbage")
        self.assertEqual(p.stdout.readline(), b"hello world\n")
        self.finish(p)

    def test_wrong_length_and_nan(self):
        for mode, check in (("wrong-length", lambda m, x: m["f64"] == 4 and len(x) == 4),
                            ("nan", lambda m, x: m["f64"] == 3 and np.isnan(x).any())):
            p = self.start(mode)
            m = json.loads(p.stdout.readline())
            x = np.frombuffer(p.stdout.read(8 * m["f64"]), "<f8")
            self.assertEqual(m["op"], "eval")
            self.assertTrue(check(m, x), (mode, m, x))
            self.finish(p)

    def test_die(self):
        p = self.start("die")
        m = json.loads(p.stdout.readline())
        p.stdout.read(8 * m["f64"])
        res = np.concatenate([[1.0], np.zeros(3)])
        p.stdin.write(header({"op": "result", "f64": 4}) + res.tobytes())
        p.stdin.flush()
        self.assertEqual(p.wait(30), -signal.SIGKILL)
        self.finish(p, kill=False)

    def test_huge_header(self):
        p = self.start("huge-header")
        head = p.stdout.read(oz.MAX_HEADER + 1)
        self.assertEqual(len(head), oz.MAX_HEADER + 1)
        self.assertNotIn(b"\n", head)
        self.finish(p)


if __name__ == "__main__":
    unittest.main()
