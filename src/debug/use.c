/*
 * use.c - the debug build's entry points for sends and receives of every
 * form, the calls a program makes most, checked without the registry lock;
 * and the half of a handle's record that they write: its in-use mark, its
 * count of sends or receives and its latest sites.  A call on a live handle
 * of the calling thread's own is decided by one load of the record's key
 * (debug.h); a call on a shared handle counts itself in with one
 * compare-and-swap of the key.  Anything else (a first use after a move, a
 * stale or foreign handle, a mistake) takes the lock and the full checks of
 * checks.c, which make every diagnostic, so the checks are the same ones
 * either way.  The lock is also taken for the self-deadlock checks, when a
 * blocking send finds its channel full or a blocking receive finds it
 * empty after spinning, but never around a blocking production call.
 */
#include "debug.h"

/* The helpers of every send and receive, inlined whatever the compiler
 * thinks of their size: a call would cost about as much as their work.
 * (The debug build needs GCC or Clang anyway, mpsc_debug.h.) */
#define HOT static inline __attribute__((always_inline))
/* And the rest of them, kept out of the way of the common path. */
#define COLD static __attribute__((noinline, cold))

/* ---- the latest sites -------------------------------------------------- */

/*
 * The site words are read only to word a diagnostic, by a thread that holds
 * the lock, and each points to something that never changes once made (a
 * static site, a string literal, a thread record whose fields are written
 * under the lock), so relaxed loads and stores are enough: a diagnostic
 * that races with a call sees that call or the one before it, each a true
 * latest use at some moment.  For a shared handle used by two threads at
 * that moment the site and the thread of one event may come from the two
 * calls; every other handle has one writer, its owner.
 */
static struct mpsc__dbg_event event_of(const struct mpsc__site *site, struct mpsc__dbg_thread *t)
{
    struct mpsc__dbg_event ev = {{0}, t};
    if (site != NULL)
        ev.site = *site;
    return ev;
}

struct mpsc__dbg_event mpsc__dbg_last_use(const struct mpsc__dbg_handle *h)
{
    return event_of(atomic_load_explicit(&h->last_use_site, memory_order_relaxed),
                    atomic_load_explicit(&h->last_use_thread, memory_order_relaxed));
}

struct mpsc__dbg_event mpsc__dbg_entered(const struct mpsc__dbg_handle *h)
{
    return event_of(atomic_load_explicit(&h->entered_site, memory_order_relaxed),
                    atomic_load_explicit(&h->entered_thread, memory_order_relaxed));
}

const char *mpsc__dbg_name(const struct mpsc__dbg_handle *h)
{
    /* Relaxed: see above. */
    return atomic_load_explicit(&h->name, memory_order_relaxed);
}

/* Stores only a changed value, so that a loop's calls from one site keep
 * the record's cache line clean. */
#define SET_IF_CHANGED(word, value)                                                                          \
    do {                                                                                                     \
        if (atomic_load_explicit((word), memory_order_relaxed) != (value))                                  \
            atomic_store_explicit((word), (value), memory_order_relaxed);                                   \
    } while (0)

void mpsc__dbg_record_call(struct mpsc__dbg_handle *h, const struct mpsc__site *site, struct mpsc__dbg_thread *t,
                           unsigned use)
{
    /* Relaxed: see above. */
    SET_IF_CHANGED(&h->name, site->expr);
    if (!(use & MPSC__USE_ANY_THREAD)) {
        SET_IF_CHANGED(&h->last_use_site, site);
        SET_IF_CHANGED(&h->last_use_thread, t);
    }
    if (!(use & MPSC__USE_CONSUME)) {
        SET_IF_CHANGED(&h->entered_site, site);
        SET_IF_CHANGED(&h->entered_thread, t);
    }
}

/* ---- in use ------------------------------------------------------------ */

HOT bool key_shared(const struct mpsc__dbg_handle *h)
{
    /* Relaxed: the caller is inside a call on h, or holds the lock, and
     * whether h is shared changes only under the lock while no call is
     * inside (mpsc__debug_share), so the value cannot be stale. */
    return (atomic_load_explicit(&h->key, memory_order_relaxed) & MPSC__KEY_SHARED) != 0;
}

/*
 * A handle's calls word (debug.h): bit 0, its owner's call inside the
 * production library (a handle that is not shared); above it, twice its
 * count of sends that returned MPSC_OK or receives that returned a message.
 * Its owner writes it alone, with plain stores, unless the handle is shared:
 * then the calls inside are counted in the key, and the counts added with a
 * read-modify-write.
 */
#define CALL_INSIDE 1u
#define CALL_DONE 2u

/* Marks the owner's call inside, on a handle that is not shared. */
HOT void mark_own(struct mpsc__dbg_handle *h)
{
    /* Release, pairing with the acquire load in mpsc__dbg_in_call: a move
     * or drop that sees this call inside also sees the site it recorded
     * just before (error E0505 quotes it). */
    atomic_store_explicit(&h->calls, atomic_load_explicit(&h->calls, memory_order_relaxed) + CALL_INSIDE,
                          memory_order_release);
}

void mpsc__dbg_mark(struct mpsc__dbg_handle *h, unsigned use)
{
    if (use & MPSC__USE_ANY_THREAD) {
        /* Relaxed: counted under the lock, which orders it before the
         * check of any later move or drop (mpsc__dbg_in_call). */
        atomic_fetch_add_explicit(&h->any_in_call, 1, memory_order_relaxed);
    } else if (key_shared(h)) {
        /* Relaxed: the same, and an add rather than a store because calls
         * without the lock count themselves in the same word. */
        atomic_fetch_add_explicit(&h->key, MPSC__KEY_ONE_CALL, memory_order_relaxed);
    } else {
        mark_own(h);
    }
}

/* The end of a call marked in use: counted if it sent or received a message
 * (`done`), then unmarked.  `shared`: the call was counted in the key. */
HOT void end_call(struct mpsc__dbg_handle *h, unsigned use, bool shared, bool done)
{
    if (use & MPSC__USE_ANY_THREAD) {
        /* Release, pairing with the acquire load in mpsc__dbg_in_call: the
         * call's work on the production handle is over before a move or
         * drop that sees it gone frees that handle. */
        atomic_fetch_sub_explicit(&h->any_in_call, 1, memory_order_release);
    } else if (shared) {
        /* Release, as the store below. */
        if (done)
            atomic_fetch_add_explicit(&h->calls, CALL_DONE, memory_order_release);
        if (use & MPSC__USE_RECEIVE) {
            /* Release, pairing with the acquire half of the next receive's
             * exchange (mpsc__dbg_begin_receive), which reads this NULL:
             * the receives of a shared Receiver are one at a time, each
             * after what the one before did. */
            atomic_store_explicit(&h->receiving, NULL, memory_order_release);
        }
        /* Release, pairing with the acquire compare-and-swap of
         * mpsc__dbg_seal: the call's work, and its count, are done
         * before a move or drop that sees no call inside. */
        atomic_fetch_sub_explicit(&h->key, MPSC__KEY_ONE_CALL, memory_order_release);
    } else {
        /* Release, pairing with the acquire loads of mpsc__dbg_in_call and
         * mpsc__dbg_receives: a move or drop that sees the call over, and
         * a self-deadlock check that counts a receive, see what the call
         * did before (a receive that slept is awake again, checks.c). */
        atomic_store_explicit(&h->calls,
                              atomic_load_explicit(&h->calls, memory_order_relaxed) - CALL_INSIDE +
                                  (done ? CALL_DONE : 0),
                              memory_order_release);
    }
}

void mpsc__dbg_leave(struct mpsc__dbg_handle *h, unsigned use)
{
    end_call(h, use, key_shared(h), false);
}

bool mpsc__dbg_in_call(struct mpsc__dbg_handle *h)
{
    /* Acquire, pairing with the release stores of mpsc__dbg_mark and
     * end_call (see there). */
    uint64_t key = atomic_load_explicit(&h->key, memory_order_acquire);
    return (atomic_load_explicit(&h->calls, memory_order_acquire) & CALL_INSIDE) != 0 ||
           atomic_load_explicit(&h->any_in_call, memory_order_acquire) != 0 ||
           ((key & MPSC__KEY_SHARED) && key >> MPSC__KEY_HOLDER_SHIFT != 0);
}

bool mpsc__dbg_seal(struct mpsc__dbg_handle *h)
{
    /* Relaxed: the lock is held, and only calls on a shared handle change
     * the key without it. */
    uint64_t key = atomic_load_explicit(&h->key, memory_order_relaxed);
    uint64_t live = key & MPSC__KEY_LOW_MASK;
    /* Retired for calls without the lock; mpsc__dbg_retire stores the
     * final state. */
    uint64_t sealed = (live & ~((uint64_t)3 << MPSC__KEY_STATE_SHIFT)) |
                      (uint64_t)MPSC__DBG_DROPPED << MPSC__KEY_STATE_SHIFT;
    if (!(key & MPSC__KEY_SHARED)) {
        /* Relaxed: only the owner, which is here, uses the handle without
         * the lock; any other thread's call fails to match the new key
         * and takes the lock, which orders it after this retirement. */
        atomic_store_explicit(&h->key, sealed, memory_order_relaxed);
        return true;
    }
    /* Acquire, pairing with the release decrement of end_call: the calls
     * that were inside are over, and counted, before the record is
     * retired.  Fails, leaving the key alone, while a call is inside. */
    return atomic_compare_exchange_strong_explicit(&h->key, &live, sealed, memory_order_acquire,
                                                   memory_order_relaxed);
}

/* ---- counts of sends and receives -------------------------------------- */

uint64_t mpsc__dbg_count(const struct mpsc__dbg_handle *h)
{
    /* Relaxed: the caller holds the lock after every call on h is over
     * (a retirement, mpsc__dbg_seal). */
    return atomic_load_explicit(&h->calls, memory_order_relaxed) / CALL_DONE;
}

/*
 * Relaxed, the counts of sends: the self-deadlock check reads them only when
 * every live Sender is stuck, and a stuck Sender's sends were all made
 * before a lock that the check's thread takes after (its owner's latest
 * lock: the receive that went to sleep, or the mark of its exit), as were
 * a retired Sender's (retired_sends).  Other counts it may read stale: it
 * does not use them.
 */
uint64_t mpsc__dbg_sends(const struct mpsc__dbg_chan *c)
{
    uint64_t n = c->retired_sends;
    for (const struct mpsc__dbg_handle *s = c->senders; s != NULL; s = s->chan_next)
        n += atomic_load_explicit(&s->calls, memory_order_relaxed) / CALL_DONE;
    return n;
}

uint64_t mpsc__dbg_receives(const struct mpsc__dbg_chan *c)
{
    const struct mpsc__dbg_handle *r = c->receiver;
    /* Acquire, pairing with the release store of end_call (see there). */
    return c->retired_receives +
           (r != NULL ? atomic_load_explicit(&r->calls, memory_order_acquire) / CALL_DONE : 0);
}

/* ---- one receive at a time --------------------------------------------- */

struct mpsc__dbg_thread *mpsc__dbg_begin_receive(struct mpsc__dbg_handle *h, struct mpsc__dbg_thread *self,
                                                 const struct mpsc__site *site)
{
    /* Relaxed: published by the exchange below. */
    atomic_store_explicit(&self->receive_site, site, memory_order_relaxed);
    /* Acq_rel: the release half publishes receive_site to a thread whose
     * exchange finds this one here; the acquire half makes the receive
     * site of a thread found here visible (error E0277 quotes it). */
    return atomic_exchange_explicit(&h->receiving, self, memory_order_acq_rel);
}

_Noreturn COLD void concurrent_receive(struct mpsc__dbg_handle *h, struct mpsc__dbg_thread *other,
                                         const struct mpsc__site *site)
{
    mpsc__dbg_lock();
    mpsc__dbg_refresh_name(mpsc__dbg_self());
    /* Relaxed: ordered by the exchange that found `other` (above). */
    const struct mpsc__site *other_site = atomic_load_explicit(&other->receive_site, memory_order_relaxed);
    mpsc__render_concurrent_recv(h, other, other_site, site);
}

/* ---- a call without the lock ------------------------------------------- */

/*
 * The calling thread's entry for a token of the kind it wants, filled from
 * the registry's table when the token is not the one it used last.  The
 * record a live token leads to never changes, so an entry is never out of
 * date while its token is live; once the token is retired, its record may
 * be reused for another serial, and the key, which holds the serial, no
 * longer matches: the call then takes the lock, whose checks read the table.
 */
COLD const struct mpsc__dbg_recent *recent_fill(struct mpsc__dbg_thread *self, struct mpsc__dbg_recent *r,
                                                const void *token, enum mpsc__dbg_kind want)
{
    uint32_t serial;
    struct mpsc__dbg_handle *h = mpsc__dbg_find(token, &serial);
    if (h == NULL)
        return NULL;
    r->token = token;
    r->h = h;
    r->own_key = mpsc__dbg_key(serial, MPSC__DBG_LIVE, want, false, (uint64_t)self->number + 1);
    return r;
}

HOT const struct mpsc__dbg_recent *recent(struct mpsc__dbg_thread *self, const void *token,
                                          enum mpsc__dbg_kind want)
{
    struct mpsc__dbg_recent *r = &self->recent[want];
    return r->token == token ? r : recent_fill(self, r, token, want);
}

/* A send or receive in progress: its handle's record, and whether the call
 * is counted in the key (a shared handle) or by the owner's calls word. */
struct call {
    struct mpsc__dbg_handle *h;
    bool shared;
};

/* A call that is not on a handle of the calling thread's own: on a shared
 * handle, without the lock still; anything else, under it. */
COLD struct call use_other(struct mpsc__dbg_thread *self, const struct mpsc__dbg_recent *r, const void *token,
                           enum mpsc__dbg_kind want, unsigned use, const struct mpsc__site *site)
{
    if (r != NULL) {
        struct mpsc__dbg_handle *h = r->h;
        uint64_t shared_key = (r->own_key & MPSC__KEY_LOW_MASK) | MPSC__KEY_SHARED;
        /* Acquire, on success and failure, as the load in use_handle: the
         * value read decides as that one did.  Counted in, the handle
         * cannot be retired (mpsc__dbg_seal) until end_call. */
        uint64_t key = atomic_load_explicit(&h->key, memory_order_acquire);
        while ((key & MPSC__KEY_LOW_MASK) == shared_key) {
            if (atomic_compare_exchange_weak_explicit(&h->key, &key, key + MPSC__KEY_ONE_CALL, memory_order_acquire,
                                                      memory_order_acquire)) {
                if (use & MPSC__USE_RECEIVE) {
                    struct mpsc__dbg_thread *other = mpsc__dbg_begin_receive(h, self, site);
                    if (other != NULL)
                        concurrent_receive(h, other, site);
                }
                /* After counting in, never before: until then the record
                 * may be retired and reused.  A move or drop that finds
                 * this call inside before it gets here quotes the call
                 * before it (error E0505). */
                mpsc__dbg_record_call(h, site, self, use);
                return (struct call){h, true};
            }
        }
    }
    mpsc__dbg_lock();
    struct mpsc__dbg_handle *h = mpsc__dbg_enter(token, want, use, site);
    mpsc__dbg_unlock();
    return (struct call){h, key_shared(h)};
}

/*
 * A send or receive: the checks of mpsc__dbg_enter, made without the lock
 * when the handle is live, of the right kind and the calling thread's own
 * (or shared), and under the lock otherwise.  Returns the live record
 * marked in use, for end_call.
 */
HOT struct call use_handle(const void *token, enum mpsc__dbg_kind want, unsigned use,
                           const struct mpsc__site *site)
{
    struct mpsc__dbg_thread *self = mpsc__dbg_self_if_known();
    const struct mpsc__dbg_recent *r = self != NULL ? recent(self, token, want) : NULL;
    if (r != NULL) {
        struct mpsc__dbg_handle *h = r->h;
        /* Acquire, pairing with the release store of the key
         * (mpsc__dbg_publish_key, under the lock): what the lock holder
         * wrote before it made the handle this thread's is visible. */
        if (atomic_load_explicit(&h->key, memory_order_acquire) == r->own_key) {
            /* Live, of the right kind, this thread's own: every check of
             * mpsc__dbg_enter passes, and only this thread could retire it.
             * No receive mark: another thread's receive would not be its
             * owner's, and stops at the owner check.  The sites are as this
             * call would leave them when the latest call to enter the
             * production library was made here (relaxed: see above): that
             * call, the owner's, wrote them all, and only a move or drop,
             * which ends the handle, writes some of them and not that one. */
            if (atomic_load_explicit(&h->entered_site, memory_order_relaxed) != site)
                mpsc__dbg_record_call(h, site, self, use);
            mark_own(h);
            return (struct call){h, false};
        }
    }
    return use_other(self, r, token, want, use, site);
}

/* ---- the end of a send or receive --------------------------------------- */

/* The production call answered MPSC_DISCONNECTED: is that right, and for a
 * send, did the program allow it? */
COLD void disconnected(struct mpsc__dbg_handle *h, unsigned use, const struct mpsc__site *site)
{
    mpsc__dbg_lock();
    if (use & MPSC__USE_RECEIVE)
        mpsc__dbg_check_disconnected_recv(h, site);
    else
        mpsc__dbg_check_disconnected_send(h, site);
    mpsc__dbg_unlock();
}

/* After the production call. */
HOT mpsc_status finished(struct call call, unsigned use, mpsc_status st, const struct mpsc__site *site)
{
    if (st == MPSC_DISCONNECTED)
        disconnected(call.h, use, site);
    end_call(call.h, use, call.shared, st == MPSC_OK);
    return st;
}

/* ---- sending ----------------------------------------------------------- */

enum form { BLOCKING, TRY, TIMEOUT };

/* A blocking send that spun and found its bounded channel still full: under
 * the lock, the question whether any other thread could ever make room,
 * then the production send. */
COLD mpsc_status send_wait(struct mpsc__dbg_handle *h, const void *msg, const struct mpsc__site *site)
{
    mpsc_status st;
    mpsc__dbg_lock();
    if (mpsc__dbg_receiver_is_mine(h->chan, mpsc__dbg_self())) {
        /* Only this thread could make room or take the message, and it is
         * here: if the send cannot finish now, it never will. */
        st = (mpsc_try_send)(h->real, msg);
        if (st == MPSC_FULL)
            mpsc__render_send_deadlock(h, site);
        mpsc__dbg_unlock();
        return st;
    }
    mpsc__dbg_unlock();
    return (mpsc_send)(h->real, msg);
}

HOT mpsc_status send_form(mpsc_sender *tx, const void *msg, enum form form, uint64_t timeout_ns,
                          const struct mpsc__site *site)
{
    if (tx == NULL) /* every form answers MPSC_EINVAL, as in production */
        return (mpsc_try_send)(NULL, msg);
    struct call call = use_handle(tx, MPSC__DBG_SENDER, 0, site);
    struct mpsc__dbg_handle *h = call.h;
    mpsc_status st;
    if (form == BLOCKING && h->bounded) {
        /* First as the production build's send, spinning for room but not
         * to sleep: the self-deadlock check only once it would.  A
         * try_send instead took the lock each time a stream found the
         * ring full: with this function inlined into the caller, spsc
         * bounded1000 went from 9.9 to 15.5-17.0 ns a message (Xeon host,
         * 5 interleaved rounds), and bounded1's hand-offs took 228 ns
         * against 130 now. */
        st = mpsc__send_spin(h->real, msg);
        if (st == MPSC_TIMEOUT)
            st = send_wait(h, msg, site);
    } else if (form == BLOCKING) {
        /* Not through mpsc_send, whose body, with link-time optimisation,
         * holds all three queues' sends and saves their registers: on the
         * Xeon host this made the debug build's seq and mpsc unbounded
         * 0.96 and 0.95 x their time, and spsc unbounded 0.80-0.82 x (11
         * interleaved rounds each), its receiver no longer catching up
         * with the producer and waiting (bench/NOTES.md). */
        st = mpsc__send_unbounded(h->real, msg);
    } else if (form == TRY) {
        st = (mpsc_try_send)(h->real, msg);
    } else {
        st = (mpsc_send_timeout)(h->real, msg, timeout_ns);
    }
    return finished(call, 0, st, site);
}

/* inline, as the production queues' (chan.h): link-time optimisation may
 * then put the checks into the caller's loop, where a call on each message
 * left the debug build at 1.6 x a production build so inlined on spsc
 * unbounded (1.33-1.43 x with it).  An external definition all the same. */
inline mpsc_status mpsc__debug_send(mpsc_sender *tx, const void *msg, const struct mpsc__site *site)
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

/* A blocking receive that found the channel empty: again under the lock (a
 * Sender's owner may have sent and exited meanwhile), and then either no
 * other thread can ever send (abort) or the receiver sleeps with a note of
 * where. */
COLD mpsc_status recv_wait(struct mpsc__dbg_handle *h, void *out, const struct mpsc__site *site)
{
    struct mpsc__dbg_chan *c = h->chan;
    mpsc__dbg_lock();
    mpsc_status st = (mpsc_try_recv)(h->real, out);
    if (st != MPSC_EMPTY) {
        mpsc__dbg_unlock();
        return st;
    }
    mpsc__dbg_check_recv_blocks(h, site);
    c->rx_block = (struct mpsc__dbg_event){*site, mpsc__dbg_self()};
    /* Relaxed: read under the lock, which orders this store before it. */
    atomic_store_explicit(&c->rx_blocked, true, memory_order_relaxed);
    mpsc__dbg_unlock();
    st = (mpsc_recv)(h->real, out);
    /* Relaxed: published by the count of the receive, in end_call, which
     * comes after it (mpsc__dbg_check_sleeping_receiver). */
    atomic_store_explicit(&c->rx_blocked, false, memory_order_relaxed);
    return st;
}

HOT mpsc_status recv_form(mpsc_receiver *rx, void *out, enum form form, uint64_t timeout_ns,
                          const struct timespec *deadline, const struct mpsc__site *site)
{
    if (rx == NULL) /* every form answers MPSC_EINVAL, as in production */
        return (mpsc_try_recv)(NULL, out);
    struct call call = use_handle(rx, MPSC__DBG_RECEIVER, MPSC__USE_RECEIVE, site);
    struct mpsc__dbg_handle *h = call.h;
    mpsc_status st;
    if (form == BLOCKING) {
        /* First as the production build's receive, spinning (and slipping
         * behind a stream), but not to sleep: the self-deadlock check, and
         * the note for a drop that finds the receiver asleep, come before
         * any sleep.  Beginning with a try_recv instead, and going to the
         * check under the lock whenever it found the channel empty, the
         * receiver of a stream read the tail its sender writes and took
         * the lock each time it caught up: with the solo sends, spsc
         * unbounded took 2.2-2.4 x the production build's time. */
        st = mpsc__recv_spin(h->real, out);
        if (st == MPSC_TIMEOUT)
            st = recv_wait(h, out, site);
    } else if (deadline != NULL) {
        st = (mpsc_recv_deadline)(h->real, out, deadline);
    } else if (form == TRY) {
        st = (mpsc_try_recv)(h->real, out);
    } else {
        st = (mpsc_recv_timeout)(h->real, out, timeout_ns);
    }
    return finished(call, MPSC__USE_RECEIVE, st, site);
}

/* inline: see mpsc__debug_send. */
inline mpsc_status mpsc__debug_recv(mpsc_receiver *rx, void *out, const struct mpsc__site *site)
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
