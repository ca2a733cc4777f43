/*
 * solo.c - a channel whose sends all come from one thread claims its slots
 * without a read-modify-write (chan.h, struct mpsc__solo): the slow half of
 * taking, giving up and checking that state.
 */
#include "chan.h"

#if defined(__GNUC__)
__attribute__((tls_model("initial-exec")))
#endif
_Thread_local char mpsc__solo_token;

/* Waits for a revocation under way (REVOKING) to end. */
static void wait_shared(struct mpsc__solo *s)
{
    struct mpsc__backoff b = {0};
    /* Acquire: pairs with the revoker's release store of SHARED, after it
     * saw the owner's last solo send end. */
    while (atomic_load_explicit(&s->owner, memory_order_acquire) != MPSC__SOLO_SHARED)
        mpsc__backoff_snooze(&b);
}

/* Revokes the owner's claim (owner is what we last read): it may be in the
 * middle of a solo send, so after telling it, wait for that send to end. */
static void revoke(struct mpsc__solo *s, uintptr_t owner)
{
    /* Acquire on failure: a SHARED read there is the release store below
     * (of another revoker); C11 wants the success order as strong. */
    if (!atomic_compare_exchange_strong_explicit(&s->owner, &owner, MPSC__SOLO_REVOKING, memory_order_acquire,
                                                 memory_order_acquire)) {
        if (owner == MPSC__SOLO_REVOKING)
            wait_shared(s);
        return; /* SHARED already, or another thread revoked */
    }
    /* The heavy side of the pair with mpsc__solo_enter (park.h): from here
     * on, a solo send that had not announced itself sees REVOKING, and one
     * that had is seen busy below. */
    mpsc__fence_heavy();
    struct mpsc__backoff b = {0};
    /* Acquire: pairs with the owner's release store of busy = 0, so its
     * plain tail stores happen before every later claim. */
    while (atomic_load_explicit(&s->busy, memory_order_acquire))
        mpsc__backoff_snooze(&b);
    /* Release: passes that on to the threads that wait in wait_shared. */
    atomic_store_explicit(&s->owner, MPSC__SOLO_SHARED, memory_order_release);
}

/*
 * Settles the channel's state for a thread that does not own it: a channel
 * nobody sent on yet becomes `first` (the caller's token, or SHARED);
 * another thread's claim is revoked; a revocation under way is waited
 * for.  Returns the state it left: `first`, or SHARED.
 */
static uintptr_t settle(struct mpsc__solo *s, uintptr_t first)
{
    for (;;) {
        /* Acquire: a SHARED read here is the release store in revoke. */
        uintptr_t owner = atomic_load_explicit(&s->owner, memory_order_acquire);
        if (owner == MPSC__SOLO_SHARED)
            return owner;
        if (owner == MPSC__SOLO_REVOKING) {
            wait_shared(s);
            return MPSC__SOLO_SHARED;
        }
        if (owner == MPSC__SOLO_NONE) {
            /* Relaxed: nobody sent yet, so there is nothing to order; the
             * other threads find out through this word alone. */
            if (atomic_compare_exchange_strong_explicit(&s->owner, &owner, first, memory_order_relaxed,
                                                        memory_order_relaxed))
                return first;
            continue;
        }
        /* Another thread's token (the callers are not the owner). */
        revoke(s, owner);
        return MPSC__SOLO_SHARED;
    }
}

bool mpsc__solo_claim(struct mpsc__solo *s)
{
    /* The first send takes the channel, where the heavy fence exists;
     * elsewhere every send claims with compare-and-swap. */
    uintptr_t me = (uintptr_t)&mpsc__solo_token;
    uintptr_t first = mpsc__fence_heavy_available() ? me : MPSC__SOLO_SHARED;
    return settle(s, first) == me && mpsc__solo_enter(s);
}

void mpsc__solo_end(const struct mpsc__chan *c, struct mpsc__solo *s)
{
    /* Acquire: pairs with the release of each Sender's drop (counter.c), so
     * every send happened before, and none can follow: no handle is left to
     * clone.  The common ending, a receiver that drains a channel until it
     * is disconnected and then drops, so pays no heavy fence. */
    if (atomic_load_explicit(&c->senders, memory_order_acquire) == 0)
        return;
    (void)settle(s, MPSC__SOLO_SHARED);
}

void mpsc__solo_fence(struct mpsc__solo *s, size_t *fenced_at, size_t received)
{
    /* Acquire: SHARED is final, and every send after it claims with a
     * seq_cst compare-and-swap, which the caller's seq_cst re-check pairs
     * with as usual. */
    if (atomic_load_explicit(&s->owner, memory_order_acquire) == MPSC__SOLO_SHARED)
        return;
    if (*fenced_at != SIZE_MAX && received - *fenced_at < MPSC__SOLO_SLEEP_MESSAGES) {
        /* Revoking runs the heavy fence itself, and a channel nobody sent
         * on yet turns SHARED before any solo send: either way the pair is
         * covered. */
        (void)settle(s, MPSC__SOLO_SHARED);
        return;
    }
    *fenced_at = received;
    mpsc__fence_heavy();
}
