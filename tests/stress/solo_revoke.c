/*
 * solo_revoke.c - the end of a channel's solo sends (src/chan.h, struct
 * mpsc__solo): the first thread to send claims its slots with plain
 * stores once it has sent MPSC__SOLO_CLAIM_SENDS messages alone, and a
 * second sending thread, or the receiver's disconnection, must revoke that
 * in the middle of the stream without a slot claimed twice or a message
 * lost.
 *
 * Round kind 1, a second sender: thread A sends a numbered stream on the
 * channel's first Sender and takes the channel; after a random delay
 * thread B starts a stream of its own, on a clone or on A's very handle
 * (Senders are Sync): mostly once A owns the channel, now and then while
 * it is still the candidate.  Main receives until both are done and every
 * message must arrive once, each sender's in order.
 *
 * Round kind 2, the receiver leaves: A sends its stream; after a random
 * number of receives main drops the Receiver.  Each of A's messages must
 * be received, or passed to the drop function, or returned to A as
 * MPSC_DISCONNECTED, exactly once, and after its first MPSC_DISCONNECTED
 * every send of A must return MPSC_DISCONNECTED.
 *
 * Each of these broke it in 3 runs of 3 or more (the Xeon host): the
 * revoker not waiting for a solo send in flight (src/solo.c, revoke): B's
 * messages out of order or lost; the revoker without its heavy fence: a
 * sender blocked for good on a channel whose disconnection mark a solo
 * store overwrote, or A's messages out of order; the receiver's
 * disconnection not revoking (mpsc__solo_end in both flavors): messages
 * neither received nor dropped, or a sender blocked for good.
 */
#include "stress.h"

#include <stdatomic.h>
#include <stdbool.h>

#define ROUNDS 400
#define STREAM 20000

struct stream {
    mpsc_sender *tx;
    uint64_t tag;        /* high bits of every message: which sender */
    uint64_t n;          /* messages to send */
    uint64_t delay_ns;   /* before the first send */
    bool drop_tx;        /* drop tx when done (a clone or a moved handle) */
    uint64_t sent;       /* sends that returned MPSC_OK */
    uint64_t first_fail; /* index of the first MPSC_DISCONNECTED, or n */
    bool ok_after_fail;  /* a send succeeded after a MPSC_DISCONNECTED */
};

static void *stream_main(void *arg)
{
    struct stream *s = arg;
    if (s->delay_ns > 0)
        stress_sleep_ns(s->delay_ns);
    s->first_fail = s->n;
    for (uint64_t i = 0; i < s->n; i++) {
        uint64_t msg = s->tag | i;
        mpsc_status st = mpsc_send(s->tx, &msg);
        if (st == MPSC_OK) {
            s->sent++;
            if (s->first_fail != s->n)
                s->ok_after_fail = true;
        } else {
            STRESS_CHECK(st == MPSC_DISCONNECTED);
            if (s->first_fail == s->n)
                s->first_fail = i;
        }
    }
    if (s->drop_tx)
        mpsc_sender_drop(s->tx);
    return NULL;
}

#define TAG_A (UINT64_C(1) << 62)
#define TAG_B (UINT64_C(2) << 62)
#define INDEX_MASK ((UINT64_C(1) << 62) - 1)

static _Atomic uint64_t dropped_a;

static void count_drop(void *msg)
{
    uint64_t v;
    memcpy(&v, msg, sizeof v);
    STRESS_CHECK((v & ~INDEX_MASK) == TAG_A);
    atomic_fetch_add_explicit(&dropped_a, 1, memory_order_relaxed);
}

static mpsc_status make_channel(int flavor, mpsc_drop_fn drop, mpsc_sender **tx, mpsc_receiver **rx)
{
    static const size_t bounds[] = {0, 1000, 64, 3};
    mpsc_config cfg = {.elem_size = sizeof(uint64_t), .bounded = flavor != 0, .bound = bounds[flavor],
                       .drop = drop, .name = "solo"};
    return mpsc_channel_new(&cfg, tx, rx);
}

/* Kind 1: a second sender joins A's stream. */
static void round_second_sender(int flavor, struct stress_rng *rng)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(make_channel(flavor, NULL, &tx, &rx), MPSC_OK);
    bool same_handle = stress_below(rng, 2) == 0;
    mpsc_sender *clone = same_handle ? NULL : mpsc_sender_clone(tx);
    STRESS_CHECK(same_handle || clone != NULL);
    mpsc_sender *tx_b = same_handle ? mpsc_share(tx) : mpsc_move(clone);
    struct stream a = {.tx = same_handle ? mpsc_share(tx) : mpsc_move(tx), .tag = TAG_A, .n = STREAM,
                       .drop_tx = !same_handle};
    struct stream b = {.tx = tx_b, .tag = TAG_B, .n = STREAM / 4, .delay_ns = stress_below(rng, 200000),
                       .drop_tx = !same_handle};
    pthread_t ta, tb;
    STRESS_CHECK(pthread_create(&ta, NULL, stream_main, &a) == 0);
    STRESS_CHECK(pthread_create(&tb, NULL, stream_main, &b) == 0);
    uint64_t next_a = 0, next_b = 0;
    while (next_a + next_b < a.n + b.n) {
        uint64_t v;
        STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
        uint64_t i = v & INDEX_MASK;
        if ((v & ~INDEX_MASK) == TAG_A) {
            STRESS_CHECK(i == next_a);
            next_a++;
        } else {
            STRESS_CHECK((v & ~INDEX_MASK) == TAG_B && i == next_b);
            next_b++;
        }
    }
    stress_join(ta, 60.0);
    stress_join(tb, 60.0);
    STRESS_CHECK(a.sent == a.n && b.sent == b.n);
    if (same_handle)
        mpsc_sender_drop(tx);
    uint64_t v;
    STRESS_EXPECT(mpsc_try_recv(rx, &v), MPSC_DISCONNECTED);
    mpsc_receiver_drop(rx);
}

/* Kind 2: the receiver leaves in the middle of A's stream. */
static void round_receiver_leaves(int flavor, struct stress_rng *rng)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(make_channel(flavor, count_drop, &tx, &rx), MPSC_OK);
    STRESS_ALLOW_DISCONNECTED_SEND(tx);
    atomic_store_explicit(&dropped_a, 0, memory_order_relaxed);
    struct stream a = {.tx = mpsc_move(tx), .tag = TAG_A, .n = STREAM, .drop_tx = true};
    pthread_t ta;
    STRESS_CHECK(pthread_create(&ta, NULL, stream_main, &a) == 0);
    uint64_t keep = stress_below(rng, STREAM / 2), received = 0;
    while (received < keep) {
        uint64_t v;
        STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
        STRESS_CHECK(v == (TAG_A | received));
        received++;
    }
    mpsc_receiver_drop(rx);
    stress_join(ta, 60.0);
    STRESS_CHECK(!a.ok_after_fail);
    STRESS_CHECK(a.sent == a.first_fail);
    STRESS_CHECK(received + atomic_load_explicit(&dropped_a, memory_order_relaxed) == a.sent);
}

int main(void)
{
    stress_watchdog(600);
    size_t rounds = stress_scaled(ROUNDS, 8);
    struct stress_rng rng = stress_rng_seeded(42);
    for (size_t r = 0; r < rounds; r++) {
        int flavor = (int)(r % 4);
        round_second_sender(flavor, &rng);
        round_receiver_leaves(flavor, &rng);
    }
    printf("solo_revoke: %zu rounds of each kind over unbounded, bounded(1000), bounded(64), bounded(3)\n", rounds);
    return 0;
}
