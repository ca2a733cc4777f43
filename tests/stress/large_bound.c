/*
 * large_bound.c - a bounded channel of more than MPSC__RING_MAX messages,
 * which is kept in the unbounded queue's blocks with a limit on the tail
 * (src/chan.h, src/flavor_list.c), where the asymmetric fence is available.
 * Built against the static library, with the sources' directory on the
 * include path, to see the channel's flavor and the limit.
 *
 *   1. Creating one takes no memory for its bound: a sync_channel(8,
 *      50,000,000) leaves the resident set within 8 MiB of where it was (a
 *      ring would write 800 MB of stamps).
 *   2. Four producers (blocking, try_ and timeout sends) stream into it
 *      while the receiver stops now and then for a millisecond, so that the
 *      channel fills and the senders wait for room, spinning and asleep.
 *      Once it is full, the receiver takes SLOW_RECEIVES messages with a
 *      pause after each, so that the senders sleep about once a message
 *      and spend its credit for their heavy fences: from there on it
 *      stores its head with seq_cst, and the senders sleep without the
 *      fence (flavor_list.c, pay_sender_fence), for the rest of the
 *      stream.  Every message arrives once, in its producer's order, and
 *      the receiver never finds more than the bound queued (mpsc_len).
 *   3. A sender asleep on the full channel is woken by the receiver's drop
 *      and says MPSC_DISCONNECTED; the queued messages go to the drop
 *      function.
 *
 * With the limit not checked, the second part finds more than the bound
 * queued; with the receiver's notify left out, its senders (and the third
 * part's) sleep for good and the watchdog fails the program; with the
 * senders' fences never paid for, the receiver never changes its head
 * store and the second part says so.
 */
#include "chan.h"
#include "stress.h"

#include <stdatomic.h>

#if defined(__linux__) && !defined(MPSC__PORTABLE) && !MPSC_DEBUG

#define PRODUCERS 4
#define BOUND ((size_t)MPSC__RING_MAX + 1)
/* The receives taken one at a time, after the channel first fills, each
 * followed by a pause long enough for the woken senders to fall asleep
 * again (they spin for microseconds first). */
#define FIRST_STOP 40000
#define SLOW_RECEIVES 300
#define SLOW_PAUSE_NS 100000

struct msg {
    uint32_t producer;
    uint32_t pad;
    uint64_t seq;
};

struct producer {
    pthread_t thread;
    mpsc_sender *tx;
    uint32_t id;
    uint64_t count;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    struct stress_rng rng = stress_rng_seeded(p->id + 1);
    for (uint64_t seq = 0; seq < p->count;) {
        struct msg m = {p->id, 0, seq};
        mpsc_status st;
        switch (stress_below(&rng, 3)) {
        case 0: st = mpsc_send(p->tx, &m); break;
        case 1: st = mpsc_try_send(p->tx, &m); break;
        default: st = mpsc_send_timeout(p->tx, &m, 200000); break;
        }
        STRESS_CHECK(st == MPSC_OK || st == MPSC_FULL || st == MPSC_TIMEOUT);
        if (st == MPSC_OK)
            seq++;
    }
    mpsc_sender_drop(p->tx);
    return NULL;
}

static void creation_takes_no_memory_for_the_bound(void)
{
    size_t before = stress_rss_bytes();
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_sync_channel(sizeof(uint64_t), 50000000, &tx, &rx), MPSC_OK);
    size_t after = stress_rss_bytes();
    STRESS_CHECK(after < before + ((size_t)8 << 20));
    STRESS_CHECK(mpsc_capacity(rx) == 50000000);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

static void producers_stream_through_a_full_channel(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_sync_channel(sizeof(struct msg), BOUND, &tx, &rx), MPSC_OK);
    STRESS_CHECK(tx->chan->flavor == MPSC__LIST_BOUNDED);
    struct producer p[PRODUCERS];
    uint64_t per = stress_scaled(300000, 2 * BOUND / PRODUCERS);
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        p[i] = (struct producer){.tx = i == 0 ? tx : mpsc_sender_clone(tx), .id = i, .count = per};
        STRESS_CHECK(p[i].tx != NULL);
    }
    for (uint32_t i = 0; i < PRODUCERS; i++)
        STRESS_CHECK(pthread_create(&p[i].thread, NULL, produce, &p[i]) == 0);
    uint64_t next[PRODUCERS] = {0}, received = 0;
    size_t most_queued = 0;
    struct msg m;
    mpsc_status st;
    while ((st = mpsc_recv(rx, &m)) == MPSC_OK) {
        STRESS_CHECK(m.producer < PRODUCERS && m.seq == next[m.producer]);
        next[m.producer]++;
        ++received;
        if (received > FIRST_STOP && received <= FIRST_STOP + SLOW_RECEIVES)
            stress_sleep_ns(SLOW_PAUSE_NS);
        if (received % FIRST_STOP == 0) {
            /* The producers fill the channel meanwhile: at the first stop
             * (more than the bound is still to come) until it is full, or
             * for a second under ThreadSanitizer's slowest; then for a
             * millisecond each time. */
            uint64_t until = stress_now_ns() + (received == FIRST_STOP ? UINT64_C(1000000000) : 1000000);
            size_t queued;
            do {
                stress_sleep_ns(200000);
                queued = mpsc_len(rx);
                STRESS_CHECK(queued <= BOUND);
            } while (queued < BOUND && stress_now_ns() < until);
            if (queued > most_queued)
                most_queued = queued;
        }
    }
    STRESS_CHECK(st == MPSC_DISCONNECTED);
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        stress_join(p[i].thread, 120);
        STRESS_CHECK(next[i] == per);
    }
    /* The pauses let the channel fill to its bound at least once, and the
     * slow receives spent the receiver's credit. */
    STRESS_CHECK(most_queued == BOUND);
    STRESS_CHECK(rx->chan->q.list.strong_head);
    mpsc_receiver_drop(rx);
}

static atomic_size_t dropped;

static void count_drop(void *msg)
{
    (void)msg;
    atomic_fetch_add(&dropped, 1);
}

static void *send_one_more(void *arg)
{
    uint64_t v = 1;
    return (void *)(uintptr_t)mpsc_send(arg, &v);
}

static void a_sleeping_sender_wakes_when_the_receiver_goes(void)
{
    mpsc_config cfg = {.elem_size = sizeof(uint64_t), .bounded = true, .bound = BOUND, .drop = count_drop};
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    for (uint64_t v = 0; v < BOUND; v++)
        STRESS_EXPECT(mpsc_try_send(tx, &v), MPSC_OK);
    uint64_t v = 0;
    STRESS_EXPECT(mpsc_try_send(tx, &v), MPSC_FULL);
    STRESS_ALLOW_DISCONNECTED_SEND(tx);
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, send_one_more, tx) == 0);
    /* Long enough for the sender to spin out and fall asleep. */
    stress_sleep_ns(50000000);
    mpsc_receiver_drop(rx);
    STRESS_CHECK((mpsc_status)(uintptr_t)stress_join(t, 60) == MPSC_DISCONNECTED);
    STRESS_CHECK(atomic_load(&dropped) == BOUND);
    mpsc_sender_drop(tx);
}

int main(void)
{
    if (!mpsc__fence_heavy_available()) {
        printf("large_bound: no heavy fence here, large bounds are rings: nothing to check\n");
        return 0;
    }
    stress_watchdog(300);
    creation_takes_no_memory_for_the_bound();
    producers_stream_through_a_full_channel();
    a_sleeping_sender_wakes_when_the_receiver_goes();
    printf("large_bound: ok\n");
    return 0;
}

#else

int main(void)
{
    printf("large_bound: not the production build on Linux: nothing to check\n");
    return 0;
}

#endif
