/*
 * pinned_pingpong.c - the ping-pong of the workload driver (driver.c), with
 * the two threads pinned to two different CPUs.  On the project's 2-vCPU
 * guests the driver's ping-pong cells swing from run to run with where the
 * scheduler puts the threads: a new thread often starts on its parent's
 * vCPU, and the two then take turns there for milliseconds
 * (bench/NOTES.md).  Pinned apart, the figure is the hand-off itself, to
 * compare two builds of the library by: run each in turn, several times.
 * It is not a figure of the comparison with the peers, whose threads are
 * not pinned.
 *
 * Command line: pinned_pingpong [FLAVOR [ROUND_TRIPS [RUNS]]], FLAVOR one of
 * unbounded, bounded1000, bounded1, bounded0 (default: all four),
 * ROUND_TRIPS per run (default 200,000), RUNS (default 5).
 * Output, one line per flavor: `pinned_pingpong FLAVOR median_ns min_ns
 * max_ns` (ns per round trip over the runs).  Exit status 77 (skipped)
 * where two CPUs cannot be had, 1 if a channel call failed.
 */
#include "clock.h"

#include <mpsc.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS 101

static const struct {
    const char *name;
    size_t bound; /* SIZE_MAX: unbounded */
} FLAVORS[] = {{"unbounded", SIZE_MAX}, {"bounded1000", 1000}, {"bounded1", 1}, {"bounded0", 0}};

static void check(mpsc_status st, const char *what)
{
    if (st != MPSC_OK) {
        fprintf(stderr, "pinned_pingpong: %s: %s\n", what, mpsc_status_str(st));
        exit(1);
    }
}

/* Pins the calling thread to cpu; false if the system refuses. */
static bool pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

struct ponger {
    int cpu;
    mpsc_receiver *ping;
    mpsc_sender *pong;
    uint64_t rounds;
};

static void *ponger_main(void *arg)
{
    struct ponger *p = arg;
    if (!pin(p->cpu)) {
        fprintf(stderr, "pinned_pingpong: cannot pin to CPU %d\n", p->cpu);
        exit(77);
    }
    for (uint64_t i = 0; i < p->rounds; i++) {
        uint64_t v;
        check(mpsc_recv(p->ping, &v), "ponger recv");
        v++;
        check(mpsc_send(p->pong, &v), "ponger send");
    }
    mpsc_receiver_drop(p->ping);
    mpsc_sender_drop(p->pong);
    return NULL;
}

static void open_channel(size_t bound, mpsc_sender **tx, mpsc_receiver **rx)
{
    if (bound == SIZE_MAX)
        check(mpsc_channel(sizeof(uint64_t), tx, rx), "mpsc_channel");
    else
        check(mpsc_sync_channel(sizeof(uint64_t), bound, tx, rx), "mpsc_sync_channel");
}

/* One run: ns per round trip, the main thread on cpus[0], the ponger on
 * cpus[1]. */
static double run(size_t bound, uint64_t rounds, const int cpus[2])
{
    mpsc_sender *ping_tx, *pong_tx;
    mpsc_receiver *ping_rx, *pong_rx;
    open_channel(bound, &ping_tx, &ping_rx);
    open_channel(bound, &pong_tx, &pong_rx);
    /* The ponger's two handles are its own (the debug build checks). */
    struct ponger p = {cpus[1], mpsc_move(ping_rx), mpsc_move(pong_tx), rounds};
    pthread_t t;
    if (pthread_create(&t, NULL, ponger_main, &p) != 0) {
        perror("pinned_pingpong: pthread_create");
        exit(1);
    }
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < rounds; i++) {
        uint64_t v = i;
        check(mpsc_send(ping_tx, &v), "send");
        check(mpsc_recv(pong_rx, &v), "recv");
        if (v != i + 1) {
            fprintf(stderr, "pinned_pingpong: round trip %llu came back as %llu\n", (unsigned long long)i,
                    (unsigned long long)v);
            exit(1);
        }
    }
    uint64_t t1 = now_ns();
    pthread_join(t, NULL);
    mpsc_sender_drop(ping_tx);
    mpsc_receiver_drop(pong_rx);
    return (double)(t1 - t0) / (double)rounds;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    uint64_t rounds = argc > 2 ? strtoull(argv[2], NULL, 10) : 200000;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    if (rounds == 0 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: pinned_pingpong [FLAVOR [ROUND_TRIPS [RUNS (1-%d)]]]\n", MAX_RUNS);
        return 2;
    }

    /* The first two CPUs this process may run on. */
    cpu_set_t allowed;
    int cpus[2], found = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
            if (CPU_ISSET(cpu, &allowed))
                cpus[found++] = cpu;
    if (found < 2 || !pin(cpus[0])) {
        fprintf(stderr, "pinned_pingpong: needs two CPUs to pin the threads to\n");
        return 77;
    }

    bool any = false;
    for (size_t f = 0; f < sizeof FLAVORS / sizeof FLAVORS[0]; f++) {
        if (only != NULL && strcmp(only, FLAVORS[f].name) != 0)
            continue;
        any = true;
        double ns[MAX_RUNS];
        for (int r = 0; r < runs; r++)
            ns[r] = run(FLAVORS[f].bound, rounds, cpus);
        qsort(ns, (size_t)runs, sizeof ns[0], by_value);
        double median = runs % 2 ? ns[runs / 2] : (ns[runs / 2 - 1] + ns[runs / 2]) / 2;
        printf("pinned_pingpong %s %.1f %.1f %.1f\n", FLAVORS[f].name, median, ns[0], ns[runs - 1]);
        fflush(stdout);
    }
    if (!any) {
        fprintf(stderr, "pinned_pingpong: unknown flavor %s\n", only);
        return 2;
    }
    return 0;
}
