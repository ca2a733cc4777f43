/*
 * soak.c - at least 100 million messages (times MPSC_STRESS_SCALE) through
 * channels of every flavor, created and dropped round after round, checking
 * each producer's order and count and that resident memory stays flat: the
 * largest RSS seen after the first cycle of rounds (sampled between rounds
 * and every 2^20 messages within them) may exceed the first cycle's by at
 * most SLACK_MIB.  Not part of `meson test`; run it with
 *     meson test -C <builddir> --benchmark --suite soak
 */
#include "stress.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#define SLACK_MIB 8
#define MAX_PRODUCERS 4
/* Producers of an unbounded channel pause while more than this many messages
 * are queued, so the queue's depth (and so the memory it needs) is bounded
 * and any growth of RSS means memory that was not given back. */
#define MAX_BACKLOG 262144
#define PUBLISH_EVERY 1024

struct round_kind {
    const struct stress_flavor *flavor;
    int producers;
    size_t messages;
};

struct round {
    const struct round_kind *kind;
    mpsc_sender *tx[MAX_PRODUCERS];
    size_t per_producer;
    _Atomic size_t produced, consumed; /* in steps of PUBLISH_EVERY: throttling only */
};

struct producer {
    struct round *round;
    uint32_t id;
};

static void *producer_main(void *arg)
{
    struct producer *p = arg;
    struct round *r = p->round;
    mpsc_sender *tx = r->tx[p->id];
    for (uint64_t seq = 0; seq < r->per_producer; seq++) {
        uint64_t m[2] = {p->id, seq};
        STRESS_EXPECT(mpsc_send(tx, m), MPSC_OK);
        if ((seq + 1) % PUBLISH_EVERY == 0) {
            /* Relaxed: a throttle, not a synchronisation.  The consumer's
             * count may run ahead of this one (other producers publish
             * late), so compare without subtracting. */
            size_t produced = atomic_fetch_add_explicit(&r->produced, PUBLISH_EVERY, memory_order_relaxed);
            while (produced > atomic_load_explicit(&r->consumed, memory_order_relaxed) + MAX_BACKLOG)
                sched_yield();
        }
    }
    mpsc_sender_drop(tx);
    return NULL;
}

/* Runs one round; raises *peak_rss to the largest RSS sampled during it. */
static size_t run_round(const struct round_kind *k, size_t *peak_rss)
{
    static struct round r;
    memset(&r, 0, sizeof r);
    r.kind = k;
    r.per_producer = k->messages / (size_t)k->producers;
    mpsc_sender *tx;
    mpsc_receiver *rx;
    mpsc_config cfg = {.elem_size = 2 * sizeof(uint64_t), .bounded = k->flavor->bounded, .bound = k->flavor->bound};
    STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    for (int i = 0; i < k->producers; i++) {
        mpsc_sender *mine = i + 1 < k->producers ? mpsc_sender_clone(tx) : tx;
        STRESS_CHECK(mine != NULL);
        r.tx[i] = mpsc_move(mine);
    }
    struct producer prod[MAX_PRODUCERS];
    pthread_t t[MAX_PRODUCERS];
    for (int i = 0; i < k->producers; i++) {
        prod[i] = (struct producer){&r, (uint32_t)i};
        STRESS_CHECK(pthread_create(&t[i], NULL, producer_main, &prod[i]) == 0);
    }
    uint64_t next[MAX_PRODUCERS] = {0};
    uint64_t m[2];
    size_t received = 0;
    MPSC_FOR_EACH(m, rx)
    {
        STRESS_CHECK(m[0] < (uint64_t)k->producers);
        STRESS_CHECK(m[1] == next[m[0]]);
        next[m[0]]++;
        if (++received % PUBLISH_EVERY == 0)
            atomic_fetch_add_explicit(&r.consumed, PUBLISH_EVERY, memory_order_relaxed);
        /* Mid-round samples too: a long-lived channel must not creep. */
        if (received % (1u << 20) == 0) {
            size_t now = stress_rss_bytes();
            if (now > *peak_rss)
                *peak_rss = now;
        }
    }
    mpsc_receiver_drop(rx);
    for (int i = 0; i < k->producers; i++) {
        stress_join(t[i], 600.0);
        STRESS_CHECK(next[i] == r.per_producer);
    }
    return received;
}

int main(void)
{
    stress_watchdog((unsigned)(3600 * stress_scale()) + 300);
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines as they come, even into a log */
    const struct stress_flavor *unb = &stress_flavors[0], *b1000 = &stress_flavors[1], *b1 = &stress_flavors[2],
                               *zero = &stress_flavors[3];
    /* One cycle: about 8.3 million messages, most through the fast flavors. */
    const struct round_kind cycle[] = {
        {unb, 4, 2000000}, {b1000, 2, 2000000}, {unb, 1, 2000000},
        {b1000, 4, 2000000}, {b1, 2, 200000}, {zero, 2, 50000},
    };
    const size_t ncycle = sizeof cycle / sizeof cycle[0];
    size_t target = stress_scaled(100000000, 1000000);
    size_t total = 0, rounds = 0, first_cycle_max = 0, later_max = 0;
    uint64_t t0 = stress_now_ns();
    while (total < target || rounds < ncycle) {
        size_t rss = stress_rss_bytes();
        total += run_round(&cycle[rounds % ncycle], &rss);
        rounds++;
        size_t end_rss = stress_rss_bytes();
        if (end_rss > rss)
            rss = end_rss;
        if (rounds <= ncycle) {
            if (rss > first_cycle_max)
                first_cycle_max = rss;
        } else if (rss > later_max) {
            later_max = rss;
        }
        if (rounds % ncycle == 0)
            printf("soak: %zu messages, %zu rounds, RSS %.1f MiB, %.1f s\n", total, rounds, (double)end_rss / 1048576.0,
                   (double)(stress_now_ns() - t0) / 1e9);
    }
    printf("soak: %zu messages in %zu rounds in %.1f s; RSS after the first cycle %.1f MiB, largest later %.1f MiB\n",
           total, rounds, (double)(stress_now_ns() - t0) / 1e9, (double)first_cycle_max / 1048576.0,
           (double)later_max / 1048576.0);
    STRESS_CHECK(later_max <= first_cycle_max + (size_t)SLACK_MIB * 1048576u);
    printf("soak: memory flat: ok\n");
    return 0;
}
