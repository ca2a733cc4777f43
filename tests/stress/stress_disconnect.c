/*
 * stress_disconnect.c - disconnection races, thousands of times each: the
 * receiver dropped while senders are blocked on a full bounded channel
 * (every hundredth time one of more than 65,536 messages, which is no ring
 * but the unbounded queue's blocks with a limit: src/chan.h,
 * MPSC__RING_MAX) and on a rendezvous, and the last sender dropped while
 * the receiver sleeps.
 * Every blocked thread must return MPSC_DISCONNECTED (or its message) within
 * a second, no thread may hang (timed joins and a watchdog), and messages are
 * heap pointers freed by the drop function or by their sender, so that a lost
 * one is a leak that LeakSanitizer reports in the ASan build.
 */
#include "stress.h"

#include <stdatomic.h>
#include <stdbool.h>

#define MAX_SENDERS 3
/* Above the largest ring (src/chan.h, MPSC__RING_MAX). */
#define LARGE_BOUND 65537
/* A blocked thread that takes longer than this to return after the
 * disconnection did not return promptly. */
#define PROMPT_NS UINT64_C(1000000000)

static _Atomic long drops;

static void drop_msg(void *p)
{
    free(*(void **)p);
    atomic_fetch_add_explicit(&drops, 1, memory_order_relaxed);
}

static long *new_payload(long v)
{
    long *p = malloc(sizeof *p);
    STRESS_CHECK(p != NULL);
    *p = v;
    return p;
}

/* A sender that blocks: the channel is full (or a rendezvous with nobody
 * receiving) until main drops the receiver. */
struct blocked_sender {
    mpsc_sender *tx;
    int form; /* 0 send, 1 send_timeout with a long timeout */
    mpsc_status result;
    uint64_t returned_at;
};

static void *blocked_sender_main(void *arg)
{
    struct blocked_sender *b = arg;
    long *payload = new_payload(-1);
    b->result = b->form == 0 ? mpsc_send(b->tx, &payload) : mpsc_send_timeout(b->tx, &payload, UINT64_C(30000000000));
    b->returned_at = stress_now_ns();
    /* On MPSC_DISCONNECTED the message is still ours. */
    if (b->result != MPSC_OK)
        free(payload);
    mpsc_sender_drop(b->tx);
    return NULL;
}

static uint64_t max_wake_ns;

/* Receiver dropped while 1..3 senders block on a full bounded channel (or a
 * rendezvous when bound is 0). */
static void receiver_drop_vs_blocked_senders(size_t bound, struct stress_rng *rng)
{
    mpsc_config cfg = {.elem_size = sizeof(long *), .bounded = true, .bound = bound, .drop = drop_msg};
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    STRESS_ALLOW_DISCONNECTED_SEND(rx);
    atomic_store(&drops, 0);
    for (size_t i = 0; i < bound; i++) {
        long *p = new_payload((long)i);
        STRESS_EXPECT(mpsc_try_send(tx, &p), MPSC_OK);
    }
    int n = 1 + (int)stress_below(rng, MAX_SENDERS);
    struct blocked_sender b[MAX_SENDERS];
    pthread_t t[MAX_SENDERS];
    for (int i = 0; i < n; i++) {
        b[i] = (struct blocked_sender){.form = (int)stress_below(rng, 2)};
        mpsc_sender *mine = i + 1 < n ? mpsc_sender_clone(tx) : tx;
        STRESS_CHECK(mine != NULL);
        b[i].tx = mpsc_move(mine);
        STRESS_CHECK(pthread_create(&t[i], NULL, blocked_sender_main, &b[i]) == 0);
    }
    /* Sometimes drop at once (racing the senders' first attempt), usually
     * after they have had time to go to sleep. */
    if (stress_below(rng, 4) != 0)
        stress_sleep_ns(stress_below(rng, 200000));
    uint64_t dropped_at = stress_now_ns();
    mpsc_receiver_drop(rx);
    /* The queued messages went to the drop function, right away. */
    STRESS_CHECK(atomic_load(&drops) == (long)bound);
    for (int i = 0; i < n; i++) {
        stress_join(t[i], 10.0);
        STRESS_CHECK(b[i].result == MPSC_DISCONNECTED);
        uint64_t wake = b[i].returned_at > dropped_at ? b[i].returned_at - dropped_at : 0;
        STRESS_CHECK(wake < PROMPT_NS);
        if (wake > max_wake_ns)
            max_wake_ns = wake;
    }
}

/* The receiver blocks in a receive form while main sends 0..2 messages and
 * then drops the last Sender: it must get those messages, then
 * MPSC_DISCONNECTED. */
struct sleeping_receiver {
    mpsc_receiver *rx;
    int form; /* 0 recv, 1 recv_timeout, 2 recv_deadline */
    long got;
    mpsc_status result;
    uint64_t returned_at;
};

static mpsc_status receive_form(struct sleeping_receiver *s, long **out)
{
    switch (s->form) {
    case 0: return mpsc_recv(s->rx, out);
    case 1: return mpsc_recv_timeout(s->rx, out, UINT64_C(30000000000));
    default: {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += 30;
        return mpsc_recv_deadline(s->rx, out, &dl);
    }
    }
}

static void *sleeping_receiver_main(void *arg)
{
    struct sleeping_receiver *s = arg;
    long *p;
    mpsc_status st;
    while ((st = receive_form(s, &p)) == MPSC_OK) {
        STRESS_CHECK(*p == s->got);
        free(p);
        s->got++;
    }
    s->result = st;
    s->returned_at = stress_now_ns();
    mpsc_receiver_drop(s->rx);
    return NULL;
}

static void last_sender_drop_vs_sleeping_receiver(const struct stress_flavor *fl, struct stress_rng *rng)
{
    mpsc_config cfg = {.elem_size = sizeof(long *), .bounded = fl->bounded, .bound = fl->bound, .drop = drop_msg};
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    atomic_store(&drops, 0);
    /* Sometimes a clone is the last Sender, the original dropped first. */
    mpsc_sender *last = tx;
    if (stress_below(rng, 2) == 0) {
        last = mpsc_sender_clone(tx);
        STRESS_CHECK(last != NULL);
        mpsc_sender_drop(tx);
    }
    struct sleeping_receiver s = {.rx = mpsc_move(rx), .form = (int)stress_below(rng, 3)};
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, sleeping_receiver_main, &s) == 0);
    long n = (long)stress_below(rng, 3);
    if (stress_below(rng, 4) != 0)
        stress_sleep_ns(stress_below(rng, 200000));
    for (long i = 0; i < n; i++) {
        long *p = new_payload(i);
        STRESS_EXPECT(mpsc_send(last, &p), MPSC_OK);
    }
    uint64_t dropped_at = stress_now_ns();
    mpsc_sender_drop(last);
    stress_join(t, 10.0);
    STRESS_CHECK(s.result == MPSC_DISCONNECTED);
    STRESS_CHECK(s.got == n);
    STRESS_CHECK(atomic_load(&drops) == 0);
    uint64_t wake = s.returned_at > dropped_at ? s.returned_at - dropped_at : 0;
    STRESS_CHECK(wake < PROMPT_NS);
    if (wake > max_wake_ns)
        max_wake_ns = wake;
}

int main(void)
{
    stress_watchdog((unsigned)(300 * stress_scale()) + 120);
    struct stress_rng rng = stress_rng_seeded(42);
    size_t iterations = stress_scaled(2000, 20);
    uint64_t t0 = stress_now_ns();
    for (size_t i = 0; i < iterations; i++) {
        receiver_drop_vs_blocked_senders(i % 100 == 0 ? LARGE_BOUND : 1 + stress_below(&rng, 4), &rng);
        receiver_drop_vs_blocked_senders(0, &rng);
        last_sender_drop_vs_sleeping_receiver(&stress_flavors[i % STRESS_NFLAVORS], &rng);
    }
    printf("stress_disconnect: %zu iterations x 3 races (full bounded, rendezvous, sleeping receiver) in %.0f ms; "
           "slowest wake-up after the disconnection %.3f ms: ok\n",
           iterations, (double)(stress_now_ns() - t0) / 1e6, (double)max_wake_ns / 1e6);
    return 0;
}
