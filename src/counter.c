/*
 * counter.c - who keeps a channel alive, and who frees it.  Follows Rust's
 * library/std/src/sync/mpmc/counter.rs: a count of Senders, one Receiver, and
 * a `destroy` flag that each side sets once it has disconnected; whichever
 * side sets it second frees the channel.
 */
#include "chan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

mpsc_status mpsc__chan_create(const mpsc_config *cfg, mpsc_sender **tx, mpsc_receiver **rx)
{
    /* A large bound is kept in the unbounded queue's blocks (chan.h,
     * MPSC__RING_MAX), whose receiver tells sleeping senders of room
     * through the asymmetric fence: without it, a ring.  Such a bound is
     * refused where the messages it allows would not fit in the address
     * space, as a ring that large is (flavor_array.c): the buffer size
     * overflows. */
    bool large = cfg->bounded && cfg->bound > MPSC__RING_MAX && mpsc__fence_heavy_available();
    if (large && (cfg->bound > SIZE_MAX / 4 || cfg->elem_size >= SIZE_MAX / cfg->bound))
        return MPSC_EINVAL;
    char *name = NULL;
    if (cfg->name != NULL) {
        size_t len = strlen(cfg->name) + 1;
        name = malloc(len);
        if (name == NULL)
            return MPSC_ENOMEM;
        memcpy(name, cfg->name, len);
    }
    /* The queues' producer and consumer fields sit on their own cache lines,
     * so the channel is allocated with that alignment. */
    struct mpsc__chan *c = aligned_alloc(MPSC__CACHE_LINE, round_up(sizeof *c, MPSC__CACHE_LINE));
    if (c == NULL) {
        free(name);
        return MPSC_ENOMEM;
    }
    memset(c, 0, sizeof *c);
    c->elem_size = cfg->elem_size;
    c->drop = cfg->drop;
    c->name = name;
    c->bound = cfg->bounded ? cfg->bound : SIZE_MAX;
    c->flavor = !cfg->bounded ? MPSC__LIST : large ? MPSC__LIST_BOUNDED : cfg->bound == 0 ? MPSC__ZERO : MPSC__ARRAY;
    atomic_init(&c->senders, 1);
    atomic_init(&c->destroy, false);
    c->first_tx.chan = c;
    c->rx.chan = c;

    mpsc_status st = c->flavor == MPSC__ARRAY  ? mpsc__array_init(c)
                     : c->flavor == MPSC__ZERO ? mpsc__zero_init(c)
                                               : mpsc__list_init(c);
    if (st != MPSC_OK) {
        free(name);
        free(c);
        return st;
    }
    *tx = &c->first_tx;
    *rx = &c->rx;
    return MPSC_OK;
}

mpsc_sender *mpsc__sender_clone(mpsc_sender *tx)
{
    mpsc_sender *copy = malloc(sizeof *copy);
    if (copy == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    copy->chan = tx->chan;
    /* Relaxed, as Arc::clone: the caller holds a live Sender, so the count is
     * at least 1 and cannot reach 0 under us; no data is published. */
    atomic_fetch_add_explicit(&tx->chan->senders, 1, memory_order_relaxed);
    return copy;
}

static void chan_free(struct mpsc__chan *c)
{
    switch (c->flavor) {
    case MPSC__LIST:
    case MPSC__LIST_BOUNDED: mpsc__list_destroy(c); break;
    case MPSC__ARRAY: mpsc__array_destroy(c); break;
    case MPSC__ZERO: break; /* a rendezvous channel allocates nothing of its own */
    }
    free(c->name);
    free(c);
}

/* The second side to get here frees the channel.  AcqRel: the release half
 * publishes this side's last writes (its disconnection, the receiver's
 * drained queue) to the freeing side; the acquire half makes the other
 * side's writes visible before we free. */
static void release_side(struct mpsc__chan *c)
{
    if (atomic_exchange_explicit(&c->destroy, true, memory_order_acq_rel))
        chan_free(c);
}

void mpsc__sender_release(mpsc_sender *tx)
{
    struct mpsc__chan *c = tx->chan;
    if (tx != &c->first_tx) {
        MPSC__HIDE(tx);
        free(tx);
    }
    /* AcqRel: every Sender's sends happen before the last one's
     * disconnection (release by each dropper, acquire by the last). */
    if (atomic_fetch_sub_explicit(&c->senders, 1, memory_order_acq_rel) != 1)
        return;
    switch (c->flavor) {
    case MPSC__LIST:
    case MPSC__LIST_BOUNDED: mpsc__list_disconnect_senders(c); break;
    case MPSC__ARRAY: mpsc__array_disconnect_senders(c); break;
    case MPSC__ZERO: mpsc__zero_disconnect_senders(c); break;
    }
    release_side(c);
}

void mpsc__receiver_release(mpsc_receiver *rx)
{
    struct mpsc__chan *c = rx->chan;
    switch (c->flavor) {
    case MPSC__LIST:
    case MPSC__LIST_BOUNDED: mpsc__list_disconnect_receiver(c); break;
    case MPSC__ARRAY: mpsc__array_disconnect_receiver(c); break;
    case MPSC__ZERO: mpsc__zero_disconnect_receiver(c); break;
    }
    release_side(c);
}
