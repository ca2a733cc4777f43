/*
 * unit.h - helpers shared by the Criterion suites in tests/unit: the three
 * channel flavors as a table, monotonic clock readings, short sleeps, and
 * threads that wait on atomic flags.
 */
#ifndef MPSC_UNIT_H
#define MPSC_UNIT_H

#include <criterion/criterion.h>

#include <mpsc.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* One of Rust's three channel kinds: channel(), sync_channel(n > 0) and
 * sync_channel(0). */
struct unit_flavor {
    const char *name;
    bool bounded;
    size_t bound;
};

#define UNIT_UNBOUNDED ((struct unit_flavor){"unbounded", false, 0})
#define UNIT_BOUNDED(n) ((struct unit_flavor){"bounded", true, (n)})
#define UNIT_RENDEZVOUS ((struct unit_flavor){"rendezvous", true, 0})

/* A bound above the largest ring (src/chan.h, MPSC__RING_MAX): such a
 * channel is the unbounded queue's blocks with a limit on the tail, and
 * must keep every rule of a bounded channel all the same. */
#define UNIT_LARGE_BOUND ((size_t)65537)

/* Creates a channel of the flavor and fails the test if that does not work. */
static inline void unit_open(struct unit_flavor fl, size_t elem_size, mpsc_drop_fn drop, mpsc_sender **tx,
                             mpsc_receiver **rx)
{
    mpsc_config cfg = {.elem_size = elem_size, .bounded = fl.bounded, .bound = fl.bound, .drop = drop};
    mpsc_status st = mpsc_channel_new(&cfg, tx, rx);
    cr_assert_eq(st, MPSC_OK, "creating a %s channel: %s", fl.name, mpsc_status_str(st));
}

/* CLOCK_MONOTONIC in nanoseconds: the clock the library's timeouts use. */
static inline uint64_t unit_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

#define UNIT_MS UINT64_C(1000000)

/* Sleeps at least ms milliseconds, whatever signal interrupts it. */
static inline void unit_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        continue;
}

/* Spins (politely) until *flag is non-zero. */
static inline void unit_wait_flag(atomic_int *flag)
{
    while (atomic_load(flag) == 0)
        sched_yield();
}

static inline pthread_t unit_spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, fn, arg), 0, "pthread_create failed");
    return t;
}

static inline void unit_join(pthread_t t)
{
    cr_assert_eq(pthread_join(t, NULL), 0, "pthread_join failed");
}


/* A thread that makes one blocking send of msg and records when it
 * returned, so that the test can tell whether it blocked. */
struct unit_sender {
    mpsc_sender *tx;
    int msg;
    atomic_int started;
    atomic_int returned;
    uint64_t returned_at;
    mpsc_status st;
};

static inline void *unit_send_one(void *arg)
{
    struct unit_sender *s = arg;
    atomic_store(&s->started, 1);
    s->st = mpsc_send(s->tx, &s->msg);
    s->returned_at = unit_now_ns();
    atomic_store(&s->returned, 1);
    return NULL;
}

static inline pthread_t unit_spawn_sender(struct unit_sender *s, mpsc_sender *tx, int msg)
{
    s->tx = tx;
    s->msg = msg;
    atomic_init(&s->started, 0);
    atomic_init(&s->returned, 0);
    s->returned_at = 0;
    s->st = MPSC_EINVAL;
    return unit_spawn(unit_send_one, s);
}

/* Gives a started sender ms milliseconds to return, and fails the test if
 * it did: its send must be blocked. */
static inline void unit_assert_still_blocked(struct unit_sender *s, unsigned ms, const char *why)
{
    unit_wait_flag(&s->started);
    unit_sleep_ms(ms);
    cr_assert_eq(atomic_load(&s->returned), 0, "send returned %s", why);
}

/* Receives a started sender's message on rx, checks it, and joins the
 * sender, whose send must then have succeeded. */
static inline void unit_recv_from(mpsc_receiver *rx, struct unit_sender *s, pthread_t t)
{
    int out = -1;
    mpsc_status st = mpsc_recv(rx, &out);
    cr_assert_eq(st, MPSC_OK, "recv said %s", mpsc_status_str(st));
    cr_assert_eq(out, s->msg, "received %d, the sender sent %d", out, s->msg);
    unit_join(t);
    cr_assert_eq(s->st, MPSC_OK, "the sender's send said %s", mpsc_status_str(s->st));
}

#endif /* MPSC_UNIT_H */
