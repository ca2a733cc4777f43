/*
 * solo.c - a channel whose sends all come from one thread claims its slots
 * without a read-modify-write (chan.h, struct mpsc__solo): the slow half of
 * taking, giving up and checking that state.
 */
#include "chan.h"

_Static_assert(_Alignof(uint32_t) > MPSC__SOLO_CANDIDATE, "a token's CANDIDATE bit must be free");

/* Whether owner is a candidate's token (REVOKING shares the low bit). */
static bool is_candidate(uintptr_t owner)
{
    return owner != MPSC__SOLO_REVOKING && (owner & MPSC__SOLO_CANDIDATE) != 0;
}

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
 * Settles the channel's state for a thread that does not own it, whose
 * token is `me` (SHARED for the receiver): a channel nobody sent on yet
 * gets `me` as its candidate; our candidacy counts this send and, on the
 * MPSC__SOLO_CLAIM_SENDS-th, becomes the claim; another thread's candidacy
 * ends (SHARED); another thread's claim is revoked; a revocation under way
 * is waited for.  Returns the state it left: `me` once we own the channel,
 * else our candidacy or SHARED.
 */
static uintptr_t settle(struct mpsc__solo *s, uintptr_t me)
{
    uintptr_t candidate = me == MPSC__SOLO_SHARED ? MPSC__SOLO_SHARED : me | MPSC__SOLO_CANDIDATE;
    for (;;) {
        /* Acquire: a SHARED read here is the release store in revoke. */
        uintptr_t owner = atomic_load_explicit(&s->owner, memory_order_acquire);
        if (owner == MPSC__SOLO_SHARED)
            return owner;
        if (owner == MPSC__SOLO_REVOKING) {
            wait_shared(s);
            return MPSC__SOLO_SHARED;
        }
        uintptr_t next;
        if (owner == MPSC__SOLO_NONE) {
            next = candidate;
        } else if (owner == candidate) {
            /* Relaxed, here and below: only the candidate counts (or a
             * thread that got its token after it exited: see
             * mpsc__thread_token). */
            unsigned sends = atomic_load_explicit(&s->candidate_sends, memory_order_relaxed) + 1;
            atomic_store_explicit(&s->candidate_sends, sends, memory_order_relaxed);
            if (sends < MPSC__SOLO_CLAIM_SENDS)
                return owner;
            next = me;
        } else if (is_candidate(owner)) {
            next = MPSC__SOLO_SHARED; /* no solo send ever ran: nothing to wait for */
        } else {
            /* Another thread's claim (the callers are not the owner). */
            revoke(s, owner);
            return MPSC__SOLO_SHARED;
        }
        /* No solo send has run yet, so no payload is ordered by this; but
         * seq_cst, for a receiver about to sleep that found the channel
         * unclaimed and so ran no heavy fence (mpsc__solo_fence): our
         * claim follows its reading of the owner in the single total
         * order, and so does our notify's seq_cst load of the waiter count,
         * which then sees its announcement.  A locked instruction either
         * way on x86. */
        if (atomic_compare_exchange_strong_explicit(&s->owner, &owner, next, memory_order_seq_cst,
                                                    memory_order_relaxed)) {
            if (is_candidate(next))
                atomic_store_explicit(&s->candidate_sends, 1, memory_order_relaxed); /* this send */
            return next;
        }
    }
}

MPSC__NOINLINE bool mpsc__solo_claim(struct mpsc__solo *s)
{
    /* Solo sends only where the heavy fence exists; elsewhere every send
     * claims with compare-and-swap. */
    uintptr_t me = (uintptr_t)&mpsc__thread_token;
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

void mpsc__solo_fence(struct mpsc__solo *s, struct mpsc__solo_rx *rx, size_t received)
{
    /* No fence unless a thread owns the channel.  SHARED is final, and
     * every send after it claims with a seq_cst compare-and-swap, which the
     * caller's seq_cst re-check pairs with as usual.  Nobody, or a
     * candidate: every send so far claimed with that compare-and-swap too,
     * and a thread that takes the channel after this load sees our
     * announcement (seq_cst, both: see settle).  Acquire would do for
     * SHARED alone. */
    uintptr_t owner = atomic_load_explicit(&s->owner, memory_order_seq_cst);
    if (owner == MPSC__SOLO_SHARED || owner == MPSC__SOLO_NONE || is_candidate(owner))
        return;
    if (!mpsc__solo_credit_pay(rx, received)) {
        /* Revoking runs the heavy fence itself (or finds the channel
         * SHARED, or waits for it to be). */
        (void)settle(s, MPSC__SOLO_SHARED);
        return;
    }
    mpsc__fence_heavy();
}

bool mpsc__solo_credit_pay(struct mpsc__solo_rx *rx, size_t received)
{
    size_t credit = rx->credit + (received - rx->fenced_at);
    if (credit > MPSC__SOLO_FENCE_CREDIT)
        credit = MPSC__SOLO_FENCE_CREDIT;
    rx->fenced_at = received;
    if (credit < MPSC__SOLO_FENCE_MESSAGES) {
        rx->credit = credit;
        return false;
    }
    rx->credit = credit - MPSC__SOLO_FENCE_MESSAGES;
    return true;
}
