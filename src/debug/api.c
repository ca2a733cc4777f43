/*
 * api.c - the debug build's entry points for the lifecycle of handles
 * (channel creation, clone, move, share, drop) and the queries, called by
 * the macros of mpsc_debug.h: each checks its handle under the registry
 * lock (checks.c), records the lifecycle event, then calls the production
 * function, by its parenthesised name, on the production handle the token
 * stands for.  Sends and receives are in use.c.
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
        t = mpsc__dbg_handle_new(c, MPSC__DBG_SENDER, real_tx, mpsc__dbg_next_id(), 1, at.thread, false);
    if (t != NULL)
        r = mpsc__dbg_handle_new(c, MPSC__DBG_RECEIVER, real_rx, mpsc__dbg_next_id(), 1, at.thread, false);
    if (r == NULL)
        mpsc__render_out_of_memory(site);
    /* Relaxed: read under the lock only (use.c). */
    atomic_store_explicit(&t->name, site->expr, memory_order_relaxed);
    t->origin = t->created = t->owned = at;
    atomic_store_explicit(&r->name, rx_expr, memory_order_relaxed);
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
    struct mpsc__dbg_handle *n =
        mpsc__dbg_handle_new(h->chan, MPSC__DBG_SENDER, real, mpsc__dbg_next_id(), 1, at.thread, false);
    if (n == NULL)
        mpsc__render_out_of_memory(site);
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
    /* No owner until a thread uses it: moved handles are in transit. */
    struct mpsc__dbg_handle *n =
        mpsc__dbg_handle_new(h->chan, h->kind, h->real, h->id, h->generation + 1, NULL, h->shared);
    if (n == NULL)
        mpsc__render_out_of_memory(site);
    n->from_clone = h->from_clone;
    /* Relaxed: read under the lock only (use.c). */
    atomic_store_explicit(&n->name, mpsc__dbg_name(h), memory_order_relaxed);
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
    /* Before the key changes how calls on the handle are counted. */
    mpsc__dbg_leave(h, 0);
    if (!h->shared) {
        h->shared = true;
        mpsc__dbg_publish_key(h);
        struct mpsc__dbg_event at = event_here(site);
        struct mpsc__dbg_hist ev = hist(MPSC__EV_SHARED, h, &at);
        mpsc__dbg_history(h->chan, &ev);
    }
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
    mpsc__dbg_leave(h, MPSC__USE_ANY_THREAD);
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

/* ---- queries ----------------------------------------------------------- */

size_t mpsc__debug_len(const mpsc_receiver *rx, const struct mpsc__site *site)
{
    if (rx == NULL)
        return (mpsc_len)(NULL);
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(rx, MPSC__DBG_RECEIVER, MPSC__USE_ANY_THREAD, site);
    mpsc__dbg_unlock();
    size_t n = (mpsc_len)(h->real);
    mpsc__dbg_leave(h, MPSC__USE_ANY_THREAD);
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
    mpsc__dbg_leave(h, MPSC__USE_ANY_THREAD);
    return n;
}
