/*
 * stress_timeouts.c - recv_timeout, recv_deadline and send_timeout on every
 * flavor where they can time out, with timeouts from 0 to 5 ms, while a
 * second thread interrupts the waiting thread with signals (each one ends a
 * futex wait early with EINTR).  Fails if any call returns before its
 * deadline, or absurdly late (over a second); prints the distribution of the
 * lateness (return time minus deadline) for each form.
 */
#include "stress.h"

#include <stdatomic.h>
#include <stdbool.h>

#define ABSURD_NS UINT64_C(1000000000)

static void on_signal(int sig)
{
    (void)sig;
}

/* The interrupting thread: signals the waiter every 300 us until told to stop. */
struct pest {
    pthread_t target;
    atomic_bool stop;
    _Atomic long sent;
};

static void *pest_main(void *arg)
{
    struct pest *p = arg;
    while (!atomic_load(&p->stop)) {
        pthread_kill(p->target, SIGUSR1);
        atomic_fetch_add(&p->sent, 1);
        stress_sleep_ns(300000);
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

enum form { RECV_TIMEOUT, RECV_DEADLINE, SEND_TIMEOUT };
static const char *const form_names[] = {"recv_timeout", "recv_deadline", "send_timeout"};

/* Times one call; returns its lateness in ns, failing on an early return. */
static uint64_t time_one(enum form f, mpsc_sender *tx, mpsc_receiver *rx, uint64_t timeout)
{
    long v = 7;
    mpsc_status st;
    uint64_t deadline;
    if (f == RECV_DEADLINE) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        deadline = (uint64_t)dl.tv_sec * UINT64_C(1000000000) + (uint64_t)dl.tv_nsec + timeout;
        dl.tv_sec = (time_t)(deadline / 1000000000u);
        dl.tv_nsec = (long)(deadline % 1000000000u);
        st = mpsc_recv_deadline(rx, &v, &dl);
    } else {
        /* The library reads the clock after this, so its deadline is at
         * least ours: returning before ours is returning early. */
        deadline = stress_now_ns() + timeout;
        st = f == RECV_TIMEOUT ? mpsc_recv_timeout(rx, &v, timeout) : mpsc_send_timeout(tx, &v, timeout);
    }
    uint64_t end = stress_now_ns();
    STRESS_CHECK(st == MPSC_TIMEOUT);
    if (end < deadline) {
        fprintf(stderr, "%s(%llu ns) returned %llu ns before its deadline\n", form_names[f],
                (unsigned long long)timeout, (unsigned long long)(deadline - end));
        exit(1);
    }
    STRESS_CHECK(end - deadline < ABSURD_NS);
    return end - deadline;
}

struct dist {
    uint64_t *v;
    size_t n;
};

static void dist_print(const char *what, struct dist *d)
{
    qsort(d->v, d->n, sizeof *d->v, cmp_u64);
    size_t p99 = d->n * 99 / 100;
    printf("  %-38s n=%-5zu lateness us: min %8.1f  median %8.1f  p99 %8.1f  max %8.1f\n", what, d->n,
           (double)d->v[0] / 1e3, (double)d->v[d->n / 2] / 1e3, (double)d->v[p99 < d->n ? p99 : d->n - 1] / 1e3,
           (double)d->v[d->n - 1] / 1e3);
}

int main(void)
{
    stress_watchdog((unsigned)(120 * stress_scale()) + 60);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: interrupted waits return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    static const uint64_t timeouts[] = {0, 10000, 100000, 1000000, 5000000};
    size_t per_case = stress_scaled(60, 5);
    struct dist all[3] = {{0}};
    for (int f = 0; f < 3; f++) {
        all[f].v = calloc(per_case * 5 * STRESS_NFLAVORS, sizeof(uint64_t));
        STRESS_CHECK(all[f].v != NULL);
    }
    size_t calls = 0;
    printf("stress_timeouts: %zu calls per form, flavor and timeout (0, 10 us, 100 us, 1 ms, 5 ms), "
           "the waiter interrupted by signals every 300 us\n",
           per_case);
    struct pest pest = {.target = pthread_self()};
    pthread_t pest_thread;
    STRESS_CHECK(pthread_create(&pest_thread, NULL, pest_main, &pest) == 0);
    for (size_t fi = 0; fi < STRESS_NFLAVORS; fi++) {
        const struct stress_flavor *fl = &stress_flavors[fi];
        mpsc_sender *tx;
        mpsc_receiver *rx;
        mpsc_config cfg = {.elem_size = sizeof(long), .bounded = fl->bounded, .bound = fl->bound};
        STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
        /* A full channel for send_timeout (a rendezvous is "full" while
         * nobody receives; an unbounded channel never is). */
        long v = 1;
        for (size_t i = 0; fl->bounded && i < fl->bound; i++)
            STRESS_EXPECT(mpsc_try_send(tx, &v), MPSC_OK);
        for (int f = 0; f < 3; f++) {
            if (f == SEND_TIMEOUT && !fl->bounded)
                continue;
            /* recv on an empty channel: drain what the send case filled. */
            if (f != SEND_TIMEOUT)
                while (mpsc_try_recv(rx, &v) == MPSC_OK) {
                }
            for (size_t ti = 0; ti < 5; ti++)
                for (size_t i = 0; i < per_case; i++) {
                    all[f].v[all[f].n++] = time_one((enum form)f, tx, rx, timeouts[ti]);
                    calls++;
                }
            if (f == SEND_TIMEOUT)
                continue;
            /* Refill for the next form's send case. */
            for (size_t i = 0; fl->bounded && i < fl->bound; i++)
                STRESS_EXPECT(mpsc_try_send(tx, &v), MPSC_OK);
        }
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
    atomic_store(&pest.stop, true);
    stress_join(pest_thread, 10.0);
    for (int f = 0; f < 3; f++) {
        char what[64];
        snprintf(what, sizeof what, "%s (all flavors and timeouts)", form_names[f]);
        dist_print(what, &all[f]);
        free(all[f].v);
    }
    printf("stress_timeouts: %zu timed calls, %ld signals, none returned early: ok\n", calls, atomic_load(&pest.sent));
    return 0;
}
