// The floor of the external client's pass structure at n = 1e6 (docs/performance.md), in C: built-in gd's passes
// (the cache compared, the step, the point copied into the cache, the evaluation, the norm: 11 streams) against
// those of a protocol-version-2 iteration (the client steps x in the memory file's request area with the gradient
// in its response area; the harness checks x, copies it into its own x, evaluates into the response area and
// takes the norm; the runner's measurement is then known: 3 + 7 streams), across two processes (a pipe token
// each way, polling 50 us then sleeping, as both sides of optzoo do) and in one process.
//
//   cc -O2 -march=native -o target/external_floor benches/external_floor.c && target/external_floor 300
//
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static int quick = 1;
static void wait_in(int fd) {
    struct pollfd p = {fd, POLLIN, 0}; double t = now();
    if (quick) while (now() - t < 50e-6) if (poll(&p, 1, 0) > 0) return;
    poll(&p, 1, -1); quick = now() - t < 50e-6;
}
static double eval(const double *l, const double *x, double *g, size_t n) {
    double a[8] = {0}; for (size_t i = 0; i < n; i += 8) for (int j = 0; j < 8; j++) { double d = x[i + j] - 1.0; g[i + j] = l[i + j] * d; a[j] += d * g[i + j]; }
    return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7]; }
static double norm(const double *g, size_t n) {
    double a[8] = {0}; for (size_t i = 0; i < n; i += 8) for (int j = 0; j < 8; j++) a[j] += g[i + j] * g[i + j];
    return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7]; }
static int same(const double *a, const double *b, size_t n) {
    uint64_t acc = 0; for (size_t i = 0; i < n; i++) { uint64_t u, v; memcpy(&u, a + i, 8); memcpy(&v, b + i, 8); acc |= u ^ v; } return acc == 0; }
static int all_finite(const double *from, size_t n) {
    for (size_t b = 0; b < n; b += 256) { int bad = 0; for (size_t i = b; i < b + 256; i++) { uint64_t u; memcpy(&u, from + i, 8); bad |= (u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull; } if (bad) return 0; }
    return 1; }
static void step(double *x, const double *g, size_t n) { for (size_t i = 0; i < n; i++) x[i] -= 1e-3 * g[i]; }

int main(int argc, char **argv) {
    size_t n = 1000000; int iters = argc > 1 ? atoi(argv[1]) : 300;
    double *l = malloc(8 * n), *x = malloc(8 * n), *g = malloc(8 * n), *cx = malloc(8 * n);
    for (size_t i = 0; i < n; i++) { l[i] = 1e-3 + (1 - 1e-3) * i / (n - 1); x[i] = 2.0; g[i] = 0; cx[i] = 0; }
    double sink = 0;
    // gd: compare (hit), step, copy x into the cache, evaluate, norm: 11 streams.
    memcpy(cx, x, 8 * n); eval(l, x, g, n);
    double t = now();
    for (int k = 0; k < iters; k++) {
        sink += same(cx, x, n); step(x, g, n); memcpy(cx, x, 8 * n); sink += eval(l, x, g, n); sink += norm(g, n);
    }
    double gd = (now() - t) / iters;
    int fd = memfd_create("mimic", 0); ftruncate(fd, 16 * n);
    double *m = mmap(0, 16 * n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), *req = m, *resp = m + n;
    for (size_t i = 0; i < n; i++) req[i] = 2.0;
    eval(l, req, resp, n);
    int a[2], b[2]; pipe(a); pipe(b); char c = 0;
    pid_t pid = fork();
    if (pid == 0) {  // the client: 3 streams
        for (;;) { wait_in(a[0]); if (read(a[0], &c, 1) != 1 || c) _exit(0); step(req, resp, n); write(b[1], &c, 1); }
    }
    // the harness: check, copy into x, evaluate into the response area, norm: 7 streams.
    t = now();
    for (int k = 0; k < iters; k++) {
        c = 0; write(a[1], &c, 1); wait_in(b[0]); read(b[0], &c, 1);
        sink += all_finite(req, n); memcpy(x, req, 8 * n); sink += eval(l, x, resp, n); sink += norm(resp, n);
    }
    double v2 = (now() - t) / iters;
    c = 1; write(a[1], &c, 1); waitpid(pid, 0, 0);
    // The same 10 streams in one process.
    t = now();
    for (int k = 0; k < iters; k++) {
        step(req, resp, n); sink += all_finite(req, n); memcpy(x, req, 8 * n); sink += eval(l, x, resp, n); sink += norm(resp, n);
    }
    double v2one = (now() - t) / iters;
    printf("gd %.3f ms; v2 passes across two processes %.3f ms (%.2fx); the same passes in one process %.3f ms (%.2fx) %d\n",
           gd * 1e3, v2 * 1e3, v2 / gd, v2one * 1e3, v2one / gd, sink > 0);
    return 0;
}
