/*
 * flavor_list.c - the unbounded channel: a linked list of blocks of slots.
 * Follows Rust's library/std/src/sync/mpmc/list.rs (itself crossbeam's):
 * producers claim a position by compare-and-swap on the tail index (while
 * a single thread sends, by a plain store: chan.h, struct mpsc__solo), the
 * one that claims a block's last slot installs the next block, and a
 * sentinel position per block makes the others wait while it does.  Two
 * changes use the single consumer: the head is the consumer's own (no
 * compare-and-swap on receive), and a finished block is kept as a spare for
 * the next one producers need, so a steady stream allocates nothing.  Blocks are whole
 * pages from the operating system (pages.c), so that the memory of a burst
 * goes back to it once the burst is received.  A slot is a
 * one-byte ready flag and the payload, packed in groups (see below), so an
 * 8-byte message costs 9 bytes of queue and its flag sits next to it.
 *
 * A bounded channel of more than MPSC__RING_MAX messages is this queue too,
 * with a limit on the tail (room_for, below): it takes memory as messages
 * arrive, where a ring of that size would take it all at creation.
 */
#include "chan.h"
#include "pages.h"

#include <errno.h>
#include <string.h>

/* Positions advance by 2; bit 0 of the tail marks the channel disconnected. */
#define SHIFT 1
#define MARK ((size_t)1)
#define STEP ((size_t)1 << SHIFT)

/* Blocks are about this big: block changes are rare, and an idle channel
 * touches only the first page of its first block. */
#define BLOCK_BYTES 65536
/* The most alignment a payload is given (alignof(max_align_t) on x86-64). */
#define MAX_ALIGN 16
/* How far ahead of the slot it takes a consumer draining a backlog asks
 * for memory (head_advance_block).  seq unbounded on the Xeon host, 11
 * interleaved rounds of the prefetch alone against none: 512 bytes 0.91 x,
 * 1024 0.89, 2048 0.90. */
#define PREFETCH_BYTES 1024

/*
 * One block: `next` is written once, by the producer that claims the block's
 * last slot, before it writes that slot; a slot's ready flag goes from 0 to 1
 * once, by the producer that claimed the slot, after it copied the payload.
 * The block is freed (or kept as the spare) by the consumer once it has read
 * every slot, and by mpsc__list_destroy.
 */
struct mpsc__list_block {
    _Atomic(struct mpsc__list_block *) next;
    alignas(MAX_ALIGN) unsigned char slots[]; /* block_cap / G groups (below) */
};

/*
 * Slots come in groups of G, where G is the alignment a message of
 * elem_size bytes needs: the largest power of two that divides elem_size, at
 * most MAX_ALIGN (a C type's size is a multiple of its alignment).  A group
 * is G ready flags, then G payloads: G * (1 + elem_size) bytes, a multiple of
 * G, so every payload is aligned for its type (the drop function gets a
 * pointer it may dereference, as Rust's Drop gets an aligned &mut T) and the
 * flags cost one byte a message.
 */
/* From a block's sentinel position to the first position of the next lap. */
static size_t sentinel_skip(const struct mpsc__list *l)
{
    return (l->lap - l->block_cap) << SHIFT;
}

/* Where a position (the tail's, mark bit included, or the head's) falls in
 * its block: a slot's offset, or block_cap for the block's sentinel. */
static inline size_t offset_of(const struct mpsc__list *l, size_t position)
{
    return (position >> SHIFT) & (l->lap - 1);
}

/* Number of slots (not sentinels) before position p. */
static size_t slots_before(const struct mpsc__list *l, size_t p)
{
    size_t in_lap = p & (l->lap - 1);
    return (p / l->lap) * l->block_cap + (in_lap < l->block_cap ? in_lap : l->block_cap);
}

/*
 * With a bound: the first tail a sender may not claim while the receiver
 * stands at `head` (both words of the list: a position << SHIFT), the slot
 * `c->bound` places after the head's.  SIZE_MAX, which no tail reaches,
 * where that position would not fit.
 */
static size_t limit_at(const struct mpsc__chan *c, size_t head)
{
    const struct mpsc__list *l = &c->q.list;
    size_t slot = slots_before(l, head >> SHIFT);
    if (c->bound > SIZE_MAX - slot)
        return SIZE_MAX;
    size_t end = slot + c->bound, laps = end / l->block_cap;
    if (laps > (SIZE_MAX >> SHIFT) / l->lap - 1)
        return SIZE_MAX;
    return (laps * l->lap + end % l->block_cap) << SHIFT;
}

/* One slot: where its ready flag and its payload are. */
struct slot {
    _Atomic unsigned char *ready;
    unsigned char *data;
};

/*
 * What slot_at needs of a channel's messages: read from the channel, or, for
 * 8-byte messages (`word`, a constant in each caller of the common paths),
 * the same values as constants, so that a slot's address takes a shift, a
 * mask and two adds where it took two multiplies by run-time sizes and
 * variable shifts; the copies take `word` too (chan.h,
 * mpsc__copy_msg_or_word).  `bench_mpsc seq unbounded`, whose send and
 * receive are this queue's common paths, ran 123 instructions a message
 * without either, 103 with both (callgrind).
 */
struct shape {
    unsigned group_shift;
    size_t group_bytes, elem_size;
};

static inline struct shape shape_of(const struct mpsc__chan *c, bool word)
{
    if (word) /* what mpsc__list_init computes for 8 bytes: groups of 8 flags, then 8 payloads */
        return (struct shape){3, 8 * (1 + 8), 8};
    return (struct shape){c->q.list.group_shift, c->q.list.group_bytes, c->elem_size};
}

static inline struct slot slot_at(struct shape sh, struct mpsc__list_block *b, size_t offset)
{
    size_t slots = (size_t)1 << sh.group_shift;
    unsigned char *group = &b->slots[(offset >> sh.group_shift) * sh.group_bytes];
    size_t in_group = offset & (slots - 1);
    return (struct slot){(_Atomic unsigned char *)(group + in_group), group + slots + in_group * sh.elem_size};
}

/*
 * A block ready to be installed: the spare if there is one, else a new one.
 * The channel's first block (`first`) has its pages made present as
 * messages land in them, so that a channel that never holds more than a few
 * messages touches only its first page.  A later block is needed only while
 * more than a block's worth is queued, and is filled from start to end, so
 * its pages are made present at once: on the Xeon host seq unbounded took
 * 11,050 page faults and 11.5 ns a message that way, 62 and 10.7 ns (21
 * interleaved rounds).
 */
static struct mpsc__list_block *block_get(struct mpsc__chan *c, bool first)
{
    struct mpsc__list *l = &c->q.list;
    /* Acquire: pairs with the release in block_keep, so the consumer's reads
     * of the old payloads happen before we overwrite them. */
    struct mpsc__list_block *b = atomic_exchange_explicit(&l->spare, NULL, memory_order_acquire);
    if (b == NULL) {
        /* Fresh pages are zeroed: every ready flag is already 0. */
        b = mpsc__pages_alloc(l->block_bytes, !first);
        if (b == NULL)
            return NULL;
    } else {
        /* Clears every group's ready flags, which lie side by side at the
         * group's start.  Plain writes: the block is private until it is
         * installed with the release stores in mpsc__list_send, which
         * publish them.  A relaxed store per flag, each slot's address
         * computed anew, was an eighth of all instructions of a steady
         * stream; a memset of run-time size, a library call per group,
         * made the install take long enough (a few microseconds, while a
         * receiver that has caught up waits for the block's first message)
         * for the debug build's receiver to fall asleep at one block in
         * two of spsc unbounded (1,400 heavy fences in 20,000,000 messages,
         * 3 with a store of constant size; 0.88 x its time, 21 interleaved
         * rounds on the Xeon host). */
        size_t flags = (size_t)1 << l->group_shift, groups = l->block_cap >> l->group_shift;
        unsigned char *p = b->slots;
        for (size_t g = 0; g < groups; g++, p += l->group_bytes) {
            switch (flags) {
            case 1: memset(p, 0, 1); break;
            case 2: memset(p, 0, 2); break;
            case 4: memset(p, 0, 4); break;
            case 8: memset(p, 0, 8); break;
            default: memset(p, 0, 16); break; /* 16, the most (MAX_ALIGN) */
            }
        }
    }
    atomic_store_explicit(&b->next, NULL, memory_order_relaxed);
    return b;
}

/* Keeps b as the spare if there is none and returns true; else false. */
static bool block_keep(struct mpsc__list *l, struct mpsc__list_block *b)
{
    struct mpsc__list_block *expected = NULL;
    /* Release: pairs with the acquire in block_get (see there). */
    return atomic_compare_exchange_strong_explicit(&l->spare, &expected, b, memory_order_release,
                                                   memory_order_relaxed);
}

mpsc_status mpsc__list_init(struct mpsc__chan *c)
{
    struct mpsc__list *l = &c->q.list;
    unsigned shift = 0;
    while (shift < 4 && c->elem_size % ((size_t)2 << shift) == 0)
        shift++; /* for elem_size 0 too: unit messages need no alignment, but groups are harmless */
    l->group_shift = shift;
    /* A block is BLOCK_BYTES, or one group if that is more, rounded up to
     * whole pages, and holds as many whole groups as fit. */
    size_t page = mpsc__page_size();
    size_t header = offsetof(struct mpsc__list_block, slots);
    if (c->elem_size > (SIZE_MAX / 2 - header - page) / 16 - 1)
        return MPSC_EINVAL;
    l->group_bytes = ((size_t)1 << shift) * (1 + c->elem_size);
    size_t group = l->group_bytes;
    size_t bytes = header + group > BLOCK_BYTES ? header + group : BLOCK_BYTES;
    l->block_bytes = (bytes + page - 1) / page * page;
    l->block_cap = (l->block_bytes - header) / group << shift;
    /* Positions run in laps of a power of two; the one after a block's
     * last slot is its sentinel, and the rest of the lap is skipped. */
    size_t lap = 2;
    while (lap <= l->block_cap)
        lap <<= 1;
    l->lap = lap;
    l->slip_slots = MPSC__SLIP_BYTES / (1 + c->elem_size);
    l->slip = (struct mpsc__slip){0, 0};
    /* The last slot whose group starts PREFETCH_BYTES or more before the
     * block's end: prefetching stops there, not in the next mapping, which
     * may be the block a producer is filling. */
    size_t ahead = (PREFETCH_BYTES / group + 1) << shift;
    l->prefetch_end = l->block_cap > ahead ? l->block_cap - ahead : 0;
    l->prefetch_until = 0;
    l->freed = (struct mpsc__pages_batch){NULL, 0};
    atomic_init(&l->spare, NULL);
    struct mpsc__list_block *first = block_get(c, true);
    if (first == NULL)
        return MPSC_ENOMEM;
    atomic_init(&l->tail, 0);
    atomic_init(&l->tail_block, first);
    atomic_init(&l->limit, c->flavor == MPSC__LIST_BOUNDED ? limit_at(c, 0) : SIZE_MAX);
    atomic_init(&l->tx_event.seq, 0);
    atomic_init(&l->tx_event.waiters, 0);
    atomic_init(&l->head_mode, MPSC__HEAD_LIGHT);
    l->strong_head = false;
    mpsc__solo_init(&l->solo);
    atomic_init(&l->head, 0);
    l->head_block = first;
    mpsc__solo_rx_init(&l->solo_rx);
    atomic_init(&l->rx_event.seq, 0);
    atomic_init(&l->rx_event.waiters, 0);
    return MPSC_OK;
}

/* Fills the slot a sender claimed, and tells the receiver. */
static inline void fill_slot(struct mpsc__chan *c, struct mpsc__list_block *block, size_t offset, const void *msg,
                             bool word)
{
    struct shape sh = shape_of(c, word);
    struct slot s = slot_at(sh, block, offset);
    mpsc__copy_msg_or_word(s.data, msg, sh.elem_size, word);
    /* Release: publishes the payload to the consumer's acquire load. */
    atomic_store_explicit(s.ready, 1, memory_order_release);
    mpsc__event_notify(&c->q.list.rx_event);
}

/*
 * With a bound, for a sender whose tail reached the limit: the limit again,
 * from the head the receiver has reached since, stored for the other
 * senders if it moved.  Returns whether `tail` is below it.
 */
static bool room_for(struct mpsc__chan *c, size_t tail)
{
    struct mpsc__list *l = &c->q.list;
    /* seq_cst: after an announcement, the re-check of the senders' Dekker
     * pair (wait_for_room); otherwise a hint. */
    size_t limit = limit_at(c, atomic_load_explicit(&l->head, memory_order_seq_cst));
    /* Relaxed, both: a limit comes from a head the receiver had reached,
     * and the head only grows, so every limit ever stored is one the
     * channel allows.  A sender that reads an older one, or overwrites a
     * newer one, only comes back here. */
    if (atomic_load_explicit(&l->limit, memory_order_relaxed) < limit)
        atomic_store_explicit(&l->limit, limit, memory_order_relaxed);
    return tail < limit;
}

/* Whether a sender that found the channel full may try again: there is
 * room, or the receiver is gone (the claim then reports it). */
static bool room_or_closed(struct mpsc__chan *c)
{
    /* seq_cst: the re-check of the Dekker pair with the receiver's
     * disconnection, a seq_cst read-modify-write of the tail. */
    size_t tail = atomic_load_explicit(&c->q.list.tail, memory_order_seq_cst);
    return (tail & MARK) || room_for(c, tail);
}

/*
 * A send that found the channel full: waits for room, spinning, then asleep
 * on tx_event.  MPSC_OK when the send may try again; MPSC_FULL for
 * try_send; MPSC_TIMEOUT once the deadline has passed, or where the debug
 * build's first try (MPSC__SPIN_ONLY) would sleep.
 *
 * The receiver stores its head with a relaxed store on every message, then
 * runs the light fence and reads the waiter count (take_slot); a sender
 * about to sleep announces itself, runs the heavy fence and re-reads the
 * head: the asymmetric Dekker pair of park.h, as a slipping ring's senders
 * do (flavor_array.c, send_slow).  The heavy fence costs the process up
 * to about 15 us, once a sleep, so the receiver pays for it out of its
 * credit, and once that cannot pay, stores its head with seq_cst and tells
 * the senders (head_mode, chan.h: enum mpsc__head_mode), whose sleeps then
 * run none (pay_sender_fence).
 */
MPSC__NOINLINE static mpsc_status wait_for_room(struct mpsc__chan *c, uint64_t deadline)
{
    struct mpsc__list *l = &c->q.list;
    struct mpsc__backoff backoff = mpsc__wait_start(c, MPSC__TX_SIDE, deadline);
    for (;;) {
        mpsc_status st = mpsc__wait_refused(deadline, MPSC_FULL);
        if (st != MPSC_OK)
            return st;
        if (mpsc__backoff_spin(&backoff)) {
            if (room_or_closed(c))
                return MPSC_OK;
            continue;
        }
        if (deadline == MPSC__SPIN_ONLY)
            return MPSC_TIMEOUT;
        uint32_t seq = mpsc__event_prepare(&l->tx_event);
        mpsc__sender_fence(&l->head_mode);
        if (room_or_closed(c))
            return MPSC_OK;
        mpsc__event_wait(&l->tx_event, seq, deadline);
        if (room_or_closed(c))
            return MPSC_OK;
    }
}

/* Every case of mpsc__list_send: a disconnected channel, a full bounded
 * one, a lost race, a block's last slot (whose sender installs the next
 * block) and its sentinel. */
MPSC__NOINLINE static mpsc_status send_slow(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    struct mpsc__list *l = &c->q.list;
    struct mpsc__list_block *next_block = NULL;
    unsigned losses = 0;
    mpsc_status st;
    /* Acquire on both: see mpsc__list_send. */
    size_t tail = atomic_load_explicit(&l->tail, memory_order_acquire);
    struct mpsc__list_block *block = atomic_load_explicit(&l->tail_block, memory_order_acquire);
    for (;;) {
        if (tail & MARK) {
            st = MPSC_DISCONNECTED;
            break;
        }
        size_t offset = offset_of(l, tail);
        if (offset == l->block_cap) {
            /* Another sender claimed the block's last slot and is installing
             * the next block: wait for it. */
            mpsc__cpu_relax();
            tail = atomic_load_explicit(&l->tail, memory_order_acquire);
            block = atomic_load_explicit(&l->tail_block, memory_order_acquire);
            continue;
        }
        /* Relaxed: see room_for. */
        if (tail >= atomic_load_explicit(&l->limit, memory_order_relaxed) && !room_for(c, tail)) {
            st = wait_for_room(c, deadline);
            if (st != MPSC_OK)
                break;
            tail = atomic_load_explicit(&l->tail, memory_order_acquire);
            block = atomic_load_explicit(&l->tail_block, memory_order_acquire);
            continue;
        }
        /* Allocate before claiming the last slot, so that a failure leaves
         * the channel untouched. */
        if (offset + 1 == l->block_cap && next_block == NULL) {
            next_block = block_get(c, false);
            if (next_block == NULL) {
                st = MPSC_ENOMEM;
                break;
            }
        }
        /* seq_cst on success, acquire on failure: see mpsc__list_send. */
        if (atomic_compare_exchange_weak_explicit(&l->tail, &tail, tail + STEP, memory_order_seq_cst,
                                                  memory_order_acquire)) {
            if (offset + 1 == l->block_cap) {
                /* Release, then release: a sender that sees the new position
                 * sees the new block (first load above); the consumer reads
                 * `next` only after it has read this slot, whose ready flag
                 * is released after this store. */
                atomic_store_explicit(&l->tail_block, next_block, memory_order_release);
                atomic_fetch_add_explicit(&l->tail, sentinel_skip(l), memory_order_release);
                atomic_store_explicit(&block->next, next_block, memory_order_release);
                next_block = NULL;
            }
            fill_slot(c, block, offset, msg, false);
            st = MPSC_OK;
            break;
        }
        block = atomic_load_explicit(&l->tail_block, memory_order_acquire);
        mpsc__lost_race(&losses);
    }
    if (next_block != NULL && !block_keep(l, next_block))
        mpsc__pages_free(next_block, l->block_bytes);
    return st;
}

/* Claims position tail for this send, known to be an ordinary slot of its
 * block: false if another sender claimed it first. */
static inline bool claim(struct mpsc__list *l, size_t tail, bool solo)
{
    if (solo) {
        mpsc__solo_store_tail(&l->tail, tail + STEP);
        return true;
    }
    /* seq_cst on success: this claim is the "condition" store of the
     * receiver's Dekker pair (park.h): a receiver that is about to sleep
     * re-reads the tail with seq_cst after announcing itself, and the notify
     * in fill_slot reads its announcement.  Acquire on failure: send_slow
     * starts over from fresh loads anyway. */
    return atomic_compare_exchange_weak_explicit(&l->tail, &tail, tail + STEP, memory_order_seq_cst,
                                                 memory_order_acquire);
}

/* The common case of every send: the channel is open, the slot is not its
 * block's last (nor the sentinel), a bound leaves room (relaxed: see
 * room_for), and no other sender claims it first.  `bounded` is a constant
 * in each caller, so that the unbounded queue's sends check no limit. */
static inline mpsc_status list_send(struct mpsc__chan *c, const void *msg, uint64_t deadline, bool bounded, bool word)
{
    struct mpsc__list *l = &c->q.list;
    bool solo = mpsc__solo_enter(&l->solo);
    /* Acquire on both: a tail position past a block boundary was published by
     * the installer's release fetch_add, after its release store of
     * tail_block, so the block loaded second is at least as new as the
     * position loaded first. */
    size_t tail = atomic_load_explicit(&l->tail, memory_order_acquire);
    struct mpsc__list_block *block = atomic_load_explicit(&l->tail_block, memory_order_acquire);
    size_t offset = offset_of(l, tail);
    bool claimed = !(tail & MARK) && offset + 1 < l->block_cap &&
                   (!bounded || tail < atomic_load_explicit(&l->limit, memory_order_relaxed)) &&
                   claim(l, tail, solo);
    if (solo)
        mpsc__solo_exit(&l->solo);
    if (!claimed)
        return send_slow(c, msg, deadline);
    fill_slot(c, block, offset, msg, word);
    return MPSC_OK;
}

/* inline: see chan.h. */
inline mpsc_status mpsc__list_send(struct mpsc__chan *c, const void *msg)
{
    if (MPSC__LIKELY(c->elem_size == 8))
        return list_send(c, msg, MPSC__FOREVER, false, true);
    return list_send(c, msg, MPSC__FOREVER, false, false);
}

mpsc_status mpsc__list_send_bounded(struct mpsc__chan *c, const void *msg, uint64_t deadline)
{
    if (MPSC__LIKELY(c->elem_size == 8))
        return list_send(c, msg, deadline, true, true);
    return list_send(c, msg, deadline, true, false);
}

/* Waits for a sender that claimed a slot to finish copying into it.  It is a
 * few instructions away unless it was preempted, hence the yield. */
static void wait_ready(_Atomic unsigned char *ready)
{
    struct mpsc__backoff backoff = {0};
    /* Acquire: pairs with the release store of the ready flag. */
    while (!atomic_load_explicit(ready, memory_order_acquire))
        mpsc__backoff_snooze(&backoff);
}

/*
 * Moves the consumer to the next block when it stands on a sentinel.  The
 * next block exists: its installer stored `next` before writing the slot the
 * consumer just read.  Returns the consumer's position.
 *
 * A consumer a block or more behind the producers is draining a backlog:
 * memory they wrote a while ago, gone from the caches, where the hardware
 * prefetcher of the Xeon host's guest does not keep up (seq unbounded:
 * receiving took 5.1 ns a message, 3.4 with take_slot's prefetch).  There
 * it prefetches through the block, and collects the blocks it finishes to
 * unmap them together (pages.h).  One that has caught up prefetches
 * nothing, for the lines ahead are the ones producers are writing (spsc
 * unbounded, prefetching always: 1.24 x slower), and gives back the
 * blocks it collected.
 */
static size_t head_advance_block(struct mpsc__list *l, size_t head)
{
    if (offset_of(l, head) != l->block_cap)
        return head;
    struct mpsc__list_block *old = l->head_block;
    /* Acquire: pairs with the installer's release store of `next`. */
    l->head_block = atomic_load_explicit(&old->next, memory_order_acquire);
    head += sentinel_skip(l);
    /* Relaxed: a hint; read once a block. */
    bool behind = atomic_load_explicit(&l->tail, memory_order_relaxed) >= head + (l->lap << SHIFT);
    l->prefetch_until = behind ? head + (l->prefetch_end << SHIFT) : 0;
    if (!block_keep(l, old))
        mpsc__pages_free_later(&l->freed, old, l->block_bytes);
    if (!behind)
        mpsc__pages_flush(&l->freed);
    return head;
}

/* Positions of head and tail differ: is there a message, or a disconnection? */
static bool list_is_empty(struct mpsc__list *l, size_t head, size_t *tail_out)
{
    /* seq_cst: the receiver's re-check in the Dekker pair (park.h). */
    size_t tail = atomic_load_explicit(&l->tail, memory_order_seq_cst);
    *tail_out = tail;
    return (tail >> SHIFT) == (head >> SHIFT);
}

/*
 * With a bound, take_slot woke a sender while its head store was light: the
 * sender ran the heavy fence before it slept (wait_for_room).  Paid for
 * out of the receiver's credit, as its own fenced sleeps are (chan.h,
 * mpsc__solo_fence), or the head store is seq_cst from now on: a producer
 * kept waiting on a full sync_channel(65537) by a receiver that took a
 * message every 50 us slept once a message, and spent 25.7 us of CPU a
 * message with a fence each sleep, 16.5 once they stopped (AMD model-17
 * host); the trade is the slipping ring's (flavor_array.c,
 * pay_sender_fence).
 */
MPSC__NOINLINE static void pay_sender_fence(struct mpsc__list *l, size_t head)
{
    if (mpsc__solo_credit_pay(&l->solo_rx, head >> SHIFT))
        return;
    l->strong_head = true;
    mpsc__head_mode_strong(&l->head_mode);
}

/* With a bound, the senders' wake-up after a receive (take_slot), out of
 * line as a whole: mpsc__event_notify there, then pay_sender_fence, kept
 * the channel and the head live across the call, and every caller of
 * mpsc_recv saved and restored registers on each message (list_recv_sized,
 * below, has the figures). */
MPSC__NOINLINE static void wake_senders(struct mpsc__list *l, size_t head)
{
    mpsc__event_wake(&l->tx_event);
    if (!l->strong_head)
        pay_sender_fence(l, head);
}

/* Takes the message of a ready slot at position head. */
static inline void take_slot(struct mpsc__chan *c, struct slot s, size_t head, void *out, bool bounded, bool word)
{
    struct mpsc__list *l = &c->q.list;
#if defined(__GNUC__)
    if (head < l->prefetch_until) /* head_advance_block */
        __builtin_prefetch(s.data + PREFETCH_BYTES, 0);
#endif
    mpsc__copy_msg_or_word(out, s.data, c->elem_size, word);
    if (bounded && MPSC__UNLIKELY(l->strong_head)) {
        /* seq_cst: the senders' Dekker pair in its symmetric form
         * (chan.h, mpsc__head_mode_strong). */
        atomic_store_explicit(&l->head, head + STEP, memory_order_seq_cst);
    } else {
        /* Relaxed: other threads read the head for mpsc_len's snapshot and,
         * with a bound, to count the messages queued (room_for), neither of
         * which touches memory through it. */
        atomic_store_explicit(&l->head, head + STEP, memory_order_relaxed);
        if (bounded) /* the light side of the senders' Dekker pair (wait_for_room) */
            mpsc__fence_light();
    }
    if (bounded && mpsc__event_waiting(&l->tx_event))
        wake_senders(l, head);
}

/* The rest of list_try_recv: the consumer stands on a sentinel, or the slot
 * is not ready (the channel is empty, or its sender is still copying). */
MPSC__NOINLINE static mpsc_status try_recv_slow(struct mpsc__chan *c, void *out, size_t head)
{
    struct mpsc__list *l = &c->q.list;
    head = head_advance_block(l, head);
    struct slot s = slot_at(shape_of(c, false), l->head_block, offset_of(l, head));
    /* Acquire: pairs with the sender's release store of the flag. */
    if (!atomic_load_explicit(s.ready, memory_order_acquire)) {
        size_t tail;
        if (list_is_empty(l, head, &tail)) {
            atomic_store_explicit(&l->head, head, memory_order_relaxed);
            return (tail & MARK) ? MPSC_DISCONNECTED : MPSC_EMPTY;
        }
        wait_ready(s.ready);
    }
    take_slot(c, s, head, out, c->flavor == MPSC__LIST_BOUNDED, false);
    return MPSC_OK;
}

/* The common case of every receive: the slot at the head is ready.  Takes
 * it and returns true, or returns false with *head_out the head. */
static inline bool take_if_ready(struct mpsc__chan *c, void *out, size_t *head_out, bool bounded, bool word)
{
    struct mpsc__list *l = &c->q.list;
    /* Relaxed: only the consumer writes head. */
    size_t head = atomic_load_explicit(&l->head, memory_order_relaxed);
    size_t offset = offset_of(l, head);
    *head_out = head;
    if (offset == l->block_cap)
        return false;
    struct slot s = slot_at(shape_of(c, word), l->head_block, offset);
    /* Acquire: pairs with the sender's release store of the flag. */
    if (!atomic_load_explicit(s.ready, memory_order_acquire))
        return false;
    take_slot(c, s, head, out, bounded, word);
    return true;
}

static inline mpsc_status list_try_recv(struct mpsc__chan *c, void *out)
{
    size_t head;
    return take_if_ready(c, out, &head, c->flavor == MPSC__LIST_BOUNDED, false) ? MPSC_OK : try_recv_slow(c, out, head);
}

/*
 * Spins until the next message is probably there; false once it is time to
 * sleep.  It watches the one slot the next message will land in, not the
 * tail that every send writes, so that a hand-off moves one cache line;
 * a disconnection is seen by the re-check before sleeping.
 */
static bool spin_for_message(const struct mpsc__chan *c, struct mpsc__backoff *backoff)
{
    const struct mpsc__list *l = &c->q.list;
    size_t offset = offset_of(l, atomic_load_explicit(&l->head, memory_order_relaxed));
    if (offset == l->block_cap)
        return mpsc__backoff_spin(backoff); /* the next message opens a new block */
    /* Relaxed: only a hint; list_try_recv reads the flag again with acquire. */
    while (!atomic_load_explicit(slot_at(shape_of(c, false), l->head_block, offset).ready, memory_order_relaxed))
        if (!mpsc__backoff_spin(backoff))
            return false;
    return true;
}

/* mpsc__slip's test: the slot's ready flag is set.  Relaxed: a hint. */
static bool ready_set(const void *flag, size_t unused)
{
    (void)unused;
    return atomic_load_explicit((_Atomic unsigned char *)flag, memory_order_relaxed) != 0;
}

/*
 * After a quick wait, slips behind the producer (chan.h, mpsc__slip) within
 * the head block.  On the Xeon host spsc unbounded took 44-80 ns a message
 * without it, against 37 for Rust's std, whose receiver falls asleep now and
 * then and so lets the producer run ahead; 17.5 with it.
 */
static void slip(struct mpsc__chan *c, const struct mpsc__backoff *b, uint64_t deadline)
{
    struct mpsc__list *l = &c->q.list;
    if (!mpsc__slip_due(&l->slip, b))
        return;
    size_t offset = offset_of(l, atomic_load_explicit(&l->head, memory_order_relaxed)) + l->slip_slots;
    if (offset < l->block_cap)
        mpsc__slip(&l->slip, deadline, ready_set, slot_at(shape_of(c, false), l->head_block, offset).ready, 0);
}

/* mpsc__list_recv once the slot at the head was found not ready: spin, then
 * sleep, until a message, a disconnection or the deadline. */
MPSC__NOINLINE static mpsc_status recv_wait(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    struct mpsc__list *l = &c->q.list;
    struct mpsc__backoff backoff = mpsc__wait_start(c, MPSC__RX_SIDE, deadline);
    if (mpsc__rx_spin_first(c, deadline) && spin_for_message(c, &backoff))
        slip(c, &backoff, deadline);
    for (;;) {
        mpsc_status st = list_try_recv(c, out);
        if (st != MPSC_EMPTY)
            return st;
        if ((st = mpsc__wait_refused(deadline, MPSC_EMPTY)) != MPSC_OK)
            return st;
        if (!spin_for_message(c, &backoff)) {
            if (deadline == MPSC__SPIN_ONLY)
                return MPSC_TIMEOUT;
            size_t head = atomic_load_explicit(&l->head, memory_order_relaxed);
            size_t tail;
            uint32_t seq = mpsc__event_prepare(&l->rx_event);
            mpsc__solo_fence(&l->solo, &l->solo_rx, head >> SHIFT);
            if (list_is_empty(l, head, &tail) && !(tail & MARK))
                mpsc__event_wait(&l->rx_event, seq, deadline);
        }
    }
}

/* Every receive: `bounded`, a constant in each caller, as in list_send. */
static inline mpsc_status list_recv(struct mpsc__chan *c, void *out, uint64_t deadline, bool bounded, bool word)
{
    size_t head;
    if (take_if_ready(c, out, &head, bounded, word))
        return MPSC_OK;
    /* A blocking receive waits before it looks at the tail (recv_wait). */
    return deadline == MPSC__NO_WAIT ? try_recv_slow(c, out, head) : recv_wait(c, out, deadline);
}

/*
 * The receives of messages of other sizes, out of line: their copy of
 * run-time size is a call to memcpy, across which the channel and the head
 * stay live, so inlined beside the word's they made every caller of
 * mpsc_recv save and restore registers on each message, as the ring's
 * receive did for the same reasons (flavor_array.c, array_recv_sized and
 * wake_senders).  With these two and the ring's two out of line, `bench_mpsc
 * seq unbounded` ran 92 instructions a message where it ran 103
 * (callgrind), and its receive saved no register.
 */
MPSC__NOINLINE static mpsc_status list_recv_sized(struct mpsc__chan *c, void *out, uint64_t deadline, bool bounded)
{
    return list_recv(c, out, deadline, bounded, false);
}

/* inline: see chan.h. */
inline mpsc_status mpsc__list_recv(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    if (MPSC__LIKELY(c->elem_size == 8))
        return list_recv(c, out, deadline, false, true);
    return list_recv_sized(c, out, deadline, false);
}

mpsc_status mpsc__list_recv_bounded(struct mpsc__chan *c, void *out, uint64_t deadline)
{
    if (MPSC__LIKELY(c->elem_size == 8))
        return list_recv(c, out, deadline, true, true);
    return list_recv_sized(c, out, deadline, true);
}

void mpsc__list_disconnect_senders(struct mpsc__chan *c)
{
    struct mpsc__list *l = &c->q.list;
    /* seq_cst: the "condition" store of the receiver's Dekker pair. */
    atomic_fetch_or_explicit(&l->tail, MARK, memory_order_seq_cst);
    mpsc__event_notify(&l->rx_event);
}

void mpsc__list_disconnect_receiver(struct mpsc__chan *c)
{
    struct mpsc__list *l = &c->q.list;
    /* A solo sender's plain store would overwrite the mark. */
    mpsc__solo_end(c, &l->solo);
    /* From here on no sender can claim a position (their compare-and-swap
     * sees the mark).  Acquire: the positions claimed before are ours to
     * drain; seq_cst: the "condition" store of the Dekker pair with senders
     * asleep on a full bounded channel, whom the notify below wakes to see
     * the mark (wait_for_room). */
    size_t tail = atomic_fetch_or_explicit(&l->tail, MARK, memory_order_seq_cst);
    mpsc__event_notify(&l->tx_event);
    size_t head = atomic_load_explicit(&l->head, memory_order_relaxed);
    while ((head >> SHIFT) != (tail >> SHIFT)) {
        head = head_advance_block(l, head);
        if ((head >> SHIFT) == (tail >> SHIFT))
            break;
        struct slot s = slot_at(shape_of(c, false), l->head_block, offset_of(l, head));
        wait_ready(s.ready);
        if (c->drop != NULL)
            c->drop(s.data);
        head += STEP;
    }
    atomic_store_explicit(&l->head, head, memory_order_relaxed);
    /* The blocks drained here go back now, not when the last Sender goes. */
    mpsc__pages_flush(&l->freed);
}

size_t mpsc__list_len(const struct mpsc__chan *c)
{
    struct mpsc__list *l = (struct mpsc__list *)&c->q.list;
    size_t tail, head;
    /* A consistent snapshot: the tail did not move while we read the head.
     * Acquire/relaxed suffice, the result is advisory. */
    do {
        tail = atomic_load_explicit(&l->tail, memory_order_acquire);
        head = atomic_load_explicit(&l->head, memory_order_relaxed);
    } while (tail != atomic_load_explicit(&l->tail, memory_order_acquire));
    size_t t = slots_before(l, tail >> SHIFT), h = slots_before(l, head >> SHIFT);
    return t > h ? t - h : 0;
}

void mpsc__list_destroy(struct mpsc__chan *c)
{
    struct mpsc__list *l = &c->q.list;
    /* The receiver's drop drained every message and gave back the blocks
     * it collected; only the list's blocks and the spare remain.  Relaxed:
     * both sides have released the channel (counter.c). */
    struct mpsc__list_block *b = l->head_block;
    while (b != NULL) {
        struct mpsc__list_block *next = atomic_load_explicit(&b->next, memory_order_relaxed);
        mpsc__pages_free(b, l->block_bytes);
        b = next;
    }
    mpsc__pages_free(atomic_load_explicit(&l->spare, memory_order_relaxed), l->block_bytes);
}
