/*
 * flavor_array.c - the bounded channel: a ring of slots, each with a stamp
 * that says whose turn it is.  Follows Rust's
 * library/std/src/sync/mpmc/array.rs (Dmitry Vyukov's bounded MPMC queue):
 * senders claim a slot by compare-and-swap on the tail (while a single
 * thread sends, by a plain store: chan.h, struct mpsc__solo); the single
 * receiver owns the head and advances it with a store (seq_cst, or release
 * on a ring it slips behind or a small one that one thread owns: take_slot,
 * choose_head_store).  Indices carry a lap
 * count above the slot index, and a mark bit between them that says the
 * channel is disconnected.
 */
#include "chan.h"

#include <stdlib.h>
#include <string.h>

/* A slot: its stamp, then elem_size bytes of payload at data_offset
 * (slot_size in all).  stamp == index (with lap): empty, the sender of that
 * index may write it; stamp == index + 1: full, the receiver may read it; the
 * receiver then sets it to index + one_lap, which is the next lap's "empty". */
struct slot {
    _Atomic size_t stamp;
};

/* The slot of an index (a head or tail: its lap and mark bits are ignored). */
static struct slot *slot_at(const struct mpsc__array *a, size_t index)
{
    return (struct slot *)(a->slots + (index & (a->mark_bit - 1)) * a->slot_size);
}

static unsigned char *slot_data(const struct mpsc__array *a, struct slot *s)
{
    return (unsigned char *)s + a->data_offset;
}

/*
 * A sender that fills a slot asks for the line about PREFETCH_BYTES further
 * on, which it will write a few messages later.  The receiver wrote that
 * line last (a lap ago, releasing its slots), and without the prefetch the
 * sender's next compare-and-swap on the tail would wait for the line to
 * come over, once per line: spsc and mpsc bounded1000 took 33-39 ns a
 * message on the Xeon host, 28.5-33 with it (6 alternating pairs).  Not for
 * small rings, where the line ahead may hold the slot the receiver is
 * about to read.
 */
#define PREFETCH_BYTES 256

/*
 * The receiver of a ring slips behind its producers (chan.h, mpsc__slip) by
 * MPSC__SLIP_BYTES or a quarter of the ring, whichever is fewer slots, and
 * only when that is at least SLIP_MIN_SLOTS; otherwise it does not slip.
 *
 * Slipping pays only together with the light head store of take_slot, and
 * the light store only together with slipping.  On the Xeon host, spsc and
 * mpsc bounded1000 (5 alternating pairs each against the seq_cst store
 * without slipping): 30.3 and 32.4 ns a message with neither; with the
 * light store alone 1.14 and 1.89 x slower, because the receiver, now
 * faster, catches up with the senders and takes each line as it is written;
 * slipping alone, 30.9 and 30.6; both, 16.7 and 17.8.  A
 * slip of 25 slots still helped bounded(100) (0.79 and 0.70 x) and one of 16
 * bounded(64) (0.83 and 0.82 x), but one of 10 made bounded(40) 1.15 and
 * 1.29 x slower, and one of 4 bounded(16) 1.11 and 1.18 x: too few lines
 * apart to keep the two sides off each other's.
 */
#define SLIP_MIN_SLOTS 16

static size_t slip_slots(size_t cap, size_t slot_size)
{
    size_t slots = MPSC__SLIP_BYTES / slot_size;
    if (slots > cap / 4)
        slots = cap / 4;
    return slots >= SLIP_MIN_SLOTS && mpsc__fence_heavy_available() ? slots : 0;
}

mpsc_status mpsc__array_init(struct mpsc__chan *c)
{
    struct mpsc__array *a = &c->q.array;
    size_t cap = c->bound;
    /* The payload is aligned for its type, whose alignment is the largest
     * power of two dividing elem_size (at most 16, max_align_t's), so that
     * the drop function gets a pointer it may dereference; the slot is
     * rounded so that every slot's stamp and payload stay aligned.  The
     * whole ring must fit in memory. */
    size_t align = _Alignof(struct slot);
    while (align < 16 && c->elem_size % (align * 2) == 0)
        align *= 2;
    size_t data_offset = sizeof(struct slot) > align ? sizeof(struct slot) : align;
    if (c->elem_size > SIZE_MAX - data_offset - align)
        return MPSC_EINVAL;
    size_t slot_size = (data_offset + c->elem_size + align - 1) / align * align;
    if (cap > SIZE_MAX / 4 || slot_size > SIZE_MAX / cap)
        return MPSC_EINVAL;
    a->slots = malloc(cap * slot_size);
    if (a->slots == NULL)
        return MPSC_ENOMEM;
    a->cap = cap;
    a->slot_size = slot_size;
    a->data_offset = data_offset;
    size_t ahead = slot_size < PREFETCH_BYTES ? PREFETCH_BYTES / slot_size : 1;
    a->prefetch_ahead = cap >= 4 * ahead ? ahead : 0;
    a->slip_slots = slip_slots(cap, slot_size);
    a->slip = (struct mpsc__slip){0, 0};
    mpsc__solo_rx_init(&a->solo_rx);
    /* A ring that slips stores its head lightly until its senders' fences
     * cost more than the receiver's credit pays (pay_sender_fence); one
     * that does not starts with the seq_cst store (choose_head_store). */
    a->light_head = a->slip_slots != 0;
    a->light_refused = !mpsc__fence_heavy_available();
    a->head_checked_at = 0;
    atomic_init(&a->head_mode, a->light_head ? MPSC__HEAD_LIGHT : MPSC__HEAD_STRONG);
    size_t mark = 1;
    while (mark < cap + 1)
        mark <<= 1;
    a->mark_bit = mark;
    a->one_lap = mark << 1;
    for (size_t i = 0; i < cap; i++)
        atomic_init(&slot_at(a, i)->stamp, i);
    atomic_init(&a->head, 0);
    atomic_init(&a->tail, 0);
    mpsc__solo_init(&a->solo);
    atomic_init(&a->tx_event.seq, 0);
    atomic_init(&a->tx_event.waiters, 0);
    atomic_init(&a->rx_event.seq, 0);
    atomic_init(&a->rx_event.waiters, 0);
    return MPSC_OK;
}

/* The index after `index`: the next slot, or slot 0 of the next lap. */
static size_t next_index(const struct mpsc__array *a, size_t index)
{
    size_t i = index & (a->mark_bit - 1);
    size_t lap = index & ~(a->one_lap - 1);
    return i + 1 < a->cap ? index + 1 : lap + a->one_lap;
}

/* The index n places after `index`. */
static size_t index_after(const struct mpsc__array *a, size_t index, size_t n)
{
    size_t i = index & (a->mark_bit - 1);
    size_t lap = index & ~(a->one_lap - 1);
    return i + n < a->cap ? index + n : lap + a->one_lap + (i + n - a->cap);
}

/* The prefetch of fill_slot (PREFETCH_BYTES, above).  Only the slot's
 * place in the ring matters, not its lap, so this is index_after without
 * the lap arithmetic: slot_at(index_after()) made spsc and mpsc bounded1000
 * 7-10 % slower (10 alternating pairs each, Xeon host). */
static void prefetch_ahead_of(const struct mpsc__array *a, size_t tail)
{
    size_t i = (tail & (a->mark_bit - 1)) + a->prefetch_ahead;
    if (i >= a->cap)
        i -= a->cap;
#if defined(__GNUC__)
    __builtin_prefetch(a->slots + i * a->slot_size, 1);
#else
    (void)a;
    (void)i;
#endif
}

/*
 * How many slots past the first a sender that found the ring full waits to
 * see freed before it tries again.  Reacting to every single freed slot makes
 * the sender and the receiver take turns on the same cache lines for each
 * message; waiting for a run of them lets each side work through a run of
 * slots on its own.  The receiver of a full ring has that many messages to
 * read, so the wait is no longer than it must be.
 */
static size_t refill_batch(const struct mpsc__array *a)
{
    size_t n = a->cap / 4;
    return n < 32 ? n : 32;
}

enum attempt { DONE, FULL_OR_EMPTY, RETRY };

/*
 * Spins until the slot of `index` carries `stamp`: the one cache line the
 * peer writes to hand over (a message for the receiver, a free slot for a
 * sender).  False once it is time to sleep; a disconnection, which does not
 * touch the slot, is seen by the re-check before sleeping.
 */
static bool spin_for_stamp(const struct mpsc__array *a, size_t index, size_t stamp, struct mpsc__backoff *b)
{
    struct slot *s = slot_at(a, index);
    /* Relaxed: only a hint; the next attempt reads the stamp with acquire. */
    while (atomic_load_explicit(&s->stamp, memory_order_relaxed) != stamp)
        if (!mpsc__backoff_spin(b))
            return false;
    return true;
}

/* A sender's spin_for_stamp when the ring was full at index tail: until a
 * run of slots from there is free (refill_batch). */
static bool spin_for_room(const struct mpsc__array *a, size_t tail, struct mpsc__backoff *b)
{
    size_t later = index_after(a, tail, refill_batch(a));
    return spin_for_stamp(a, later, later, b);
}

/* The receiver's spin_for_stamp: until the slot at the head is full. */
static bool spin_for_message(const struct mpsc__array *a, struct mpsc__backoff *b)
{
    /* Relaxed: only the receiver writes head. */
    size_t head = atomic_load_explicit(&a->head, memory_order_relaxed);
    return spin_for_stamp(a, head, head + 1, b);
}

/* Fills the slot a sender claimed at index tail, and tells the receiver. */
static inline mpsc_status fill_slot(struct mpsc__chan *c, struct slot *s, size_t tail, const void *msg)
{
    mpsc__copy_msg(slot_data(&c->q.array, s), msg, c->elem_size);
    /* Release: publishes the payload to the receiver's acquire load. */
    atomic_store_explicit(&s->stamp, tail + 1, memory_order_release);
    if (c->q.array.prefetch_ahead != 0)
        prefetch_ahead_of(&c->q.array, tail);
    mpsc__event_notify(&c->q.array.rx_event);
    return MPSC_OK;
}

/* Claims the slot of index tail, found free: false if another sender took
 * it first. */
static inline bool claim(struct mpsc__array *a, size_t tail, bool solo)
{
    if (solo) {
        mpsc__solo_store_tail(&a->tail, next_index(a, tail));
        return true;
    }
    /* seq_cst: the "condition" store of the receiver's Dekker pair
     * (park.h), read by its seq_cst tail load before it sleeps. */
    return atomic_compare_exchange_weak_explicit(&a->tail, &tail, next_index(a, tail), memory_order_seq_cst,
                                                 memory_order_relaxed);
}

/* One attempt to send without blocking: DONE with *st set, FULL_OR_EMPTY
 * (full: *tail_out is the index whose slot is awaited), or RETRY (lost a
 * race, or a receiver is mid-read). */
static enum attempt try_send_once(struct mpsc__chan *c, const void *msg, mpsc_status *st, size_t *tail_out)
{
    struct mpsc__array *a = &c->q.array;
    /* Relaxed: the slot's stamp, read with acquire below, decides. */
    size_t tail = atomic_load_explicit(&a->tail, memory_order_relaxed);
    *tail_out = tail;
    if (tail & a->mark_bit) {
        *st = MPSC_DISCONNECTED;
        return DONE;
    }
    struct slot *s = slot_at(a, tail);
    /* Acquire: pairs with the receiver's release of the slot, so its read of
     * the previous payload happens before our write. */
    size_t stamp = atomic_load_explicit(&s->stamp, memory_order_acquire);
    if (stamp == tail) {
        if (!claim(a, tail, false))
            return RETRY;
        *st = fill_slot(c, s, tail, msg);
        return DONE;
    }
    if (stamp + a->one_lap == tail + 1) {
        /* The slot still holds last lap's message: full, unless the receiver
         * moved on since.  seq_cst: the senders' re-check in the Dekker pair
         * with the receiver's seq_cst head store. */
        size_t head = atomic_load_explicit(&a->head, memory_order_seq_cst);
        if (head + a->one_lap == tail)
            return FULL_OR_EMPTY;
    }
    return RETRY;
}

/*
 * Whether a blocking send that found the slot at `tail` still full (last
 * lap's message in it) first spins for free slots, before anything else: the
 * full check reads the head, which every receive writes, and in a hand-off
 * reading it there would move that line to the sender and back once per
 * message (the receiver's side: mpsc__rx_spin_first).  Not for try_send, a
 * deadline already past or a disconnected channel.
 */
static bool tx_spin_first(struct mpsc__chan *c, size_t tail, uint64_t deadline)
{
    struct mpsc__array *a = &c->q.array;
    if ((tail & a->mark_bit) || mpsc__cannot_wait(deadline))
        return false;
    /* Relaxed: a hint, try_send_once decides. */
    size_t stamp = atomic_load_explicit(&slot_at(a, tail)->stamp, memory_order_relaxed);
    return stamp + a->one_lap == tail + 1;
}

/* mpsc__array_send when the common case did not happen: a lost race, a
 * full ring, a disconnected channel. */
MPSC__NOINLINE static mpsc_status send_slow(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__array *a = &c->q.array;
    struct mpsc__backoff backoff = mpsc__wait_start(c, MPSC__TX_SIDE, deadline);
    unsigned losses = 0;
    mpsc_status st;
    /* Relaxed: a hint, try_send_once decides. */
    size_t tail = atomic_load_explicit(&a->tail, memory_order_relaxed);
    if (tx_spin_first(c, tail, deadline))
        spin_for_room(a, tail, &backoff);
    for (;;) {
        enum attempt r = try_send_once(c, msg, &st, &tail);
        if (r == DONE)
            return st;
        if (r == RETRY) {
            /* Lost the race for a slot to another sender, or the receiver
             * is freeing it: try again shortly. */
            mpsc__lost_race(&losses);
            continue;
        }
        if ((st = mpsc__wait_refused(deadline, MPSC_FULL)) != MPSC_OK)
            return st;
        if (spin_for_room(a, tail, &backoff))
            continue;
        if (deadline == MPSC__SPIN_ONLY)
            return MPSC_TIMEOUT;
        uint32_t seq = mpsc__event_prepare(&a->tx_event);
        /* The receiver's head store may be light (take_slot). */
        mpsc__sender_fence(&a->head_mode);
        r = try_send_once(c, msg, &st, &tail);
        if (r == FULL_OR_EMPTY)
            mpsc__event_wait(&a->tx_event, seq, deadline);
        if (r == DONE)
            return st;
    }
}

mpsc_status mpsc__array_send(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__array *a = &c->q.array;
    bool solo = mpsc__solo_enter(&a->solo);
    /* The common case, try_send_once's first branch (see there for the
     * orderings): the channel is open and the slot at the tail is free. */
    size_t tail = atomic_load_explicit(&a->tail, memory_order_relaxed);
    struct slot *s = slot_at(a, tail);
    bool claimed = !(tail & a->mark_bit) && atomic_load_explicit(&s->stamp, memory_order_acquire) == tail &&
                   claim(a, tail, solo);
    if (solo)
        mpsc__solo_exit(&a->solo);
    if (!claimed)
        return send_slow(c, msg, deadline);
    return fill_slot(c, s, tail, msg);
}

/* How many messages the receiver has taken when its head is `head`: laps
 * times the capacity, plus its place in the lap. */
static size_t received_at(const struct mpsc__array *a, size_t head)
{
    return (head / a->one_lap) * a->cap + (head & (a->mark_bit - 1));
}

/* Makes take_slot's head store light or seq_cst, and tells the senders
 * (head_mode, read by a sender about to sleep in send_slow). */
static void set_head_light(struct mpsc__array *a, bool light)
{
    if (light == a->light_head)
        return;
    a->light_head = light;
    if (light) {
        /* seq_cst read-modify-write: a sender about to sleep that reads
         * STRONG here (mpsc__sender_fence) announced itself (seq_cst,
         * mpsc__event_prepare) before, so both precede this exchange in
         * the single total order of seq_cst operations, and so precede the
         * seq_cst load of the waiter count in each notify after our light
         * head stores (take_slot): that load sees it, and wakes it. */
        atomic_exchange_explicit(&a->head_mode, MPSC__HEAD_LIGHT, memory_order_seq_cst);
    } else {
        mpsc__head_mode_strong(&a->head_mode);
    }
}

/*
 * On a ring too small to slip, the receiver's seq_cst head store (an xchg
 * on x86) waits for its store to the slot to leave the store buffer, and
 * streaming through such a ring fell off a cliff: on the Xeon host spsc
 * bounded16 took 57.8 ns a message, bounded64 (which slips) 14.7.  The
 * light store instead needs the heavy fence in every sender about to sleep,
 * and made mpsc bounded16 1.46 x slower (its faster receiver catching up
 * with four senders); with one sending thread, spsc bounded16 took 0.29-
 * 0.30 x its time (7 interleaved rounds; pingpong bounded1 within noise,
 * 0.92-1.03).  So
 * the head store is light while one thread owns the channel (chan.h,
 * struct mpsc__solo), which the receiver looks at before it waits, at
 * most once per MPSC__SOLO_CLAIM_SENDS messages; and for good once the
 * senders' fences cost more than the receiver's credit pays
 * (pay_sender_fence).
 */
static void choose_head_store(struct mpsc__array *a)
{
    if (a->slip_slots != 0 || a->light_refused)
        return;
    /* Relaxed: only the receiver writes head. */
    size_t received = received_at(a, atomic_load_explicit(&a->head, memory_order_relaxed));
    if (received - a->head_checked_at < MPSC__SOLO_CLAIM_SENDS)
        return;
    a->head_checked_at = received;
    /* Relaxed: a hint; which store is in use, senders learn from head_mode. */
    set_head_light(a, mpsc__solo_owned(atomic_load_explicit(&a->solo.owner, memory_order_relaxed)));
}

/*
 * take_slot woke a sender while its head store was light: the sender ran
 * the heavy fence before it slept (send_slow).  Paid for out of the
 * receiver's credit, as its own fenced sleeps are (chan.h,
 * mpsc__solo_fence), or the head store is seq_cst from now on.  A ring
 * that slips pays too: a producer kept waiting on a full bounded(1000) by
 * a receiver that took a message every 50 us slept once a message, and
 * spent 26.7 us of CPU a message with a fence each sleep, 14.4-17.1 once
 * they stopped (AMD model-17 host).  There a fence also took 24-30 us from
 * the receiver, busy on the other CPU (the interrupt it sends), and the
 * seq_cst store took spsc bounded1000 from 10.9 to 15.4 ns a message: they
 * break even near a fence per 6,000 messages, and the credit's rate, one
 * per MPSC__SOLO_FENCE_MESSAGES, switches on the right side of that.
 */
MPSC__NOINLINE static void pay_sender_fence(struct mpsc__array *a, size_t head)
{
    if (mpsc__solo_credit_pay(&a->solo_rx, received_at(a, head)))
        return;
    a->light_refused = true;
    set_head_light(a, false);
}

/* The senders' wake-up after a receive (take_slot), out of line as a
 * whole, as the list's (flavor_list.c, wake_senders). */
MPSC__NOINLINE static void wake_senders(struct mpsc__array *a, size_t head)
{
    mpsc__event_wake(&a->tx_event);
    if (a->light_head)
        pay_sender_fence(a, head);
}

/* Takes the message of the full slot at index head, and tells the senders. */
static inline mpsc_status take_slot(struct mpsc__chan *c, struct slot *s, size_t head, void *out, bool word)
{
    struct mpsc__array *a = &c->q.array;
    mpsc__copy_msg_or_word(out, slot_data(a, s), c->elem_size, word);
    /* Release: our read of the payload happens before the next sender's
     * write (its acquire load of the stamp). */
    atomic_store_explicit(&s->stamp, head + a->one_lap, memory_order_release);
    /* The "condition" store of the senders' Dekker pair: a sender about to
     * sleep re-reads head with seq_cst, and our notify reads its
     * announcement.  When we slip, or one thread owns a ring too small to
     * slip (choose_head_store), the pair is asymmetric (park.h): a release
     * store and the light fence here, the heavy one in a sender about to
     * sleep (send_slow); a seq_cst store, an xchg on x86, was 40 % of a
     * receive in seq boundedN.  Otherwise, a seq_cst store. */
    if (a->light_head) {
        atomic_store_explicit(&a->head, next_index(a, head), memory_order_release);
        mpsc__fence_light();
    } else {
        atomic_store_explicit(&a->head, next_index(a, head), memory_order_seq_cst);
    }
    if (mpsc__event_waiting(&a->tx_event))
        wake_senders(a, head);
    return MPSC_OK;
}

/* One attempt to receive without blocking. */
static enum attempt try_recv_once(struct mpsc__chan *c, void *out, mpsc_status *st)
{
    struct mpsc__array *a = &c->q.array;
    /* Relaxed: only the receiver writes head. */
    size_t head = atomic_load_explicit(&a->head, memory_order_relaxed);
    struct slot *s = slot_at(a, head);
    /* Acquire: pairs with the sender's release store of the stamp. */
    size_t stamp = atomic_load_explicit(&s->stamp, memory_order_acquire);
    if (stamp == head + 1) {
        *st = take_slot(c, s, head, out, false);
        return DONE;
    }
    /* seq_cst: the receiver's re-check in its Dekker pair. */
    size_t tail = atomic_load_explicit(&a->tail, memory_order_seq_cst);
    if ((tail & ~a->mark_bit) == head) {
        if (tail & a->mark_bit) {
            *st = MPSC_DISCONNECTED;
            return DONE;
        }
        return FULL_OR_EMPTY;
    }
    /* A sender claimed the slot and is still copying into it. */
    return RETRY;
}

/* mpsc__slip's test: the slot's stamp says full.  Relaxed: a hint. */
static bool stamp_full(const void *slot, size_t index)
{
    return atomic_load_explicit(&((const struct slot *)slot)->stamp, memory_order_relaxed) == index + 1;
}

/* After a quick wait, slips behind the senders (slip_slots, above). */
static void slip(struct mpsc__chan *c, const struct mpsc__backoff *b, uint64_t deadline)
{
    struct mpsc__array *a = &c->q.array;
    if (a->slip_slots == 0 || !mpsc__slip_due(&a->slip, b))
        return;
    /* Relaxed: only the receiver writes head. */
    size_t later = index_after(a, atomic_load_explicit(&a->head, memory_order_relaxed), a->slip_slots);
    mpsc__slip(&a->slip, deadline, stamp_full, slot_at(a, later), later);
}

/* mpsc__array_recv when the slot at the head is not full yet. */
MPSC__NOINLINE static mpsc_status recv_slow(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    struct mpsc__array *a = &c->q.array;
    struct mpsc__backoff backoff = mpsc__wait_start(c, MPSC__RX_SIDE, deadline), copying = {0};
    mpsc_status st;
    choose_head_store(a);
    if (mpsc__rx_spin_first(c, deadline) && spin_for_message(a, &backoff))
        slip(c, &backoff, deadline);
    for (;;) {
        enum attempt r = try_recv_once(c, out, &st);
        if (r == DONE)
            return st;
        if (r == RETRY) {
            /* The sender is a few instructions away unless preempted. */
            mpsc__backoff_snooze(&copying);
            continue;
        }
        if ((st = mpsc__wait_refused(deadline, MPSC_EMPTY)) != MPSC_OK)
            return st;
        if (spin_for_message(a, &backoff))
            continue;
        if (deadline == MPSC__SPIN_ONLY)
            return MPSC_TIMEOUT;
        uint32_t seq = mpsc__event_prepare(&a->rx_event);
        /* Relaxed: only the receiver writes head. */
        mpsc__solo_fence(&a->solo, &a->solo_rx, received_at(a, atomic_load_explicit(&a->head, memory_order_relaxed)));
        r = try_recv_once(c, out, &st);
        if (r == FULL_OR_EMPTY)
            mpsc__event_wait(&a->rx_event, seq, deadline);
        if (r == DONE)
            return st;
    }
}

/* Every receive: `word`, a constant in each caller, says the message is 8
 * bytes (chan.h, mpsc__copy_msg_or_word). */
static inline mpsc_status array_recv(struct mpsc__chan *c, void *out, uint64_t deadline, bool word)
{
    struct mpsc__array *a = &c->q.array;
    /* The common case, try_recv_once's first branch (see there for the
     * orderings): the slot at the head is full. */
    size_t head = atomic_load_explicit(&a->head, memory_order_relaxed);
    struct slot *s = slot_at(a, head);
    if (atomic_load_explicit(&s->stamp, memory_order_acquire) == head + 1)
        return take_slot(c, s, head, out, word);
    return recv_slow(c, out, deadline);
}

/* Messages of other sizes, out of line: see flavor_list.c, list_recv_sized. */
MPSC__NOINLINE static mpsc_status array_recv_sized(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    return array_recv(c, out, deadline, false);
}

/* inline: see chan.h. */
inline mpsc_status mpsc__array_recv(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    if (MPSC__LIKELY(c->elem_size == 8))
        return array_recv(c, out, deadline, true);
    return array_recv_sized(c, out, deadline);
}

void mpsc__array_disconnect_senders(struct mpsc__chan *c)
{
    struct mpsc__array *a = &c->q.array;
    /* seq_cst: the "condition" store of the receiver's Dekker pair. */
    atomic_fetch_or_explicit(&a->tail, a->mark_bit, memory_order_seq_cst);
    mpsc__event_notify(&a->rx_event);
}

void mpsc__array_disconnect_receiver(struct mpsc__chan *c)
{
    struct mpsc__array *a = &c->q.array;
    /* A solo sender's plain store would overwrite the mark. */
    mpsc__solo_end(c, &a->solo);
    /* seq_cst: the "condition" store of the senders' Dekker pair: blocked
     * senders wake, re-read the tail and see the mark.  No sender claims a
     * slot after this; the ones claimed before are drained below. */
    size_t tail = atomic_fetch_or_explicit(&a->tail, a->mark_bit, memory_order_seq_cst) & ~a->mark_bit;
    mpsc__event_notify(&a->tx_event);
    size_t head = atomic_load_explicit(&a->head, memory_order_relaxed);
    while (head != tail) {
        struct slot *s = slot_at(a, head);
        struct mpsc__backoff copying = {0};
        /* Acquire: wait for a sender still copying into a claimed slot. */
        while (atomic_load_explicit(&s->stamp, memory_order_acquire) != head + 1)
            mpsc__backoff_snooze(&copying);
        if (c->drop != NULL)
            c->drop(slot_data(a, s));
        head = next_index(a, head);
    }
    atomic_store_explicit(&a->head, head, memory_order_relaxed);
}

size_t mpsc__array_len(const struct mpsc__chan *c)
{
    struct mpsc__array *a = (struct mpsc__array *)&c->q.array;
    size_t tail, head;
    /* A consistent snapshot, as in array.rs: the tail did not move while we
     * read the head.  The result is advisory. */
    do {
        tail = atomic_load_explicit(&a->tail, memory_order_seq_cst);
        head = atomic_load_explicit(&a->head, memory_order_seq_cst);
    } while (tail != atomic_load_explicit(&a->tail, memory_order_seq_cst));
    size_t hix = head & (a->mark_bit - 1);
    size_t tix = tail & (a->mark_bit - 1);
    if (hix < tix)
        return tix - hix;
    if (hix > tix)
        return a->cap - hix + tix;
    return (tail & ~a->mark_bit) == head ? 0 : a->cap;
}

void mpsc__array_destroy(struct mpsc__chan *c)
{
    /* The receiver's drop drained every message; only the ring remains. */
    free(c->q.array.slots);
}
