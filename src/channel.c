/*
 * channel.c - the public entry points: check the arguments, turn timeouts
 * into deadlines, and dispatch to the channel's flavor (flavor_list.c,
 * flavor_array.c, flavor_zero.c).  Handle counting is in counter.c.
 */
#include "chan.h"

#include <errno.h>

const char *(mpsc_status_str)(mpsc_status s)
{
    switch (s) {
#define MPSC__STATUS_TEXT(name, value, text)                                                                 \
    case name:                                                                                               \
        return text;
        MPSC_STATUS_MAP(MPSC__STATUS_TEXT)
#undef MPSC__STATUS_TEXT
    }
    return "unknown mpsc_status";
}

mpsc_status(mpsc_channel_new)(const mpsc_config *cfg, mpsc_sender **tx, mpsc_receiver **rx)
{
    if (cfg == NULL || tx == NULL || rx == NULL)
        return MPSC_EINVAL;
    return mpsc__chan_create(cfg, tx, rx);
}

mpsc_status(mpsc_channel)(size_t elem_size, mpsc_sender **tx, mpsc_receiver **rx)
{
    mpsc_config cfg = {.elem_size = elem_size};
    return (mpsc_channel_new)(&cfg, tx, rx);
}

mpsc_status(mpsc_sync_channel)(size_t elem_size, size_t bound, mpsc_sender **tx, mpsc_receiver **rx)
{
    mpsc_config cfg = {.elem_size = elem_size, .bounded = true, .bound = bound};
    return (mpsc_channel_new)(&cfg, tx, rx);
}

mpsc_sender *(mpsc_sender_clone)(mpsc_sender *tx)
{
    if (tx == NULL) {
        errno = EINVAL;
        return NULL;
    }
    return mpsc__sender_clone(tx);
}

void(mpsc_sender_drop)(mpsc_sender *tx)
{
    if (tx != NULL)
        mpsc__sender_release(tx);
}

void(mpsc_receiver_drop)(mpsc_receiver *rx)
{
    if (rx != NULL)
        mpsc__receiver_release(rx);
}

/* Every send form: the deadline is MPSC__NO_WAIT for try_send. */
static mpsc_status send_until(mpsc_sender *tx, const void *msg, uint64_t deadline)
{
    if (tx == NULL)
        return MPSC_EINVAL;
    struct mpsc__chan *c = tx->chan;
    if (msg == NULL && c->elem_size != 0)
        return MPSC_EINVAL;
    /* The unbounded queue first, as a test of its own: a switch of four
     * cases became a jump table, and its indirect jump made the unbounded
     * receive 0.45 ns slower in cache (AMD host). */
    if (MPSC__LIKELY(c->flavor == MPSC__LIST))
        return mpsc__list_send(c, msg);
    switch (c->flavor) {
    case MPSC__LIST: break;
    case MPSC__LIST_BOUNDED: return mpsc__list_send_bounded(c, msg, deadline);
    case MPSC__ARRAY: return mpsc__array_send(c, msg, deadline);
    case MPSC__ZERO: return mpsc__zero_send(c, msg, deadline);
    }
    return MPSC_EINVAL;
}

mpsc_status(mpsc_send)(mpsc_sender *tx, const void *msg)
{
    return send_until(tx, msg, MPSC__FOREVER);
}

mpsc_status(mpsc_try_send)(mpsc_sender *tx, const void *msg)
{
    return send_until(tx, msg, MPSC__NO_WAIT);
}

mpsc_status(mpsc_send_timeout)(mpsc_sender *tx, const void *msg, uint64_t timeout_ns)
{
    return send_until(tx, msg, mpsc__deadline_after(timeout_ns));
}

/* Every receive form: the deadline is MPSC__NO_WAIT for try_recv. */
static mpsc_status recv_until(mpsc_receiver *rx, void *out, uint64_t deadline)
{
    if (rx == NULL)
        return MPSC_EINVAL;
    struct mpsc__chan *c = rx->chan;
    if (out == NULL && c->elem_size != 0)
        return MPSC_EINVAL;
    /* As in send_until. */
    if (MPSC__LIKELY(c->flavor == MPSC__LIST))
        return mpsc__list_recv(c, out, deadline);
    switch (c->flavor) {
    case MPSC__LIST: break;
    case MPSC__LIST_BOUNDED: return mpsc__list_recv_bounded(c, out, deadline);
    case MPSC__ARRAY: return mpsc__array_recv(c, out, deadline);
    case MPSC__ZERO: return mpsc__zero_recv(c, out, deadline);
    }
    return MPSC_EINVAL;
}

mpsc_status(mpsc_recv)(mpsc_receiver *rx, void *out)
{
    return recv_until(rx, out, MPSC__FOREVER);
}

mpsc_status(mpsc_try_recv)(mpsc_receiver *rx, void *out)
{
    return recv_until(rx, out, MPSC__NO_WAIT);
}

mpsc_status(mpsc_recv_timeout)(mpsc_receiver *rx, void *out, uint64_t timeout_ns)
{
    return recv_until(rx, out, mpsc__deadline_after(timeout_ns));
}

mpsc_status(mpsc_recv_deadline)(mpsc_receiver *rx, void *out, const struct timespec *deadline)
{
    if (deadline == NULL || deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L)
        return MPSC_EINVAL;
    uint64_t ns;
    if (deadline->tv_sec < 0)
        ns = 1; /* long past */
    else if ((uint64_t)deadline->tv_sec > (MPSC__FOREVER - 1) / UINT64_C(1000000000) - 1)
        ns = MPSC__FOREVER;
    else
        ns = (uint64_t)deadline->tv_sec * UINT64_C(1000000000) + (uint64_t)deadline->tv_nsec;
    /* A deadline of 0 would read as "try": it is long past, so 1 means the
     * same thing. */
    return recv_until(rx, out, ns == MPSC__NO_WAIT ? 1 : ns);
}

mpsc_status mpsc__send_unbounded(mpsc_sender *tx, const void *msg)
{
    struct mpsc__chan *c = tx->chan;
    if (c->flavor != MPSC__LIST || (msg == NULL && c->elem_size != 0))
        return (mpsc_send)(tx, msg);
    return mpsc__list_send(c, msg);
}

mpsc_status mpsc__send_spin(mpsc_sender *tx, const void *msg)
{
    struct mpsc__chan *c = tx->chan;
    if (msg != NULL || c->elem_size == 0) {
        if (c->flavor == MPSC__ARRAY)
            return mpsc__array_send(c, msg, MPSC__SPIN_ONLY);
        if (c->flavor == MPSC__LIST_BOUNDED)
            return mpsc__list_send_bounded(c, msg, MPSC__SPIN_ONLY);
    }
    /* A rendezvous sender cannot take its packet back half-way as simply
     * (as for the receive, below). */
    mpsc_status st = send_until(tx, msg, MPSC__NO_WAIT);
    return st == MPSC_FULL ? MPSC_TIMEOUT : st;
}

/* The debug build's first wait on a ring, with the ring's receive inlined
 * into it: inlined into mpsc__recv_spin as well, it made the unbounded
 * queue's path there save more registers, and the debug build's spsc
 * unbounded 1.13 x slower (Xeon host, 7 interleaved rounds); called from
 * there, it took the debug build's spsc bounded1000 from 12.7 to 10.5 ns
 * a message, where it runs at the debug receiver's pace. */
MPSC__NOINLINE static mpsc_status array_recv_spin(struct mpsc__chan *c, void *out)
{
    return mpsc__array_recv(c, out, MPSC__SPIN_ONLY);
}

/* mpsc__recv_spin on a rendezvous channel or a large bound's list, or with
 * bad arguments. */
MPSC__NOINLINE static mpsc_status recv_spin_other(mpsc_receiver *rx, void *out)
{
    /* A rendezvous receive cannot take its packet back half-way as simply;
     * it gets the try_recv that the debug build used before. */
    if (rx != NULL && rx->chan->flavor == MPSC__ZERO) {
        mpsc_status st = recv_until(rx, out, MPSC__NO_WAIT);
        return st == MPSC_EMPTY ? MPSC_TIMEOUT : st;
    }
    return recv_until(rx, out, MPSC__SPIN_ONLY);
}

/* inline, as the queues' (chan.h): link-time optimisation then puts it
 * into the debug build's receive (use.c, recv_form) and on into the
 * caller's loop, where it was a call a message: the debug build's seq
 * unbounded 170 to 159 instructions a message (callgrind), its spsc and
 * mpsc unbounded 1.57 and 1.63 x the production build's time to 1.42 and
 * 1.48 (21 alternating rounds, AMD model-17 host). */
inline mpsc_status mpsc__recv_spin(mpsc_receiver *rx, void *out)
{
    /* The queues straight, as mpsc__send_unbounded: with the debug
     * build's send and receive inlined into the caller (use.c), going
     * through recv_until's dispatch left its receiver slower than its
     * producer, and spsc unbounded at 1.6 x the production build. */
    if (rx != NULL && (out != NULL || rx->chan->elem_size == 0)) {
        if (rx->chan->flavor == MPSC__LIST)
            return mpsc__list_recv(rx->chan, out, MPSC__SPIN_ONLY);
        if (rx->chan->flavor == MPSC__ARRAY)
            return array_recv_spin(rx->chan, out);
    }
    return recv_spin_other(rx, out);
}

size_t(mpsc_len)(const mpsc_receiver *rx)
{
    if (rx == NULL)
        return 0;
    const struct mpsc__chan *c = rx->chan;
    switch (c->flavor) {
    case MPSC__LIST:
    case MPSC__LIST_BOUNDED: return mpsc__list_len(c);
    case MPSC__ARRAY: return mpsc__array_len(c);
    case MPSC__ZERO: return 0;
    }
    return 0;
}

size_t(mpsc_capacity)(const mpsc_receiver *rx)
{
    return rx == NULL ? SIZE_MAX : rx->chan->bound;
}
