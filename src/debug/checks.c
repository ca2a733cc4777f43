/*
 * checks.c - the ownership rules of the debug build (issue 3): a handle is
 * used only while live (E0382), of the right kind (E0308), by its owner
 * thread unless shared (E0373), never moved or dropped while another thread
 * is inside a call on it (E0505); a Receiver is inside one receive at a time
 * (E0277); a send does not meet a dropped Receiver unless the program said
 * so (M0001); a blocking receive or send that no other thread can ever
 * complete is reported when that becomes certain (M0002, M0003); and the
 * handles still live at exit are listed (M0004).  render.c words each one.
 *
 * The self-deadlock checks are exact, never guesses: a Sender can only send
 * from its owner thread, so when every live Sender is owned by the thread
 * that receives (or by threads that have exited), no message can come
 * except those already sent.  A shared Sender, or one moved and not yet
 * used, counts as held elsewhere.
 *
 * Ordinary calls make the same checks without the lock when they pass
 * (use.c); every diagnostic is made here, or in use.c, under the lock.
 */
#include "debug.h"

#include <stdio.h>
#include <unistd.h>

/* A dropped handle whose production memory a live handle now occupies:
 * what a production build would have used by mistake. */
static const struct mpsc__dbg_handle *reused_by(const struct mpsc__dbg_handle *h)
{
    if (h->state != MPSC__DBG_DROPPED)
        return NULL;
    for (const struct mpsc__dbg_handle *l = mpsc__dbg_live_first(); l != NULL; l = l->next)
        if (l->real == h->real && l->kind == h->kind)
            return l;
    return NULL;
}

struct mpsc__dbg_handle *mpsc__dbg_enter(const void *token, enum mpsc__dbg_kind want, unsigned use,
                                         const struct mpsc__site *site)
{
    struct mpsc__dbg_thread *self = mpsc__dbg_self();
    uintptr_t compact;
    struct mpsc__dbg_handle *h = mpsc__dbg_lookup(token, &compact);
    if (h == NULL && compact == 0)
        mpsc__render_not_a_handle(token, site);
    if (h == NULL || h->state != MPSC__DBG_LIVE)
        mpsc__render_use_after_retire(h, compact, h != NULL ? reused_by(h) : NULL, site);
    if (want != MPSC__DBG_ANY && h->kind != want)
        mpsc__render_wrong_kind(h, want, site);
    if ((use & MPSC__USE_CONSUME) && mpsc__dbg_in_call(h))
        mpsc__render_moved_while_in_use(h, site);
    struct mpsc__dbg_event now = {*site, self};
    if (!(use & MPSC__USE_ANY_THREAD)) {
        if (h->owner == NULL && !h->shared) {
            /* The first use of a moved handle: its receiving thread. */
            mpsc__dbg_refresh_name(self);
            h->owner = self;
            h->owned = now;
            mpsc__dbg_publish_key(h);
            struct mpsc__dbg_hist ev = {.op = MPSC__EV_OWNED, .kind = h->kind, .id = h->id,
                                        .generation = h->generation, .expr = site->expr, .at = now,
                                        .time_ns = mpsc__dbg_realtime_ns()};
            mpsc__dbg_history(h->chan, &ev);
        } else if (h->owner != self && !h->shared) {
            mpsc__dbg_refresh_name(self);
            mpsc__render_not_owner(h, site);
        }
    }
    /* Only a shared Receiver can have two threads in receives: any other
     * has one thread that passes the owner check. */
    if ((use & MPSC__USE_RECEIVE) && h->shared) {
        struct mpsc__dbg_thread *other = mpsc__dbg_begin_receive(h, self, site);
        if (other != NULL) {
            mpsc__dbg_refresh_name(self);
            /* Relaxed: ordered by the exchange that found `other`. */
            mpsc__render_concurrent_recv(h, other, atomic_load_explicit(&other->receive_site, memory_order_relaxed),
                                         site);
        }
    }
    mpsc__dbg_record_call(h, site, self, use);
    if (!(use & MPSC__USE_CONSUME))
        mpsc__dbg_mark(h, use);
    else if (!mpsc__dbg_seal(h))
        mpsc__render_moved_while_in_use(h, site);
    return h;
}

/* No Sender of c can ever send again except from thread t: every live one
 * is owned by t or by a thread that has exited, none is shared, none is
 * waiting for its first use. */
static bool senders_stuck(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_thread *t)
{
    if (c->live_senders == 0)
        return false; /* the receive returns MPSC_DISCONNECTED */
    for (const struct mpsc__dbg_handle *s = c->senders; s != NULL; s = s->chan_next)
        if (s->shared || s->owner == NULL || (s->owner != t && !s->owner->exited))
            return false;
    return true;
}

void mpsc__dbg_check_recv_blocks(struct mpsc__dbg_handle *rx, const struct mpsc__site *site)
{
    struct mpsc__dbg_thread *self = mpsc__dbg_self();
    if (senders_stuck(rx->chan, self)) {
        struct mpsc__dbg_event at = {*site, self};
        mpsc__dbg_refresh_name(self);
        mpsc__render_recv_deadlock(rx->chan, &at, NULL);
    }
}

/*
 * The receiver found the channel empty and went to sleep (rx_blocked).  If
 * the Senders are stuck, no send will ever come: a stuck Sender has none
 * under way (its owner is the receiving thread, which is in this receive,
 * or has exited), so the channel's count of sends is final.  If every
 * message sent has also been received, none is queued or on its way to the
 * receiver, and it sleeps for ever.  The receive clears rx_blocked before it
 * counts the message it got, and the count is read first (acquire, pairing
 * with the count's release): a check that sees the count of that message
 * sees the receive awake; one that does not sees one message more sent than
 * received.
 */
void mpsc__dbg_check_sleeping_receiver(struct mpsc__dbg_chan *c, const struct mpsc__dbg_event *why)
{
    uint64_t received = mpsc__dbg_receives(c);
    /* Relaxed: set under the lock; cleared as above. */
    if (!atomic_load_explicit(&c->rx_blocked, memory_order_relaxed) || c->receiver == NULL)
        return;
    if (senders_stuck(c, c->rx_block.thread) && mpsc__dbg_sends(c) == received)
        mpsc__render_recv_deadlock(c, &c->rx_block, why);
}

bool mpsc__dbg_receiver_is_mine(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_thread *self)
{
    const struct mpsc__dbg_handle *r = c->receiver;
    return r != NULL && !r->shared && r->owner != NULL && (r->owner == self || r->owner->exited);
}

/*
 * The debug build also checks the production library's answers: a debug
 * drop retires its record before the production drop runs, so once the
 * production side reports a disconnection the records must show it.
 */
void mpsc__dbg_check_disconnected_send(struct mpsc__dbg_handle *tx, const struct mpsc__site *site)
{
    if (!tx->chan->rx_dropped)
        mpsc__render_library_bug(tx->chan, site, true);
    if (!tx->chan->allow_disconnected && !mpsc__dbg_opt.allow_disconnected_send) {
        mpsc__dbg_refresh_name(mpsc__dbg_self());
        mpsc__render_disconnected_send(tx, site);
    }
}

void mpsc__dbg_check_disconnected_recv(struct mpsc__dbg_handle *rx, const struct mpsc__site *site)
{
    if (rx->chan->live_senders != 0)
        mpsc__render_library_bug(rx->chan, site, false);
}

void mpsc__dbg_thread_exited(struct mpsc__dbg_thread *t)
{
    t->exited = true;
    /* Its Senders can never send again: a receiver asleep on one of their
     * channels may now wait for ever. */
    for (struct mpsc__dbg_handle *h = mpsc__dbg_live_first(); h != NULL; h = h->next)
        if (h->owner == t && !h->shared && h->kind == MPSC__DBG_SENDER)
            mpsc__dbg_check_sleeping_receiver(h->chan, NULL);
}

/* At most this many leaks are described one by one. */
#define LEAKS_SHOWN 64

void mpsc__dbg_report_leaks(void)
{
    if (mpsc__dbg_opt.leaks == MPSC__DBG_LEAKS_OFF)
        return;
    static struct mpsc__dbg_handle *leaked[LEAKS_SHOWN];
    size_t shown = 0, total = 0;
    mpsc__dbg_lock();
    for (struct mpsc__dbg_handle *h = mpsc__dbg_live_first(); h != NULL; h = h->next) {
        struct mpsc__dbg_hist ev = {.op = MPSC__EV_LEAKED, .kind = h->kind, .id = h->id,
                                    .generation = h->generation, .expr = mpsc__dbg_name(h), .at = h->created,
                                    .time_ns = mpsc__dbg_realtime_ns()};
        mpsc__trace_event(h->chan, &ev);
        total++;
        if (shown < LEAKS_SHOWN) {
            /* In order of identity, which is the order of creation. */
            size_t i = shown++;
            for (; i > 0 && leaked[i - 1]->id > h->id; i--)
                leaked[i] = leaked[i - 1];
            leaked[i] = h;
        }
    }
    if (total > 0)
        mpsc__render_leaks(leaked, shown, total);
    mpsc__dbg_unlock();
    if (total > 0 && mpsc__dbg_opt.leaks == MPSC__DBG_LEAKS_ERROR) {
        /* exit() is already running: _exit sets the status, after the
         * program's own buffered output is written. */
        fflush(NULL);
        _exit(mpsc__dbg_opt.leak_exitcode);
    }
}
