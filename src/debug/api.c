/*
 * api.c - the debug build's entry points, called by the macros of
 * mpsc_debug.h: each checks its handle (checks.c), records the lifecycle
 * event, then calls the production function, by its parenthesised name, on
 * the production handle the token stands for.  No production call runs
 * under the registry lock except the non-blocking try_ forms that the
 * self-deadlock checks need.
 */
#include "debug.h"

#include <errno.h>

static struct mpsc__dbg_hist hist(enum mpsc__dbg_op op, const struct mpsc__dbg_handle *h,
                                  const struct mpsc__dbg_event *at)
{
    return (struct mpsc__dbg_hist){.op = op, .kind = h->kind, .id = h->id, .generation = h->generation,
                                   .expr = at->site.expr, .at = *at, .time_ns = mpsc__dbg_realtime_ns()};
}

/* The calling thread and the site, for a lifecycle event (lock held). */
static struct mpsc__dbg_event event_here(const struct mpsc__site *site)
{
    struct mpsc__dbg_thread *self = mpsc__dbg_self();
    mpsc__dbg_refresh_name(self);
    return (struct mpsc__dbg_event){*site, self};
}

/* ---- creation ---------------------------------------------------------- */

mpsc_status mpsc__debug_channel_new(const mpsc_config *cfg, mpsc_sender **tx, mpsc_receiver **rx,
                                    const struct mpsc__site *site, const char *rx_expr)
{
    if (cfg == NULL || tx == NULL || rx == NULL)
        return (mpsc_channel_new)(cfg, tx, rx);
    mpsc_sender *real_tx;
    mpsc_receiver *real_rx;
    mpsc_status st = (mpsc_channel_new)(cfg, &real_tx, &real_rx);
    if (st != MPSC_OK)
        return st;
    mpsc__dbg_lock();
    struct mpsc__dbg_event at = event_here(site);
    struct mpsc__dbg_chan *c = mpsc__dbg_chan_new(cfg);
    struct mpsc__dbg_handle *t = NULL, *r = NULL;
    if (c != NULL)
        t = mpsc__dbg_handle_new(c, MPSC__DBG_SENDER, real_tx, mpsc__dbg_next_id(), 1);
    if (t != NULL)
        r = mpsc__dbg_handle_new(c, MPSC__DBG_RECEIVER, real_rx, mpsc__dbg_next_id(), 1);
    if (r == NULL)
        mpsc__render_out_of_memory(site);
    t->owner = at.thread;
    t->name = site->expr;
    t->origin = t->created = t->owned = at;
    r->owner = at.thread;
    r->name = rx_expr;
    r->origin = r->created = r->owned = at;
    r->origin.site.expr = r->created.site.expr = r->owned.site.expr = rx_expr;
    struct mpsc__dbg_hist ev = hist(MPSC__EV_CREATED, t, &at);
    ev.id2 = r->id;
    ev.expr2 = rx_expr;
    mpsc__dbg_history(c, &ev);
    *tx = mpsc__dbg_token(t);
    *rx = mpsc__dbg_token(r);
    mpsc__dbg_unlock();
    return MPSC_OK;
}

mpsc_status mpsc__debug_channel(size_t elem_size, mpsc_sender **tx, mpsc_receiver **rx,
                                const struct mpsc__site *site, const char *rx_expr)
{
    mpsc_config cfg = {.elem_size = elem_size};
    return mpsc__debug_channel_new(&cfg, tx, rx, site, rx_expr);
}

mpsc_status mpsc__debug_sync_channel(size_t elem_size, size_t bound, mpsc_sender **tx, mpsc_receiver **rx,
                                     const struct mpsc__site *site, const char *rx_expr)
{
    mpsc_config cfg = {.elem_size = elem_size, .bounded = true, .bound = bound};
    return mpsc__debug_channel_new(&cfg, tx, rx, site, rx_expr);
}

mpsc_sender *mpsc__debug_sender_clone(mpsc_sender *tx, const struct mpsc__site *site)
{
    if (tx == NULL)
        return (mpsc_sender_clone)(NULL);
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(tx, MPSC__DBG_SENDER, 0, site);
    mpsc_sender *real = (mpsc_sender_clone)(h->real);
    if (real == NULL) {
        int err = errno;
        mpsc__dbg_leave(h, 0);
        mpsc__dbg_unlock();
        errno = err;
        return NULL;
    }
    struct mpsc__dbg_event at = event_here(site);
    struct mpsc__dbg_handle *n = mpsc__dbg_handle_new(h->chan, MPSC__DBG_SENDER, real, mpsc__dbg_next_id(), 1);
    if (n == NULL)
        mpsc__render_out_of_memory(site);
    n->owner = at.thread;
    n->from_clone = true;
    n->origin = n->created = n->owned = at;
    /* The clone's own name is not in the call (tx2 = mpsc_sender_clone(tx)):
     * render.c reads it from the source line, or names it by its number. */
    n->origin.site.expr = n->created.site.expr = n->owned.site.expr = NULL;
    struct mpsc__dbg_hist ev = hist(MPSC__EV_CLONED, h, &at);
    ev.id2 = n->id;
    mpsc__dbg_history(h->chan, &ev);
    mpsc__dbg_leave(h, 0);
    mpsc_sender *token = mpsc__dbg_token(n);
    mpsc__dbg_unlock();
    return token;
}

/* ---- ownership --------------------------------------------------------- */

void *mpsc__debug_move(const void *handle, const struct mpsc__site *site)
{
    if (handle == NULL)
        return NULL;
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(handle, MPSC__DBG_ANY, MPSC__USE_CONSUME, site);
    struct mpsc__dbg_event at = event_here(site);
    struct mpsc__dbg_handle *n = mpsc__dbg_handle_new(h->chan, h->kind, h->real, h->id, h->generation + 1);
    if (n == NULL)
        mpsc__render_out_of_memory(site);
    /* No owner until a thread uses it: moved handles are in transit. */
    n->shared = h->shared;
    n->from_clone = h->from_clone;
    n->name = h->name;
    n->origin = h->origin;
    n->created = at;
    struct mpsc__dbg_hist ev = hist(MPSC__EV_MOVED, h, &at);
    mpsc__dbg_history(h->chan, &ev);
    mpsc__dbg_retire(h, MPSC__DBG_MOVED, &at);
    void *token = mpsc__dbg_token(n);
    mpsc__dbg_unlock();
    return token;
}

void *mpsc__debug_share(const void *handle, const struct mpsc__site *site)
{
    if (handle == NULL)
        return NULL;
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(handle, MPSC__DBG_ANY, 0, site);
    if (!h->shared) {
        h->shared = true;
        struct mpsc__dbg_event at = event_here(site);
        struct mpsc__dbg_hist ev = hist(MPSC__EV_SHARED, h, &at);
        mpsc__dbg_history(h->chan, &ev);
    }
    mpsc__dbg_leave(h, 0);
    mpsc__dbg_unlock();
    return (void *)handle;
}

void mpsc__debug_allow_disconnected_send(const void *handle, const struct mpsc__site *site)
{
    if (handle == NULL)
        return;
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(handle, MPSC__DBG_ANY, MPSC__USE_ANY_THREAD, site);
    h->chan->allow_disconnected = true;
    mpsc__dbg_leave(h, 0);
    mpsc__dbg_unlock();
}

/* ---- drops ------------------------------------------------------------- */

void mpsc__debug_sender_drop(mpsc_sender *tx, const struct mpsc__site *site)
{
    if (tx == NULL)
        return;
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(tx, MPSC__DBG_SENDER, MPSC__USE_CONSUME, site);
    struct mpsc__dbg_chan *c = h->chan;
    struct mpsc__dbg_event at = event_here(site);
    void *real = h->real;
    struct mpsc__dbg_hist ev = hist(MPSC__EV_DROPPED, h, &at);
    mpsc__dbg_history(c, &ev);
    mpsc__dbg_retire(h, MPSC__DBG_DROPPED, &at);
    if (c->live_senders == 0) {
        ev.op = MPSC__EV_DISCONNECTED;
        mpsc__dbg_history(c, &ev);
    } else {
        mpsc__dbg_check_sleeping_receiver(c, &at);
    }
    mpsc__dbg_unlock();
    (mpsc_sender_drop)(real);
}

void mpsc__debug_receiver_drop(mpsc_receiver *rx, const struct mpsc__site *site)
{
    if (rx == NULL)
        return;
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(rx, MPSC__DBG_RECEIVER, MPSC__USE_CONSUME, site);
    struct mpsc__dbg_chan *c = h->chan;
    struct mpsc__dbg_event at = event_here(site);
    void *real = h->real;
    c->rx_dropped = true;
    c->rx_drop = at;
    c->queued_at_drop = (mpsc_len)(real);
    struct mpsc__dbg_hist ev = hist(MPSC__EV_DROPPED, h, &at);
    ev.count = c->queued_at_drop;
    mpsc__dbg_history(c, &ev);
    ev.op = MPSC__EV_DISCONNECTED;
    mpsc__dbg_history(c, &ev);
    mpsc__dbg_retire(h, MPSC__DBG_DROPPED, &at);
    mpsc__dbg_unlock();
    (mpsc_receiver_drop)(real);
}

/* ---- sending ----------------------------------------------------------- */

enum form { BLOCKING, TRY, TIMEOUT };

/* After the production send (lock not held unless `locked`). */
static mpsc_status sent(struct mpsc__dbg_handle *h, mpsc_status st, const struct mpsc__site *site, bool locked)
{
    struct mpsc__dbg_chan *c = h->chan;
    /* Seq_cst, in this order: see mpsc__dbg_check_sleeping_receiver. */
    if (st == MPSC_OK)
        atomic_fetch_add(&c->sends_ok, 1);
    atomic_fetch_sub(&c->in_flight, 1);
    if (st == MPSC_DISCONNECTED) {
        if (!locked)
            mpsc__dbg_lock();
        mpsc__dbg_check_disconnected_send(h, site);
        if (!locked)
            mpsc__dbg_unlock();
    }
    mpsc__dbg_leave(h, 0);
    return st;
}

static mpsc_status send_form(mpsc_sender *tx, const void *msg, enum form form, uint64_t timeout_ns,
                             const struct mpsc__site *site)
{
    if (tx == NULL) /* every form answers MPSC_EINVAL, as in production */
        return (mpsc_try_send)(NULL, msg);
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(tx, MPSC__DBG_SENDER, 0, site);
    struct mpsc__dbg_chan *c = h->chan;
    atomic_fetch_add(&c->in_flight, 1);
    if (form == BLOCKING && c->bound != SIZE_MAX && mpsc__dbg_receiver_is_mine(c, mpsc__dbg_self())) {
        /* Only this thread could make room or take the message, and it is
         * here: if the send cannot finish now, it never will. */
        mpsc_status st = (mpsc_try_send)(h->real, msg);
        if (st == MPSC_FULL)
            mpsc__render_send_deadlock(h, site);
        st = sent(h, st, site, true);
        mpsc__dbg_unlock();
        return st;
    }
    mpsc__dbg_unlock();
    mpsc_status st;
    switch (form) {
    case BLOCKING: st = (mpsc_send)(h->real, msg); break;
    case TRY: st = (mpsc_try_send)(h->real, msg); break;
    default: st = (mpsc_send_timeout)(h->real, msg, timeout_ns); break;
    }
    return sent(h, st, site, false);
}

mpsc_status mpsc__debug_send(mpsc_sender *tx, const void *msg, const struct mpsc__site *site)
{
    return send_form(tx, msg, BLOCKING, 0, site);
}

mpsc_status mpsc__debug_try_send(mpsc_sender *tx, const void *msg, const struct mpsc__site *site)
{
    return send_form(tx, msg, TRY, 0, site);
}

mpsc_status mpsc__debug_send_timeout(mpsc_sender *tx, const void *msg, uint64_t timeout_ns,
                                     const struct mpsc__site *site)
{
    return send_form(tx, msg, TIMEOUT, timeout_ns, site);
}

/* ---- receiving --------------------------------------------------------- */

/* A blocking receive: first without blocking, under the lock; if the
 * channel is empty, either no other thread can ever send (abort) or the
 * receiver sleeps with a note of what it saw. */
static mpsc_status recv_blocking(struct mpsc__dbg_handle *h, void *out, const struct mpsc__site *site)
{
    struct mpsc__dbg_chan *c = h->chan;
    /* Read before trying: a send that completes after this read changes
     * sends_ok, so the sleeping receiver is never judged on a stale view. */
    uint64_t seen = atomic_load(&c->sends_ok);
    mpsc_status st = (mpsc_try_recv)(h->real, out);
    if (st != MPSC_EMPTY) {
        if (st == MPSC_DISCONNECTED)
            mpsc__dbg_check_disconnected_recv(h, site);
        mpsc__dbg_leave(h, MPSC__USE_RECEIVE);
        mpsc__dbg_unlock();
        return st;
    }
    mpsc__dbg_check_recv_blocks(h, site);
    c->rx_blocked = true;
    c->rx_block = (struct mpsc__dbg_event){*site, mpsc__dbg_self()};
    c->rx_block_sends = seen;
    mpsc__dbg_unlock();
    st = (mpsc_recv)(h->real, out);
    mpsc__dbg_lock();
    c->rx_blocked = false;
    if (st == MPSC_DISCONNECTED)
        mpsc__dbg_check_disconnected_recv(h, site);
    mpsc__dbg_unlock();
    mpsc__dbg_leave(h, MPSC__USE_RECEIVE);
    return st;
}

static mpsc_status recv_form(mpsc_receiver *rx, void *out, enum form form, uint64_t timeout_ns,
                             const struct timespec *deadline, const struct mpsc__site *site)
{
    if (rx == NULL) /* every form answers MPSC_EINVAL, as in production */
        return (mpsc_try_recv)(NULL, out);
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(rx, MPSC__DBG_RECEIVER, MPSC__USE_RECEIVE, site);
    if (form == BLOCKING)
        return recv_blocking(h, out, site);
    mpsc__dbg_unlock();
    mpsc_status st;
    if (deadline != NULL)
        st = (mpsc_recv_deadline)(h->real, out, deadline);
    else if (form == TRY)
        st = (mpsc_try_recv)(h->real, out);
    else
        st = (mpsc_recv_timeout)(h->real, out, timeout_ns);
    if (st == MPSC_DISCONNECTED) {
        mpsc__dbg_lock();
        mpsc__dbg_check_disconnected_recv(h, site);
        mpsc__dbg_unlock();
    }
    mpsc__dbg_leave(h, MPSC__USE_RECEIVE);
    return st;
}

mpsc_status mpsc__debug_recv(mpsc_receiver *rx, void *out, const struct mpsc__site *site)
{
    return recv_form(rx, out, BLOCKING, 0, NULL, site);
}

mpsc_status mpsc__debug_try_recv(mpsc_receiver *rx, void *out, const struct mpsc__site *site)
{
    return recv_form(rx, out, TRY, 0, NULL, site);
}

mpsc_status mpsc__debug_recv_timeout(mpsc_receiver *rx, void *out, uint64_t timeout_ns,
                                     const struct mpsc__site *site)
{
    return recv_form(rx, out, TIMEOUT, timeout_ns, NULL, site);
}

mpsc_status mpsc__debug_recv_deadline(mpsc_receiver *rx, void *out, const struct timespec *deadline,
                                      const struct mpsc__site *site)
{
    if (deadline == NULL)
        return (mpsc_recv_deadline)(NULL, out, NULL);
    return recv_form(rx, out, TIMEOUT, 0, deadline, site);
}

/* ---- queries ----------------------------------------------------------- */

size_t mpsc__debug_len(const mpsc_receiver *rx, const struct mpsc__site *site)
{
    if (rx == NULL)
        return (mpsc_len)(NULL);
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(rx, MPSC__DBG_RECEIVER, MPSC__USE_ANY_THREAD, site);
    mpsc__dbg_unlock();
    size_t n = (mpsc_len)(h->real);
    mpsc__dbg_leave(h, 0);
    return n;
}

size_t mpsc__debug_capacity(const mpsc_receiver *rx, const struct mpsc__site *site)
{
    if (rx == NULL)
        return (mpsc_capacity)(NULL);
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(rx, MPSC__DBG_RECEIVER, MPSC__USE_ANY_THREAD, site);
    mpsc__dbg_unlock();
    size_t n = (mpsc_capacity)(h->real);
    mpsc__dbg_leave(h, 0);
    return n;
}
