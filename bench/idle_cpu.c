/*
 * idle_cpu.c - how much CPU a thread blocked in libmpsc burns while it waits
 * (performance issue: under 5 ms of CPU over a 1-second block).  Each case
 * blocks one thread for about a second and reads that thread's own CPU time
 * (getrusage RUSAGE_THREAD, user + system) around the blocking call.
 *
 * Cases: a receiver in mpsc_recv on an empty channel (unbounded, bounded(1),
 * rendezvous) until a sender thread sends after a second; a receiver in
 * mpsc_recv_timeout(1 s) that times out; a sender in mpsc_send on a full
 * bounded(1) channel until the receiver takes a message after a second; a
 * receiver in mpsc_recv right after its send woke a sleeping thread, which
 * answers a second later (a wait that follows a wake-up spins longer, up
 * to 50 us, park.h).
 * Output: one line per case, `idle CASE cpu_ms wall_ms`; exit status 1 if a
 * case used more than LIMIT_MS of CPU or a channel call failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RUSAGE_THREAD */
#endif

#include "clock.h"

#include <mpsc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define BLOCK_NS 1000000000u
#define LIMIT_MS 5.0

/* CPU time of the calling thread, user plus system, in nanoseconds. */
static uint64_t thread_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0) {
        perror("getrusage");
        exit(1);
    }
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void check(mpsc_status st, const char *what)
{
    if (st != MPSC_OK) {
        fprintf(stderr, "idle_cpu: %s: %s\n", what, mpsc_status_str(st));
        exit(1);
    }
}

static int failures;

static void report(const char *name, uint64_t cpu_ns, uint64_t wall_ns)
{
    double cpu_ms = (double)cpu_ns / 1e6;
    printf("idle %s %.3f %.1f\n", name, cpu_ms, (double)wall_ns / 1e6);
    fflush(stdout);
    if (cpu_ms > LIMIT_MS)
        failures++;
}

/* A sender thread that sleeps a second, sends one value and drops its handle. */
static void *late_sender(void *arg)
{
    mpsc_sender *tx = arg;
    uint64_t v = 42;
    sleep_ns(BLOCK_NS);
    check(mpsc_send(tx, &v), "late send");
    mpsc_sender_drop(tx);
    return NULL;
}

/* The receiver blocks in mpsc_recv until the late sender's value arrives. */
static void blocked_recv(const char *name, int bounded, size_t bound)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    pthread_t t;
    uint64_t v = 0;
    check(bounded ? mpsc_sync_channel(sizeof v, bound, &tx, &rx) : mpsc_channel(sizeof v, &tx, &rx),
          "channel");
    if (pthread_create(&t, NULL, late_sender, mpsc_move(tx)) != 0)
        exit(1);
    uint64_t c0 = thread_cpu_ns(), w0 = now_ns();
    check(mpsc_recv(rx, &v), "recv");
    uint64_t c1 = thread_cpu_ns(), w1 = now_ns();
    pthread_join(t, NULL);
    if (v != 42) {
        fprintf(stderr, "idle_cpu: %s: wrong value\n", name);
        exit(1);
    }
    mpsc_receiver_drop(rx);
    report(name, c1 - c0, w1 - w0);
}

/* The receiver waits in mpsc_recv_timeout for a second on a channel whose
 * sender is alive but silent. */
static void timed_out_recv(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    uint64_t v;
    check(mpsc_channel(sizeof v, &tx, &rx), "channel");
    uint64_t c0 = thread_cpu_ns(), w0 = now_ns();
    mpsc_status st = mpsc_recv_timeout(rx, &v, BLOCK_NS);
    uint64_t c1 = thread_cpu_ns(), w1 = now_ns();
    if (st != MPSC_TIMEOUT) {
        fprintf(stderr, "idle_cpu: recv_timeout returned %s\n", mpsc_status_str(st));
        exit(1);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    report("recv_timeout_1s", c1 - c0, w1 - w0);
}

/* A receiver thread that sleeps a second, then takes one value. */
static void *late_receiver(void *arg)
{
    mpsc_receiver *rx = arg;
    uint64_t v;
    sleep_ns(BLOCK_NS);
    check(mpsc_recv(rx, &v), "late recv");
    check(mpsc_recv(rx, &v), "late recv");
    mpsc_receiver_drop(rx);
    return NULL;
}

/* The sender blocks in mpsc_send on a full bounded(1) channel. */
static void blocked_send(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    pthread_t t;
    uint64_t v = 1;
    check(mpsc_sync_channel(sizeof v, 1, &tx, &rx), "channel");
    check(mpsc_send(tx, &v), "first send");
    if (pthread_create(&t, NULL, late_receiver, mpsc_move(rx)) != 0)
        exit(1);
    uint64_t c0 = thread_cpu_ns(), w0 = now_ns();
    check(mpsc_send(tx, &v), "blocked send");
    uint64_t c1 = thread_cpu_ns(), w1 = now_ns();
    pthread_join(t, NULL);
    mpsc_sender_drop(tx);
    report("send_full_bounded1", c1 - c0, w1 - w0);
}

struct answerer {
    mpsc_receiver *rx;
    mpsc_sender *tx;
};

/* Sleeps in mpsc_recv until the main thread wakes it, then answers a
 * second later. */
static void *late_answer(void *arg)
{
    struct answerer *a = arg;
    uint64_t v;
    check(mpsc_recv(a->rx, &v), "answerer recv");
    sleep_ns(BLOCK_NS);
    check(mpsc_send(a->tx, &v), "answer");
    mpsc_receiver_drop(a->rx);
    mpsc_sender_drop(a->tx);
    return NULL;
}

/* The receiver blocks in mpsc_recv just after waking the thread it waits for. */
static void recv_after_wake(void)
{
    mpsc_sender *ping_tx, *pong_tx;
    mpsc_receiver *ping_rx, *pong_rx;
    struct answerer a;
    pthread_t t;
    uint64_t v = 7;
    check(mpsc_channel(sizeof v, &ping_tx, &ping_rx), "channel");
    check(mpsc_channel(sizeof v, &pong_tx, &pong_rx), "channel");
    a.rx = mpsc_move(ping_rx);
    a.tx = mpsc_move(pong_tx);
    if (pthread_create(&t, NULL, late_answer, &a) != 0)
        exit(1);
    sleep_ns(BLOCK_NS / 10); /* long enough for the answerer to fall asleep */
    check(mpsc_send(ping_tx, &v), "ping");
    uint64_t c0 = thread_cpu_ns(), w0 = now_ns();
    check(mpsc_recv(pong_rx, &v), "recv");
    uint64_t c1 = thread_cpu_ns(), w1 = now_ns();
    pthread_join(t, NULL);
    mpsc_sender_drop(ping_tx);
    mpsc_receiver_drop(pong_rx);
    report("recv_after_wake", c1 - c0, w1 - w0);
}

int main(void)
{
    blocked_recv("recv_unbounded", 0, 0);
    blocked_recv("recv_bounded1", 1, 1);
    blocked_recv("recv_bounded0", 1, 0);
    timed_out_recv();
    blocked_send();
    recv_after_wake();
    if (failures) {
        fprintf(stderr, "idle_cpu: %d case(s) used more than %.0f ms of CPU while blocked\n", failures, LIMIT_MS);
        return 1;
    }
    return 0;
}
