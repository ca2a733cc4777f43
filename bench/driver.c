/*
 * driver.c - the C workload driver, written once against adapter.h; link it
 * with one adapter to get one peer binary.  Copied from the project's
 * benchmark anchors (shared/anchors/c/bench_driver.c) so that bench/ builds
 * from a clone alone, with two changes: handles that the Rust workloads move
 * into a thread go through bench_move_sender/bench_move_receiver, so that
 * libmpsc's debug build sees each hand-over (the ponger hands its receiver
 * back when it ends, as a Rust thread returns a value through join); and
 * each thread copies its arguments into its own stack frame before its loop
 * (producer_main says why).
 *
 * Workloads (the same as the Rust and Go programs; modelled on
 * crossbeam-channel's benchmarks/crossbeam-channel.rs):
 *   seq       one thread sends N, then receives N
 *   spsc      one producer thread sends N, the main thread receives them
 *   mpsc      4 producer threads send N/4 each (each on its own cloned
 *             sender), the main thread receives them
 *   pingpong  two threads bounce one value over two channels, N round trips
 * The timed region (CLOCK_MONOTONIC) covers channel creation, thread start-up
 * and join, like crossbeam's suite.  Values are checked (sum, or echo for
 * pingpong) and disconnection is checked, both outside the timed region.
 *
 * Command line:
 *   PROG                       every case with the default counts
 *   PROG WORKLOAD FLAVOR [N]   one case; FLAVOR is unbounded, boundedN
 *                              (capacity = N) or boundedK for a number K
 * Output, one line per case:  peer workload flavor ns_per_msg   (or n/a;
 * for pingpong the figure is ns per round trip).
 */
#define _POSIX_C_SOURCE 200809L

#include "adapter.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_N 5000000u
#define DEFAULT_ROUNDTRIPS 200000u
#define PRODUCERS 4

static const char *const CASES[][2] = {
    {"seq", "unbounded"},       {"seq", "boundedN"},
    {"spsc", "unbounded"},      {"spsc", "bounded1000"},
    {"spsc", "bounded1"},       {"spsc", "bounded0"},
    {"mpsc", "unbounded"},      {"mpsc", "bounded1000"},
    {"mpsc", "bounded1"},       {"mpsc", "bounded0"},
    {"pingpong", "unbounded"},  {"pingpong", "bounded1000"},
    {"pingpong", "bounded1"},   {"pingpong", "bounded0"},
};

static void fail(const char *what)
{
    fprintf(stderr, "%s: error: %s\n", bench_peer_name(), what);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sum of 0..n-1, wrapping. */
static uint64_t sum_0_to(uint64_t n)
{
    return (n % 2 == 0) ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
}

static void make_channel(size_t cap, bench_tx **tx, bench_rx **rx)
{
    if (bench_channel(cap, tx, rx) != 0)
        fail("channel creation failed");
}

static void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(t, NULL, fn, arg);
    if (e != 0) {
        errno = e;
        perror("pthread_create");
        exit(1);
    }
}

static void send_or_fail(bench_tx *tx, uint64_t v)
{
    if (bench_send(tx, v) != 0)
        fail("send failed");
}

static uint64_t recv_or_fail(bench_rx *rx)
{
    uint64_t v;
    if (bench_recv(rx, &v) != 0)
        fail("recv failed");
    return v;
}

/* After every sender is dropped and the channel drained, recv must report
 * disconnection; then the receiver is dropped. */
static void finish_receiver(bench_rx *rx)
{
    uint64_t v;
    if (bench_recv(rx, &v) == 0)
        fail("recv returned a value after all senders were dropped");
    bench_drop_receiver(rx);
}

/* ---- seq ---------------------------------------------------------------- */

static double run_seq(size_t cap, uint64_t n)
{
    bench_tx *tx;
    bench_rx *rx;
    uint64_t sum = 0;
    uint64_t t0 = now_ns();
    make_channel(cap, &tx, &rx);
    for (uint64_t i = 0; i < n; i++)
        send_or_fail(tx, i);
    for (uint64_t i = 0; i < n; i++)
        sum += recv_or_fail(rx);
    uint64_t t1 = now_ns();
    if (sum != sum_0_to(n))
        fail("seq: checksum mismatch");
    bench_drop_sender(tx);
    finish_receiver(rx);
    return (double)(t1 - t0) / (double)n;
}

/* ---- spsc / mpsc -------------------------------------------------------- */

struct producer {
    pthread_t thread;
    bench_tx *tx;
    uint64_t from, to;
};

/* A thread's arguments live in the main thread's stack frame, near what
 * the main thread writes on every receive; so each thread copies them into
 * its own frame first, as the Rust and Go peers' threads own what they
 * capture.  Read through the pointer instead, after every atomic operation
 * of a send (the compiler may not keep them in registers across it), they
 * shared a cache line with the receiving thread's stores in some runs and
 * not others, by where the stack landed: spsc bounded1000 took 29-31 or
 * 44-64 ns a message from run to run, and 28.7-31.1 with the copy. */
static void *producer_main(void *arg)
{
    struct producer *p = arg;
    bench_tx *tx = p->tx;
    uint64_t from = p->from, to = p->to;
    for (uint64_t i = from; i < to; i++)
        send_or_fail(tx, i);
    bench_drop_sender(tx);
    return NULL;
}

static double run_spsc(size_t cap, uint64_t n)
{
    bench_tx *tx;
    bench_rx *rx;
    struct producer p;
    uint64_t sum = 0;
    uint64_t t0 = now_ns();
    make_channel(cap, &tx, &rx);
    p.tx = bench_move_sender(tx); /* moved into the producer, which drops it */
    p.from = 0;
    p.to = n;
    start_thread(&p.thread, producer_main, &p);
    for (uint64_t i = 0; i < n; i++)
        sum += recv_or_fail(rx);
    pthread_join(p.thread, NULL);
    uint64_t t1 = now_ns();
    if (sum != sum_0_to(n))
        fail("spsc: checksum mismatch");
    finish_receiver(rx);
    return (double)(t1 - t0) / (double)n;
}

static double run_mpsc(size_t cap, uint64_t n)
{
    bench_tx *tx;
    bench_rx *rx;
    struct producer p[PRODUCERS];
    uint64_t per = n / PRODUCERS, total = per * PRODUCERS, sum = 0;
    uint64_t t0 = now_ns();
    make_channel(cap, &tx, &rx);
    for (int k = 0; k < PRODUCERS; k++) {
        bench_tx *clone = bench_clone_sender(tx);
        if (!clone)
            fail("clone_sender failed");
        p[k].tx = bench_move_sender(clone);
        p[k].from = (uint64_t)k * per;
        p[k].to = (uint64_t)(k + 1) * per;
        start_thread(&p[k].thread, producer_main, &p[k]);
    }
    bench_drop_sender(tx);
    for (uint64_t i = 0; i < total; i++)
        sum += recv_or_fail(rx);
    for (int k = 0; k < PRODUCERS; k++)
        pthread_join(p[k].thread, NULL);
    uint64_t t1 = now_ns();
    if (sum != sum_0_to(total))
        fail("mpsc: checksum mismatch");
    finish_receiver(rx);
    return (double)(t1 - t0) / (double)total;
}

/* ---- pingpong ----------------------------------------------------------- */

struct ponger {
    bench_rx *ping;
    bench_tx *pong;
    uint64_t rounds;
};

static void *ponger_main(void *arg)
{
    struct ponger *q = arg;
    bench_rx *ping = q->ping; /* copied, as in producer_main */
    bench_tx *pong = q->pong;
    uint64_t rounds = q->rounds;
    for (uint64_t i = 0; i < rounds; i++)
        send_or_fail(pong, recv_or_fail(ping) + 1);
    bench_drop_sender(pong);
    q->ping = bench_move_receiver(ping); /* back to the main thread */
    return NULL;
}

static double run_pingpong(size_t cap, uint64_t rounds)
{
    bench_tx *ping_tx, *pong_tx;
    bench_rx *ping_rx, *pong_rx;
    struct ponger q;
    pthread_t t;
    uint64_t t0 = now_ns();
    make_channel(cap, &ping_tx, &ping_rx);
    make_channel(cap, &pong_tx, &pong_rx);
    q.ping = bench_move_receiver(ping_rx);
    q.pong = bench_move_sender(pong_tx);
    q.rounds = rounds;
    start_thread(&t, ponger_main, &q);
    for (uint64_t i = 0; i < rounds; i++) {
        send_or_fail(ping_tx, i);
        if (recv_or_fail(pong_rx) != i + 1)
            fail("pingpong: wrong value");
    }
    pthread_join(t, NULL);
    uint64_t t1 = now_ns();
    bench_drop_sender(ping_tx);
    finish_receiver(q.ping); /* the ponger's receiver, handed back */
    finish_receiver(pong_rx);
    return (double)(t1 - t0) / (double)rounds;
}

/* ---- command line ------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static void run_case(const char *workload, const char *flavor, uint64_t n)
{
    size_t cap;
    uint64_t k;
    int producers;
    double (*fn)(size_t, uint64_t);

    if (strcmp(flavor, "unbounded") == 0)
        cap = BENCH_UNBOUNDED;
    else if (strcmp(flavor, "boundedN") == 0)
        cap = (size_t)n;
    else if (strncmp(flavor, "bounded", 7) == 0 && parse_u64(flavor + 7, &k) == 0)
        cap = (size_t)k;
    else
        fail("unknown flavor");

    if (strcmp(workload, "seq") == 0) {
        fn = run_seq;
        producers = 1;
    } else if (strcmp(workload, "spsc") == 0) {
        fn = run_spsc;
        producers = 1;
    } else if (strcmp(workload, "mpsc") == 0) {
        fn = run_mpsc;
        producers = PRODUCERS;
    } else if (strcmp(workload, "pingpong") == 0) {
        fn = run_pingpong;
        producers = 1;
    } else {
        fail("unknown workload");
        return;
    }

    if (!bench_supports(cap, producers)) {
        printf("%s %s %s n/a\n", bench_peer_name(), workload, flavor);
    } else {
        double ns = fn(cap, n);
        printf("%s %s %s %.2f\n", bench_peer_name(), workload, flavor, ns);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
            int pp = strcmp(CASES[i][0], "pingpong") == 0;
            run_case(CASES[i][0], CASES[i][1], pp ? DEFAULT_ROUNDTRIPS : DEFAULT_N);
        }
        return 0;
    }
    if (argc == 3 || argc == 4) {
        uint64_t n = strcmp(argv[1], "pingpong") == 0 ? DEFAULT_ROUNDTRIPS : DEFAULT_N;
        if (argc == 4 && (parse_u64(argv[3], &n) != 0 || n == 0))
            fail("bad N");
        run_case(argv[1], argv[2], n);
        return 0;
    }
    fprintf(stderr, "usage: %s [WORKLOAD FLAVOR [N]]\n", argv[0]);
    return 2;
}
