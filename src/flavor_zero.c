/*
 * flavor_zero.c - the rendezvous channel, sync_channel(0): a sender and the
 * receiver meet and the message is copied straight from one to the other.
 * Follows Rust's library/std/src/sync/mpmc/zero.rs: a lock (a spin lock,
 * as in crossbeam-channel's zero.rs: zero_lock) guards who is waiting; a
 * sender that finds no receiver puts a packet (on its own stack) in the
 * channel and sleeps on it until the receiver copies the message out and
 * marks it done.  Two changes use the single receiver: its packet lives
 * in the channel (chan.h, struct mpsc__zero_receiver), and a sender that
 * finds it waiting, or waits a moment for it to be (spin_for_receiver),
 * claims it with a compare-and-swap, without the lock, so that in a
 * ping-pong each side's lock stays on its own core.
 */
#include "chan.h"

#include <string.h>

/*
 * Packet states.  WAITING and SLEEPING belong to the packet's owner (it
 * switches to SLEEPING before a futex wait, so a partner knows to wake it).
 * CLAIMED: a sender took the receiver's packet and is copying into it.
 * DONE and DISCONNECTED are written once per wait, by the partner or the
 * disconnecting side, and end it; so does IDLE, the receiver's packet when
 * no receive waits in it.  A wait is over once the state is DONE or above.
 */
enum { WAITING, SLEEPING, CLAIMED, DONE, DISCONNECTED, IDLE };

/*
 * A blocked sender's packet.  Lives on its stack from before it is queued
 * until it returns.  `src` and `state` are read by the receiver; `next`,
 * `prev` and `queued` are guarded by the channel's lock.  Once the receiver
 * has dequeued it (queued = false, under the lock), only the receiver may
 * complete it, and the sender must wait for that.
 */
struct mpsc__zero_packet {
    const void *src; /* the message: inline_msg, or the caller's for a larger one */
    _Atomic uint32_t state;
    bool queued;
    struct mpsc__zero_packet *next, *prev;
    /* A message of at most MPSC__ZERO_INLINE bytes travels here, so that
     * the receiver touches one cache line of the sender's, the packet's. */
    alignas(16) unsigned char inline_msg[MPSC__ZERO_INLINE];
};

/* Packets are aligned to a cache line, so that each is one line. */
#define PACKET_ALIGN 64

/*
 * The lock: a spin lock, as crossbeam-channel's zero.rs has, not a mutex.
 * It is held for a few pointer updates, and its unlock is a plain store:
 * the receiver unlocks right after publishing its packet (WAITING), a store
 * to a line a spinning sender reads, and a mutex's unlock, a locked
 * instruction, waited for that store to reach the sender's core every
 * time: spsc and mpsc bounded0 took 193 and 192 ns a message on the Xeon
 * host, 155 and 148 with this lock.  A waiter spins, then yields, in case
 * the holder was preempted; it never sleeps (docs/design.md: what that
 * means for real-time priorities).
 */
static void zero_lock(struct mpsc__zero *z)
{
    struct mpsc__backoff backoff = {0};
    /* Acquire: pairs with zero_unlock's release; the loop's loads are
     * relaxed, only a hint of when to try again. */
    while (atomic_exchange_explicit(&z->locked, true, memory_order_acquire))
        do
            mpsc__backoff_snooze(&backoff);
        while (atomic_load_explicit(&z->locked, memory_order_relaxed));
}

static void zero_unlock(struct mpsc__zero *z)
{
    atomic_store_explicit(&z->locked, false, memory_order_release);
}

mpsc_status mpsc__zero_init(struct mpsc__chan *c)
{
    struct mpsc__zero *z = &c->q.zero;
    atomic_init(&z->locked, false);
    z->senders_head = z->senders_tail = NULL;
    z->disconnected = false;
    atomic_init(&z->rx.state, IDLE);
    z->rx.dst = NULL;
    return MPSC_OK;
}

/* Ends a wait in *state that was WAITING or SLEEPING (`was`) and is now the
 * completer's alone (a dequeued sender's packet, a claimed receiver's). */
static void complete(_Atomic uint32_t *state, uint32_t was, uint32_t result)
{
    /* Release: the owner's acquire load of the state sees the copied
     * message (or, for a sender's packet, knows we are done reading it). */
    atomic_store_explicit(state, result, memory_order_release);
    if (was == SLEEPING)
        mpsc__futex_wake(state, 1);
}

/* Ends a sender's wait: it was dequeued under the lock, so nobody else
 * writes its state now but its owner, which may still go to sleep. */
static void complete_sender(struct mpsc__zero_packet *p, uint32_t result)
{
    /* Release: as in complete(); an exchange, because the owner may switch
     * WAITING to SLEEPING until we store. */
    if (atomic_exchange_explicit(&p->state, result, memory_order_release) == SLEEPING)
        mpsc__futex_wake(&p->state, 1);
}

/*
 * Waits until *state is DONE or above, or the deadline passes; returns the
 * state, which is below DONE only on timeout (WAITING or SLEEPING) or while
 * a sender is copying into a claimed receiver's packet (CLAIMED).  The
 * backoff comes by pointer: passed by value, GCC built it on the stack with
 * narrow stores and copied it with 16-byte loads, which cannot be served
 * from those stores, on every wait (`perf`: 81 % of recv_wait's samples on
 * the Xeon host; spsc and mpsc bounded0 0.86-0.99 and 0.89-0.96 x their
 * time without the copy, three runs of 7-9 alternating pairs).
 */
static uint32_t wait_state(_Atomic uint32_t *state, struct mpsc__backoff *backoff, uint64_t deadline)
{
    uint32_t s;
    /* Acquire on every load: pairs with the release in complete(). */
    do {
        s = atomic_load_explicit(state, memory_order_acquire);
        if (s >= DONE)
            return s;
    } while (mpsc__backoff_spin(backoff));
    /* A second call (after a timeout, a sender packet taken by a receiver
     * that is still copying) finds the packet SLEEPING already: it waits on. */
    s = WAITING;
    if (!atomic_compare_exchange_strong_explicit(state, &s, SLEEPING, memory_order_acquire, memory_order_acquire) &&
        s != SLEEPING)
        return s;
    while ((s = atomic_load_explicit(state, memory_order_acquire)) == SLEEPING) {
        if (deadline != MPSC__FOREVER && mpsc__now_ns() >= deadline)
            break;
        mpsc__futex_wait(state, SLEEPING, deadline);
    }
    return s;
}

/* Waits for a sender that claimed the receiver's packet and is copying
 * into it: a few instructions away unless it was preempted. */
static uint32_t wait_claimed(_Atomic uint32_t *state)
{
    struct mpsc__backoff backoff = {0};
    uint32_t s;
    /* Acquire: pairs with the release in complete(). */
    while ((s = atomic_load_explicit(state, memory_order_acquire)) == CLAIMED)
        mpsc__backoff_snooze(&backoff);
    return s;
}

/*
 * Takes the receiver's packet if the receiver waits in it: true, and the
 * packet is ours to fill (deliver) or end (disconnect); *was says whether
 * the receiver slept.  Any sender may try, with or without the lock.
 */
static bool claim_receiver(struct mpsc__zero *z, uint32_t *was)
{
    /* Relaxed: the compare-and-swap below decides. */
    uint32_t s = atomic_load_explicit(&z->rx.state, memory_order_relaxed);
    while (s == WAITING || s == SLEEPING) {
        /* Acquire: pairs with the receiver's release store of WAITING, so
         * its `dst` is visible, and its read of the previous message is
         * over before we write the next. */
        if (atomic_compare_exchange_weak_explicit(&z->rx.state, &s, CLAIMED, memory_order_acquire,
                                                  memory_order_relaxed)) {
            *was = s;
            return true;
        }
    }
    return false;
}

static mpsc_status deliver(struct mpsc__chan *c, const void *msg, uint32_t was)
{
    struct mpsc__zero_receiver *r = &c->q.zero.rx;
    mpsc__copy_msg(r->dst, msg, c->elem_size);
    complete(&r->state, was, DONE);
    return MPSC_OK;
}

static void senders_remove(struct mpsc__zero *z, struct mpsc__zero_packet *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        z->senders_head = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else
        z->senders_tail = p->prev;
    p->queued = false;
}

/*
 * The lock is held and the receiver does not wait: queue a packet and wait
 * in it.  Out of line, because the packet's alignment makes the frame that
 * holds it realign the stack, which mpsc__zero_send, and whatever inlines
 * it, need not pay when the receiver is there.
 */
MPSC__NOINLINE static mpsc_status send_wait(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    alignas(PACKET_ALIGN) struct mpsc__zero_packet p = {.src = msg, .queued = true, .prev = z->senders_tail};
    atomic_init(&p.state, WAITING);
    if (c->elem_size <= MPSC__ZERO_INLINE) {
        mpsc__copy_msg(p.inline_msg, msg, c->elem_size);
        p.src = p.inline_msg;
    }
    if (z->senders_tail != NULL)
        z->senders_tail->next = &p;
    else
        z->senders_head = &p;
    z->senders_tail = &p;
    zero_unlock(z);
    struct mpsc__backoff backoff = mpsc__wait_start(c, MPSC__TX_SIDE, deadline);
    uint32_t s = wait_state(&p.state, &backoff, deadline);
    if (s < DONE) {
        zero_lock(z);
        if (p.queued) {
            senders_remove(z, &p);
            zero_unlock(z);
            return MPSC_TIMEOUT;
        }
        /* The receiver dequeued us just before the deadline and is copying. */
        zero_unlock(z);
        s = wait_state(&p.state, &(struct mpsc__backoff){0}, MPSC__FOREVER);
    }
    return s == DONE ? MPSC_OK : MPSC_DISCONNECTED;
}

/*
 * Whether the receiver, not waiting now, starts to wait in its packet within
 * a short spin.  A receiver that keeps up is usually between two receives
 * when a sender comes: without the spin the sender took the lock, queued a
 * packet and waited in it, and the receiver's next receive took the lock
 * too, so that the lock's line and both packets crossed over for every
 * message.  Spinning, the sender reads only the receiver's packet line.
 * The spin reads nothing else: a first try that also read the
 * disconnection flag, which sits on the lock's line, pulled that line away
 * from the receiver at each of its lock and unlock, and was 1.6 x slower
 * than no spin at all.  So a send on a channel whose receiver is gone
 * finds that out under the lock, after the spin.
 *
 * MPSC__CPU_CHECK_ROUND pauses, and never a yield: a receiver that keeps up
 * is back within that (a few hundred nanoseconds), and one that shares our
 * CPU (pinned threads, an oversubscribed machine) cannot come back until
 * we yield, and should then find our message queued.  Spinning a whole
 * backoff, yields included, spsc and mpsc bounded0 under `taskset -c 0`
 * took 1,512 and 2,134 ns a message, two context switches each, against
 * 769 and 842 with no spin and 878 and 981 with this one.  On the Xeon
 * host, unpinned, against no spin: spsc and mpsc bounded0 from 253 and 248
 * ns to about 146 and 134 (with the spin lock, zero_lock), pingpong bounded0
 * from 764 to about 350 a round trip.
 */
static bool spin_for_receiver(struct mpsc__chan *c, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    if (mpsc__cannot_wait(deadline))
        return false;
    for (unsigned step = 0; step < MPSC__CPU_CHECK_ROUND; step++) {
        /* Relaxed: a hint; claim_receiver decides. */
        uint32_t s = atomic_load_explicit(&z->rx.state, memory_order_relaxed);
        if (s == WAITING || s == SLEEPING)
            return true;
        mpsc__cpu_relax();
    }
    return false;
}

mpsc_status mpsc__zero_send(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    uint32_t was;
    /* The receiver waits: hand over without the lock.  It is alive, so the
     * channel is not disconnected. */
    if (claim_receiver(z, &was))
        return deliver(c, msg, was);
    if (spin_for_receiver(c, deadline) && claim_receiver(z, &was))
        return deliver(c, msg, was);
    zero_lock(z);
    if (z->disconnected) {
        zero_unlock(z);
        return MPSC_DISCONNECTED;
    }
    /* The receiver may have started waiting since; it does so under the
     * lock, so from here on it cannot until we queue ourselves or leave. */
    if (claim_receiver(z, &was)) {
        zero_unlock(z);
        return deliver(c, msg, was);
    }
    mpsc_status refused = mpsc__wait_refused(deadline, MPSC_FULL);
    if (refused != MPSC_OK) {
        zero_unlock(z);
        return refused;
    }
    return send_wait(c, msg, deadline);
}

/* The lock is held, no sender waits: wait in the receiver's packet. */
MPSC__NOINLINE static mpsc_status recv_wait(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    struct mpsc__zero_receiver *r = &z->rx;
    bool inline_msg = c->elem_size <= MPSC__ZERO_INLINE;
    /* Written only when it changes: the line is read by the spinning
     * senders, and a store would take it from them one more time. */
    void *dst = inline_msg ? r->inline_msg : out;
    if (r->dst != dst)
        r->dst = dst;
    /* Release: a sender whose claim reads WAITING sees dst, and our reads of
     * the previous message are over before it writes the next. */
    atomic_store_explicit(&r->state, WAITING, memory_order_release);
    zero_unlock(z);
    struct mpsc__backoff backoff = mpsc__wait_start(c, MPSC__RX_SIDE, deadline);
    uint32_t s = wait_state(&r->state, &backoff, deadline);
    /* Timed out: take the packet back unless a sender or a disconnection
     * got to it first.  Acquire on failure: the state read may be DONE (a
     * sender claimed, copied and completed since wait_state's last load),
     * and then it must pair with the release in complete() before we read
     * the message; C11 wants the success order at least as strong. */
    while ((s == WAITING || s == SLEEPING) &&
           !atomic_compare_exchange_weak_explicit(&r->state, &s, IDLE, memory_order_acquire, memory_order_acquire))
        ;
    if (s == WAITING || s == SLEEPING)
        return MPSC_TIMEOUT;
    if (s == CLAIMED)
        s = wait_claimed(&r->state);
    if (s != DONE)
        return MPSC_DISCONNECTED;
    if (inline_msg)
        mpsc__copy_msg(out, r->inline_msg, c->elem_size);
    return MPSC_OK;
}

mpsc_status mpsc__zero_recv(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    zero_lock(z);
    struct mpsc__zero_packet *s = z->senders_head;
    if (s != NULL) {
        senders_remove(z, s);
        zero_unlock(z);
        mpsc__copy_msg(out, s->src, c->elem_size);
        complete_sender(s, DONE);
        return MPSC_OK;
    }
    if (z->disconnected) {
        zero_unlock(z);
        return MPSC_DISCONNECTED;
    }
    mpsc_status refused = mpsc__wait_refused(deadline, MPSC_EMPTY);
    if (refused != MPSC_OK) {
        zero_unlock(z);
        return refused;
    }
    return recv_wait(c, out, deadline);
}

/* Either side's disconnection: no one will ever meet a waiter again. */
static void disconnect(struct mpsc__zero *z)
{
    zero_lock(z);
    z->disconnected = true;
    while (z->senders_head != NULL) {
        struct mpsc__zero_packet *p = z->senders_head;
        senders_remove(z, p);
        complete_sender(p, DISCONNECTED);
    }
    /* A waiting receiver: unless a sender claimed it first, it is ours to
     * end. */
    uint32_t was;
    if (claim_receiver(z, &was))
        complete(&z->rx.state, was, DISCONNECTED);
    zero_unlock(z);
}

void mpsc__zero_disconnect_senders(struct mpsc__chan *c)
{
    disconnect(&c->q.zero);
}

void mpsc__zero_disconnect_receiver(struct mpsc__chan *c)
{
    /* Nothing is ever queued in a rendezvous channel: nothing to drop. */
    disconnect(&c->q.zero);
}
