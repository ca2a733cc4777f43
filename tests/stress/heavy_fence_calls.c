/*
 * heavy_fence_calls.c - the rare sides of the asymmetric pairs (park.h) run
 * where they must.  A lost wake-up from a missing heavy fence needs a store
 * still in a CPU's store buffer at the wrong moment, which a stress test
 * does not hit often enough to fail; so this program counts the calls
 * instead (mpsc__fence_heavy_calls), around one sleep each:
 *
 *   - a receiver that sleeps on a channel that one thread owns (solo
 *     sends, chan.h: it sent MPSC__SOLO_CLAIM_SENDS messages alone) runs
 *     the fence before it re-checks (mpsc__solo_fence), on each flavor
 *     that has solo sends;
 *   - on a channel whose one sender is still a candidate (fewer sends), or
 *     once a second thread has sent (SHARED), it does not; and a second
 *     thread that sends during a candidacy runs none either;
 *   - a receiver that sleeps every message spends its credit: its first
 *     FENCED sleeps fence, the next ends the solo sends instead (one
 *     fence), and its sleeps from then on run none;
 *   - dropping the Receiver of an owned channel revokes the claim, with a
 *     fence, while a Sender is alive, and runs none once every Sender is
 *     gone;
 *   - a sender that sleeps on a full ring whose receiver stores its head
 *     with the light fence (flavor_array.c, take_slot) runs it; on a ring
 *     too small to slip and shared by several threads, it does not;
 *   - on a ring too small to slip that one thread owns, the receiver
 *     stores its head lightly and that thread's sleeps run the fence,
 *     until they have spent the receiver's credit: its last sleep runs
 *     none; so do a sender's sleeps on a ring that slips, and on a
 *     large bound (the unbounded queue's blocks with a limit), one a
 *     message.
 *
 * With the call in the unbounded receiver's sleep removed, or the ring's,
 * or the ring sender's, the matching check fails; so does the candidate's
 * with the first send taking the channel, the sleepy receiver's with
 * mpsc__solo_fence fencing every sleep, and the drop's with mpsc__solo_end
 * revoking whatever the Senders; the small owned ring's with its head
 * store never light (first sleep), or never paid for (last sleep); the
 * slipping ring's and the large bound's with their senders' fences never
 * paid for.  Where
 * the heavy fence
 * is not available (the `portable` build) there is nothing to count.
 */
#include "chan.h"
#include "park.h"
#include "stress.h"

#include <stdatomic.h>

static unsigned long heavy_calls(void)
{
    return atomic_load(&mpsc__fence_heavy_calls);
}

/* Long enough for a blocked call to be asleep: it spins for microseconds. */
#define ASLEEP_NS UINT64_C(50000000)

struct receiver {
    mpsc_receiver *rx;
    uint64_t got;
    unsigned long calls; /* heavy_calls() once received, before the drop */
};

/* Receives one message, then drops the Receiver: the drop revokes a solo
 * channel, with a heavy fence of its own, so the count is taken first. */
static void *receive_one(void *arg)
{
    struct receiver *r = arg;
    STRESS_EXPECT(mpsc_recv(r->rx, &r->got), MPSC_OK);
    r->calls = heavy_calls();
    mpsc_receiver_drop(r->rx);
    return NULL;
}

static void *send_one(void *arg)
{
    uint64_t v = 7;
    STRESS_EXPECT(mpsc_send(arg, &v), MPSC_OK);
    return NULL;
}

/* The heavy fences run while a receiver thread sleeps until main sends it
 * one message. */
static unsigned long receiver_sleeps(mpsc_sender *tx, mpsc_receiver *rx)
{
    struct receiver r = {.rx = mpsc_move(rx)};
    unsigned long before = heavy_calls();
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, receive_one, &r) == 0);
    stress_sleep_ns(ASLEEP_NS);
    uint64_t v = 42;
    STRESS_EXPECT(mpsc_send(tx, &v), MPSC_OK);
    stress_join(t, 10.0);
    STRESS_CHECK(r.got == 42);
    return r.calls - before;
}

static void make_channel(bool bounded, size_t bound, mpsc_sender **tx, mpsc_receiver **rx)
{
    STRESS_EXPECT(bounded ? mpsc_sync_channel(sizeof(uint64_t), bound, tx, rx)
                          : mpsc_channel(sizeof(uint64_t), tx, rx),
                  MPSC_OK);
}

/* Main sends n messages on the channel, receiving each at once. */
static void send_and_receive(mpsc_sender *tx, mpsc_receiver *rx, unsigned n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v;
        STRESS_EXPECT(mpsc_send(tx, &i), MPSC_OK);
        STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
        STRESS_CHECK(v == i);
    }
}

/* A channel that main owns (solo sends, chan.h). */
static void make_owned_channel(bool bounded, size_t bound, mpsc_sender **tx, mpsc_receiver **rx)
{
    make_channel(bounded, bound, tx, rx);
    send_and_receive(*tx, *rx, MPSC__SOLO_CLAIM_SENDS);
}

/* Makes the channel SHARED: a second thread sends on it (ending main's
 * candidacy, or revoking its claim with a heavy fence of its own, before
 * the caller counts).  Main sent first, `sends` messages. */
static void share(mpsc_sender *tx, mpsc_receiver *rx, unsigned sends)
{
    send_and_receive(tx, rx, sends);
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, send_one, mpsc_share(tx)) == 0);
    stress_join(t, 10.0);
    uint64_t v;
    STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
}

static void check_receiver(const char *name, bool bounded, size_t bound)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    make_owned_channel(bounded, bound, &tx, &rx);
    unsigned long solo = receiver_sleeps(tx, rx);
    mpsc_sender_drop(tx);

    make_channel(bounded, bound, &tx, &rx);
    /* The receiver sleeps on a candidacy, and the send that wakes it takes
     * the channel: it must still be woken (mpsc__solo_fence, settle). */
    send_and_receive(tx, rx, MPSC__SOLO_CLAIM_SENDS - 1);
    unsigned long candidate = receiver_sleeps(tx, rx);
    mpsc_sender_drop(tx);

    make_channel(bounded, bound, &tx, &rx);
    share(tx, rx, MPSC__SOLO_CLAIM_SENDS);
    unsigned long shared = receiver_sleeps(tx, rx);
    mpsc_sender_drop(tx);

    make_channel(bounded, bound, &tx, &rx);
    unsigned long before = heavy_calls();
    share(tx, rx, 1);
    unsigned long ended = heavy_calls() - before;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);

    printf("%s: a receiver's sleep ran %lu heavy fences on an owned channel, %lu on a candidate's, %lu on a "
           "shared one; a second sender during a candidacy ran %lu\n",
           name, solo, candidate, shared, ended);
    STRESS_CHECK(solo >= 1);
    STRESS_CHECK(candidate == 0);
    STRESS_CHECK(shared == 0);
    STRESS_CHECK(ended == 0);
}

/* Receives SLEEPS messages, each after a sleep, then drops the Receiver;
 * calls[i]: heavy_calls() once message i is in.  FENCED of them spend the
 * credit (chan.h). */
#define FENCED (MPSC__SOLO_FENCE_CREDIT / MPSC__SOLO_FENCE_MESSAGES)
#define SLEEPS (FENCED + 2)
struct sleepy {
    mpsc_receiver *rx;
    unsigned long calls[SLEEPS];
};

static void *receive_sleepy(void *arg)
{
    struct sleepy *r = arg;
    for (int i = 0; i < SLEEPS; i++) {
        uint64_t v;
        STRESS_EXPECT(mpsc_recv(r->rx, &v), MPSC_OK);
        STRESS_CHECK(v == (uint64_t)i);
        r->calls[i] = heavy_calls();
    }
    mpsc_receiver_drop(r->rx);
    return NULL;
}

/* A receiver sleeps SLEEPS times on a channel main owns, one message apart:
 * the first FENCED sleeps fence, the next ends the solo sends, the last
 * runs no fence. */
static void check_sleepy_receiver(const char *name, bool bounded, size_t bound)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    make_owned_channel(bounded, bound, &tx, &rx);
    struct sleepy r = {.rx = mpsc_move(rx)};
    unsigned long before = heavy_calls();
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, receive_sleepy, &r) == 0);
    for (uint64_t i = 0; i < SLEEPS; i++) {
        stress_sleep_ns(ASLEEP_NS);
        STRESS_EXPECT(mpsc_send(tx, &i), MPSC_OK);
    }
    stress_join(t, 10.0);
    mpsc_sender_drop(tx);
    printf("%s: a receiver's sleeps one message apart ran", name);
    for (int i = 0; i < SLEEPS; i++) {
        unsigned long fences = r.calls[i] - (i == 0 ? before : r.calls[i - 1]);
        printf(" %lu", fences);
        STRESS_CHECK(i < SLEEPS - 1 ? fences >= 1 : fences == 0);
    }
    printf(" heavy fences\n");
}

/* The heavy fences of dropping the Receiver of a channel main owns, with
 * main's Sender still alive or already dropped. */
static unsigned long receiver_drop_fences(bool bounded, size_t bound, bool sender_alive)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    make_owned_channel(bounded, bound, &tx, &rx);
    if (!sender_alive)
        mpsc_sender_drop(tx);
    unsigned long before = heavy_calls();
    mpsc_receiver_drop(rx);
    unsigned long fences = heavy_calls() - before;
    if (sender_alive)
        mpsc_sender_drop(tx);
    return fences;
}

static void check_receiver_drop(const char *name, bool bounded, size_t bound)
{
    unsigned long alive = receiver_drop_fences(bounded, bound, true);
    unsigned long gone = receiver_drop_fences(bounded, bound, false);
    printf("%s: dropping the Receiver ran %lu heavy fences with a Sender alive, %lu with none\n", name, alive,
           gone);
    STRESS_CHECK(alive >= 1);
    STRESS_CHECK(gone == 0);
}

struct blocked_sender {
    mpsc_sender *tx;
};

static void *send_into_full(void *arg)
{
    struct blocked_sender *b = arg;
    uint64_t v = 99;
    STRESS_EXPECT(mpsc_send(b->tx, &v), MPSC_OK);
    mpsc_sender_drop(b->tx);
    return NULL;
}

/* A bounded(bound) channel made SHARED, so that no solo fence can count,
 * and filled with 0, 1, ...; returns a clone of its Sender for a sender
 * thread. */
static mpsc_sender *full_shared_channel(size_t bound, mpsc_sender **tx, mpsc_receiver **rx)
{
    make_channel(true, bound, tx, rx);
    share(*tx, *rx, 1);
    for (size_t i = 0; i < bound; i++) {
        uint64_t v = i;
        STRESS_EXPECT(mpsc_send(*tx, &v), MPSC_OK);
    }
    mpsc_sender *clone = mpsc_sender_clone(*tx);
    STRESS_CHECK(clone != NULL);
    return clone;
}

/* A sender thread sleeps on a full, SHARED ring of `bound` until main
 * receives; main never sleeps. */
static void check_sender(size_t bound, bool light)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    mpsc_sender *clone = full_shared_channel(bound, &tx, &rx);
    struct blocked_sender b = {.tx = mpsc_move(clone)};
    unsigned long before = heavy_calls();
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, send_into_full, &b) == 0);
    stress_sleep_ns(ASLEEP_NS);
    uint64_t v;
    for (size_t i = 0; i <= bound; i++)
        STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
    stress_join(t, 10.0);
    unsigned long fences = heavy_calls() - before;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    printf("bounded(%zu): a sender's sleep on the full ring ran %lu heavy fences\n", bound, fences);
    STRESS_CHECK(light ? fences >= 1 : fences == 0);
}

/*
 * The senders' side of the credit: a receiver that wakes a sender whose
 * fence its credit cannot pay ends its light head stores just after the
 * wake, so that sender's next sleep may still find them light (under
 * ThreadSanitizer it did, one run in ten); the sleep after it cannot.  So
 * one sleep more than the FENCED + 1 that spend the credit.
 */
#define SENDER_SLEEPS (FENCED + 3)

/* Main's side while a sender sleeps on a full channel once a message:
 * SENDER_SLEEPS times, waits until it is asleep, records the heavy fences
 * run since `before` (heavy_calls() from before the sender could first
 * sleep), then since the previous receive, in fences[i], and wakes it with
 * one receive, which must be message `next` (then next + 1, ...).  Returns
 * the next one expected. */
static uint64_t receive_after_sleeps(mpsc_receiver *rx, uint64_t next, unsigned long before,
                                     unsigned long fences[SENDER_SLEEPS])
{
    for (int i = 0; i < SENDER_SLEEPS; i++) {
        stress_sleep_ns(ASLEEP_NS);
        unsigned long now = heavy_calls();
        fences[i] = now - before;
        before = now;
        uint64_t v;
        STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
        STRESS_CHECK(v == next++);
    }
    return next;
}

/* Prints each sleep's fences after `what`, and checks that the first sleep
 * fenced and that the last, the credit spent, did not. */
static void check_credit_spent(const char *what, const unsigned long fences[SENDER_SLEEPS])
{
    printf("%s ran", what);
    for (int i = 0; i < SENDER_SLEEPS; i++)
        printf(" %lu", fences[i]);
    printf(" heavy fences\n");
    STRESS_CHECK(fences[0] >= 1);
    STRESS_CHECK(fences[SENDER_SLEEPS - 1] == 0);
}

/* A sender thread that sends SENDER_SLEEPS messages into a full channel,
 * each after a sleep there (receive_after_sleeps). */
struct sleepy_sender {
    mpsc_sender *tx;
    uint64_t first;
};

static void *send_sleepy(void *arg)
{
    struct sleepy_sender *s = arg;
    for (uint64_t v = s->first; v < s->first + SENDER_SLEEPS; v++)
        STRESS_EXPECT(mpsc_send(s->tx, &v), MPSC_OK);
    mpsc_sender_drop(s->tx);
    return NULL;
}

/* A sender sleeps SENDER_SLEEPS times on a full, SHARED channel of `bound`
 * whose receiver stores its head lightly (a ring that slips, a large
 * bound), woken by one receive each time: its first sleeps fence, paid for
 * out of the receiver's credit; once they have spent it, the head store is
 * seq_cst and the last sleep runs none. */
static void check_sender_credit(size_t bound)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    mpsc_sender *clone = full_shared_channel(bound, &tx, &rx);
    struct sleepy_sender s = {.tx = mpsc_move(clone), .first = bound};
    unsigned long fences[SENDER_SLEEPS], before = heavy_calls();
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, send_sleepy, &s) == 0);
    uint64_t v, next = receive_after_sleeps(rx, 0, before, fences);
    stress_join(t, 10.0);
    mpsc_sender_drop(tx);
    while (mpsc_recv(rx, &v) == MPSC_OK)
        STRESS_CHECK(v == next++);
    STRESS_CHECK(next == bound + SENDER_SLEEPS);
    mpsc_receiver_drop(rx);
    char what[80];
    snprintf(what, sizeof what, "bounded(%zu): a sender's sleeps on the full channel, one a message,", bound);
    check_credit_spent(what, fences);
}

/* A thread that owns a ring of SMALL slots: it sends MPSC__SOLO_CLAIM_SENDS
 * messages, which take the channel (chan.h), waits for `go`, then sends
 * SMALL + SENDER_SLEEPS more, each of the last SENDER_SLEEPS into a full
 * ring. */
#define SMALL 3
struct owner {
    mpsc_sender *tx;
    atomic_bool go;
};

static void *own_and_fill(void *arg)
{
    struct owner *o = arg;
    uint64_t v = 0;
    for (; v < MPSC__SOLO_CLAIM_SENDS; v++)
        STRESS_EXPECT(mpsc_send(o->tx, &v), MPSC_OK);
    while (!atomic_load(&o->go))
        stress_sleep_ns(1000000);
    for (; v < MPSC__SOLO_CLAIM_SENDS + SMALL + SENDER_SLEEPS; v++)
        STRESS_EXPECT(mpsc_send(o->tx, &v), MPSC_OK);
    mpsc_sender_drop(o->tx);
    return NULL;
}

static void check_small_owned_ring(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    make_channel(true, SMALL, &tx, &rx);
    struct owner o = {.tx = mpsc_move(tx)};
    atomic_init(&o.go, false);
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, own_and_fill, &o) == 0);
    uint64_t v, next = 0;
    for (; next < MPSC__SOLO_CLAIM_SENDS; next++) {
        STRESS_EXPECT(mpsc_recv(rx, &v), MPSC_OK);
        STRESS_CHECK(v == next);
    }
    /* The receiver chooses its head store before it would wait, at most
     * once per MPSC__SOLO_CLAIM_SENDS messages: here, with the channel
     * owned and empty. */
    STRESS_EXPECT(mpsc_try_recv(rx, &v), MPSC_EMPTY);
    unsigned long fences[SENDER_SLEEPS], before = heavy_calls();
    /* The owner fills the ring and falls asleep on its next send; each
     * receive wakes it, and never waits itself. */
    atomic_store(&o.go, true);
    next = receive_after_sleeps(rx, next, before, fences);
    while (mpsc_recv(rx, &v) == MPSC_OK)
        STRESS_CHECK(v == next++);
    STRESS_CHECK(next == MPSC__SOLO_CLAIM_SENDS + SMALL + SENDER_SLEEPS);
    stress_join(t, 10.0);
    mpsc_receiver_drop(rx);
    char what[80];
    snprintf(what, sizeof what, "bounded(%d) owned by one thread: its sleeps on the full ring", SMALL);
    check_credit_spent(what, fences);
}

int main(void)
{
    if (!mpsc__fence_heavy_available()) {
        printf("heavy_fence_calls: no heavy fence on this system; nothing to count\n");
        return 0;
    }
    stress_watchdog(120);
    check_receiver("unbounded", false, 0);
    check_receiver("bounded(1000)", true, 1000);
    check_receiver("bounded(3)", true, 3);
    check_sleepy_receiver("unbounded", false, 0);
    check_sleepy_receiver("bounded(1000)", true, 1000);
    check_receiver_drop("unbounded", false, 0);
    check_receiver_drop("bounded(1000)", true, 1000);
    check_sender(1000, true);
    check_sender(64, true);
    check_sender(3, false);
    check_sender_credit(1000);
    check_sender_credit(MPSC__RING_MAX + 1); /* the unbounded queue with a limit */
    check_small_owned_ring();
    return 0;
}
