/*
 * flavor_zero.c - the rendezvous channel, sync_channel(0): a sender and the
 * receiver meet and the message is copied straight from one to the other.
 * Follows Rust's library/std/src/sync/mpmc/zero.rs: a mutex guards who is
 * waiting; a thread that finds no partner puts a packet (on its own stack)
 * in the channel and sleeps on it until the partner that takes it copies the
 * message and marks it done.  With one receiver, its side of the waiting
 * list is a single pointer.
 */
#include "chan.h"

#include <string.h>

/* Packet states.  WAITING and SLEEPING belong to the packet's owner (it
 * switches to SLEEPING before a futex wait, so a partner knows to wake it);
 * DONE and DISCONNECTED are written once, by the partner or the
 * disconnecting side, and end the wait. */
enum { WAITING, SLEEPING, DONE, DISCONNECTED };

/* The largest message a packet carries itself (below). */
#define INLINE_BYTES 16

/*
 * Lives on the stack of the blocked sender or receiver, from before it is
 * queued until its owner returns.  `src`/`dst` and `state` are read by the
 * partner; `next`, `prev` and `queued` are guarded by the channel's lock.
 * Once a partner has dequeued it (queued = false, under the lock), only that
 * partner may complete it, and the owner must wait for that.
 */
struct mpsc__zero_packet {
    const void *src; /* a sender's message */
    void *dst;       /* the receiver's buffer */
    _Atomic uint32_t state;
    bool queued;
    struct mpsc__zero_packet *next, *prev;
    /* A message of at most INLINE_BYTES travels here instead (src or dst
     * point to it): the partner then touches one cache line of ours, the
     * packet's, instead of that line and the line of the caller's buffer. */
    alignas(16) unsigned char inline_msg[INLINE_BYTES];
};

/* Packets are aligned to a cache line, so that each is one line. */
#define PACKET_ALIGN 64

mpsc_status mpsc__zero_init(struct mpsc__chan *c)
{
    struct mpsc__zero *z = &c->q.zero;
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return MPSC_ENOMEM;
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    /* The lock is held for a few pointer updates: a contender spins a little
     * before it sleeps, instead of paying a kernel wake-up at once. */
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    int err = pthread_mutex_init(&z->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (err != 0)
        return MPSC_ENOMEM;
    z->senders_head = z->senders_tail = NULL;
    z->receiver = NULL;
    z->disconnected = false;
    return MPSC_OK;
}

void mpsc__zero_destroy(struct mpsc__chan *c)
{
    pthread_mutex_destroy(&c->q.zero.lock);
}

/* Ends the wait of a dequeued packet. */
static void complete(struct mpsc__zero_packet *p, uint32_t result)
{
    /* Release: the owner's acquire load of the state sees the copied
     * message (or, for a sender's packet, knows we are done reading it). */
    if (atomic_exchange_explicit(&p->state, result, memory_order_release) == SLEEPING)
        mpsc__futex_wake(&p->state, 1);
}

/* Waits until the packet is completed or the deadline passes; returns the
 * state, which is WAITING or SLEEPING only on timeout. */
static uint32_t wait_packet(struct mpsc__zero_packet *p, struct mpsc__backoff backoff, uint64_t deadline)
{
    uint32_t s;
    /* Acquire on every load: pairs with the release in complete(). */
    do {
        s = atomic_load_explicit(&p->state, memory_order_acquire);
        if (s >= DONE)
            return s;
    } while (mpsc__backoff_spin(&backoff));
    /* A second call (park() after a timeout, its packet taken by a partner
     * that is still copying) finds the packet SLEEPING already: it waits on. */
    s = WAITING;
    if (!atomic_compare_exchange_strong_explicit(&p->state, &s, SLEEPING, memory_order_acquire,
                                                 memory_order_acquire) && s != SLEEPING)
        return s;
    while ((s = atomic_load_explicit(&p->state, memory_order_acquire)) == SLEEPING) {
        if (deadline != MPSC__FOREVER && mpsc__now_ns() >= deadline)
            break;
        mpsc__futex_wait(&p->state, SLEEPING, deadline);
    }
    return s;
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

/* Called with the lock held, packet queued: releases the lock and waits. */
static mpsc_status park(struct mpsc__chan *c, enum mpsc__side side, struct mpsc__zero_packet *p,
                        uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    pthread_mutex_unlock(&z->lock);
    uint32_t s = wait_packet(p, mpsc__wait_start(c, side), deadline);
    if (s < DONE) {
        pthread_mutex_lock(&z->lock);
        if (p->queued) {
            if (p == z->receiver) {
                z->receiver = NULL;
                p->queued = false;
            } else {
                senders_remove(z, p);
            }
            pthread_mutex_unlock(&z->lock);
            return MPSC_TIMEOUT;
        }
        /* A partner dequeued us just before the deadline and is copying. */
        pthread_mutex_unlock(&z->lock);
        s = wait_packet(p, (struct mpsc__backoff){0}, MPSC__FOREVER);
    }
    return s == DONE ? MPSC_OK : MPSC_DISCONNECTED;
}

/* The lock is held; a deadline of NO_WAIT or one already past ends here. */
static bool cannot_wait(uint64_t deadline)
{
    return deadline == MPSC__NO_WAIT || (deadline != MPSC__FOREVER && mpsc__now_ns() >= deadline);
}

/*
 * The lock is held and no partner is waiting: queue a packet and wait in it.
 * Out of line, because the packet's alignment makes the frame of the
 * function that holds it realign the stack, which mpsc__zero_send and
 * mpsc__zero_recv, and whatever inlines them, need not pay when a partner
 * is there.
 */
MPSC__NOINLINE static mpsc_status send_wait(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    alignas(PACKET_ALIGN) struct mpsc__zero_packet p = {.src = msg, .queued = true, .prev = z->senders_tail};
    atomic_init(&p.state, WAITING);
    if (c->elem_size <= INLINE_BYTES) {
        mpsc__copy_msg(p.inline_msg, msg, c->elem_size);
        p.src = p.inline_msg;
    }
    if (z->senders_tail != NULL)
        z->senders_tail->next = &p;
    else
        z->senders_head = &p;
    z->senders_tail = &p;
    return park(c, MPSC__TX_SIDE, &p, deadline);
}

/* The same for the receiver. */
MPSC__NOINLINE static mpsc_status recv_wait(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    bool inline_msg = c->elem_size <= INLINE_BYTES;
    alignas(PACKET_ALIGN) struct mpsc__zero_packet p = {.queued = true};
    p.dst = inline_msg ? p.inline_msg : out;
    atomic_init(&p.state, WAITING);
    c->q.zero.receiver = &p;
    mpsc_status st = park(c, MPSC__RX_SIDE, &p, deadline);
    if (st == MPSC_OK && inline_msg)
        mpsc__copy_msg(out, p.inline_msg, c->elem_size);
    return st;
}

mpsc_status mpsc__zero_send(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    pthread_mutex_lock(&z->lock);
    if (z->disconnected) {
        pthread_mutex_unlock(&z->lock);
        return MPSC_DISCONNECTED;
    }
    struct mpsc__zero_packet *r = z->receiver;
    if (r != NULL) {
        z->receiver = NULL;
        r->queued = false;
        pthread_mutex_unlock(&z->lock);
        mpsc__copy_msg(r->dst, msg, c->elem_size);
        complete(r, DONE);
        return MPSC_OK;
    }
    if (cannot_wait(deadline)) {
        pthread_mutex_unlock(&z->lock);
        return deadline == MPSC__NO_WAIT ? MPSC_FULL : MPSC_TIMEOUT;
    }
    return send_wait(c, msg, deadline);
}

mpsc_status mpsc__zero_recv(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    struct mpsc__zero *z = &c->q.zero;
    pthread_mutex_lock(&z->lock);
    struct mpsc__zero_packet *s = z->senders_head;
    if (s != NULL) {
        senders_remove(z, s);
        pthread_mutex_unlock(&z->lock);
        mpsc__copy_msg(out, s->src, c->elem_size);
        complete(s, DONE);
        return MPSC_OK;
    }
    if (z->disconnected) {
        pthread_mutex_unlock(&z->lock);
        return MPSC_DISCONNECTED;
    }
    if (cannot_wait(deadline)) {
        pthread_mutex_unlock(&z->lock);
        return deadline == MPSC__NO_WAIT ? MPSC_EMPTY : MPSC_TIMEOUT;
    }
    return recv_wait(c, out, deadline);
}

/* Either side's disconnection: no one will ever meet a waiter again. */
static void disconnect(struct mpsc__zero *z)
{
    pthread_mutex_lock(&z->lock);
    z->disconnected = true;
    while (z->senders_head != NULL) {
        struct mpsc__zero_packet *p = z->senders_head;
        senders_remove(z, p);
        complete(p, DISCONNECTED);
    }
    struct mpsc__zero_packet *r = z->receiver;
    if (r != NULL) {
        z->receiver = NULL;
        r->queued = false;
        complete(r, DISCONNECTED);
    }
    pthread_mutex_unlock(&z->lock);
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
