/*
 * sleepers.c - what channels cost when a thread sleeps on almost every
 * message, the patterns the workload driver (driver.c) never reaches: its
 * threads stream or spin.  These are where the solo sends' heavy fences
 * (docs/design.md, "One sending thread") could add up.
 *
 * Cases:
 *   reply     request/reply: main sends a worker thread a request carrying
 *             the Sender of a fresh bounded(1) channel, the worker answers
 *             on it and drops it, main receives and drops the Receiver;
 *             per request
 *   gather    main hands each of two worker threads a job carrying a clone
 *             of the Sender of a fresh channel, each worker sends one
 *             result on it and drops it, main receives both and drops the
 *             Receiver; per gather
 *   consumer  a producer that computes for 50 us between sends (a busy
 *             loop), a consumer that blocks for each message; per message
 *   fullN     the other way round: a consumer that computes for 50 us after
 *             each receive, a producer that keeps a bounded(N) channel full
 *             and so sleeps on it about once a message; per message, the
 *             consumer's 50 us of work included.  N = 1 (a hand-off, whose
 *             sender never runs the heavy fence), 1000 (a ring that slips)
 *             and 65537 (the unbounded queue's blocks with a limit): on the
 *             last two a sender about to sleep runs the heavy fence until
 *             the receiver's credit for it is spent (docs/design.md)
 * Output: one line per case, `sleepers CASE wall_us cpu_us` (CPU of the
 * whole process, user + system).  Exit status 1 if a channel call failed.
 */
#include "clock.h"

#include <mpsc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define REQUESTS 20000
#define WORKERS 2
#define MESSAGES 4000
#define WORK_NS 50000

/* CPU time of the process, user plus system, in nanoseconds. */
static uint64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

static void check(mpsc_status st, const char *what)
{
    if (st != MPSC_OK) {
        fprintf(stderr, "sleepers: %s: %s\n", what, mpsc_status_str(st));
        exit(1);
    }
}

static void report(const char *name, uint64_t wall0, uint64_t cpu0, unsigned n)
{
    printf("sleepers %s %.2f %.2f\n", name, (double)(now_ns() - wall0) / n / 1000,
           (double)(cpu_ns() - cpu0) / n / 1000);
}

/* ---- reply --------------------------------------------------------------- */

struct request {
    uint64_t x;
    mpsc_sender *reply;
};

static void *worker(void *arg)
{
    mpsc_receiver *requests = arg;
    struct request r;
    while (mpsc_recv(requests, &r) == MPSC_OK) {
        uint64_t y = 2 * r.x;
        check(mpsc_send(r.reply, &y), "worker: send");
        mpsc_sender_drop(r.reply);
    }
    mpsc_receiver_drop(requests);
    return NULL;
}

static void run_reply(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    check(mpsc_channel(sizeof(struct request), &tx, &rx), "mpsc_channel");
    pthread_t t;
    if (pthread_create(&t, NULL, worker, mpsc_move(rx)) != 0)
        exit(1);
    uint64_t wall0 = now_ns(), cpu0 = cpu_ns();
    for (uint64_t i = 0; i < REQUESTS; i++) {
        mpsc_sender *reply_tx;
        mpsc_receiver *reply_rx;
        check(mpsc_sync_channel(sizeof(uint64_t), 1, &reply_tx, &reply_rx), "mpsc_sync_channel");
        struct request r = {i, mpsc_move(reply_tx)};
        check(mpsc_send(tx, &r), "main: send");
        uint64_t y;
        check(mpsc_recv(reply_rx, &y), "main: recv");
        if (y != 2 * i) {
            fprintf(stderr, "sleepers: reply %llu to request %llu\n", (unsigned long long)y, (unsigned long long)i);
            exit(1);
        }
        mpsc_receiver_drop(reply_rx);
    }
    report("reply", wall0, cpu0, REQUESTS);
    mpsc_sender_drop(tx);
    pthread_join(t, NULL);
}

/* ---- gather -------------------------------------------------------------- */

static void run_gather(void)
{
    mpsc_sender *jobs[WORKERS];
    pthread_t t[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        mpsc_receiver *rx;
        check(mpsc_channel(sizeof(struct request), &jobs[w], &rx), "mpsc_channel");
        if (pthread_create(&t[w], NULL, worker, mpsc_move(rx)) != 0)
            exit(1);
    }
    uint64_t wall0 = now_ns(), cpu0 = cpu_ns();
    for (uint64_t i = 0; i < REQUESTS; i++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        check(mpsc_channel(sizeof(uint64_t), &tx, &rx), "mpsc_channel");
        for (int w = 0; w < WORKERS; w++) {
            mpsc_sender *clone = mpsc_sender_clone(tx);
            if (clone == NULL)
                exit(1);
            struct request r = {i + (uint64_t)w, mpsc_move(clone)};
            check(mpsc_send(jobs[w], &r), "main: send");
        }
        mpsc_sender_drop(tx);
        uint64_t sum = 0, y;
        while (mpsc_recv(rx, &y) == MPSC_OK)
            sum += y;
        if (sum != 2 * (WORKERS * i + WORKERS * (WORKERS - 1) / 2)) {
            fprintf(stderr, "sleepers: gather %llu summed to %llu\n", (unsigned long long)i, (unsigned long long)sum);
            exit(1);
        }
        mpsc_receiver_drop(rx);
    }
    report("gather", wall0, cpu0, REQUESTS);
    for (int w = 0; w < WORKERS; w++) {
        mpsc_sender_drop(jobs[w]);
        pthread_join(t[w], NULL);
    }
}

/* ---- consumer ------------------------------------------------------------ */

static void *consume(void *arg)
{
    mpsc_receiver *rx = arg;
    uint64_t v, expected = 0;
    while (mpsc_recv(rx, &v) == MPSC_OK)
        if (v != expected++) {
            fprintf(stderr, "sleepers: consumer got %llu\n", (unsigned long long)v);
            exit(1);
        }
    if (expected != MESSAGES)
        exit(1);
    mpsc_receiver_drop(rx);
    return NULL;
}

static void run_consumer(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    check(mpsc_channel(sizeof(uint64_t), &tx, &rx), "mpsc_channel");
    pthread_t t;
    if (pthread_create(&t, NULL, consume, mpsc_move(rx)) != 0)
        exit(1);
    uint64_t wall0 = now_ns(), cpu0 = cpu_ns();
    for (uint64_t i = 0; i < MESSAGES; i++) {
        for (uint64_t until = now_ns() + WORK_NS; now_ns() < until;)
            ;
        check(mpsc_send(tx, &i), "producer: send");
    }
    mpsc_sender_drop(tx);
    pthread_join(t, NULL);
    report("consumer", wall0, cpu0, MESSAGES);
}

/* ---- fullN --------------------------------------------------------------- */

struct full_producer {
    mpsc_sender *tx;
    uint64_t count;
};

static void *produce_into_full(void *arg)
{
    struct full_producer *p = arg;
    for (uint64_t i = 0; i < p->count; i++)
        check(mpsc_send(p->tx, &i), "producer: send");
    mpsc_sender_drop(p->tx);
    return NULL;
}

static void run_full(size_t bound)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    check(mpsc_sync_channel(sizeof(uint64_t), bound, &tx, &rx), "mpsc_sync_channel");
    struct full_producer p = {mpsc_move(tx), bound + MESSAGES};
    pthread_t t;
    if (pthread_create(&t, NULL, produce_into_full, &p) != 0)
        exit(1);
    while (mpsc_len(rx) < bound) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    uint64_t wall0 = now_ns(), cpu0 = cpu_ns(), v, expected = 0;
    for (; expected < MESSAGES; expected++) {
        check(mpsc_recv(rx, &v), "consumer: recv");
        if (v != expected) {
            fprintf(stderr, "sleepers: consumer got %llu\n", (unsigned long long)v);
            exit(1);
        }
        for (uint64_t until = now_ns() + WORK_NS; now_ns() < until;)
            ;
    }
    char name[32];
    snprintf(name, sizeof name, "full%zu", bound);
    report(name, wall0, cpu0, MESSAGES);
    while (mpsc_recv(rx, &v) == MPSC_OK)
        if (v != expected++)
            exit(1);
    if (expected != bound + MESSAGES)
        exit(1);
    pthread_join(t, NULL);
    mpsc_receiver_drop(rx);
}

int main(void)
{
    run_reply();
    run_gather();
    run_consumer();
    run_full(1);
    run_full(1000);
    run_full(65537);
    return 0;
}
