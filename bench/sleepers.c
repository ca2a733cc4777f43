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

int main(void)
{
    run_reply();
    run_gather();
    run_consumer();
    return 0;
}
