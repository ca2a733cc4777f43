/*
 * chan.h - the channel object shared by the entry points (channel.c), the
 * handle counts (counter.c) and the three queue flavors, one per file, as in
 * Rust's library/std/src/sync/mpmc/: flavor_list.c (unbounded), flavor_array.c
 * (bounded), flavor_zero.c (rendezvous).
 */
#ifndef MPSC_CHAN_H
#define MPSC_CHAN_H

#include "mpsc.h"
#include "pages.h"
#include "park.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Two cache lines: x86 prefetches lines in adjacent pairs, so fields written
 * by different threads are kept this far apart (crossbeam's CachePadded). */
#define MPSC__CACHE_LINE 128

/*
 * A channel whose sends all come from one thread.  Claiming a slot takes a
 * compare-and-swap on the tail, because any number of threads may send at
 * once (Senders are Sync); on the Xeon host that locked instruction was
 * over a third of seq unbounded's time and two thirds of spsc unbounded's
 * (a plain store in its place, 6 alternating pairs).  So the
 * first thread that sends on a channel becomes its candidate; once it has
 * sent MPSC__SOLO_CLAIM_SENDS messages with no other thread sending, it
 * takes the channel (owner = its token), and from then on claims with plain
 * stores, until another thread sends, or the receiver disconnects: that
 * thread revokes the claim for good (REVOKING, then SHARED) and waits for a
 * solo send in flight to end.  A candidacy ends just as a claim does, but
 * with no fence and no wait, since a candidate's sends all use the
 * compare-and-swap.  The owner
 * announces each solo send (busy) and then re-checks the owner; the
 * revoker stores the owner and then reads busy: a Dekker pair, asymmetric
 * (park.h): a compiler barrier on the owner's side, membarrier on the
 * revoker's, once per channel.  The receiver's own Dekker pair with the
 * senders, whose "condition" store was that compare-and-swap, becomes
 * asymmetric too while the channel is not SHARED: a plain store and a
 * light fence in the solo sender, the heavy fence in a receiver about to
 * sleep (mpsc__solo_fence).  Where there is no heavy fence, the first send
 * makes the channel SHARED.
 *
 * The revocation's fence costs the process up to about 15 us (park.h), and
 * the compare-and-swap a send saves 5-10 ns: the candidacy keeps a channel
 * that several threads send a few messages each on (a scatter-gather, a
 * reply channel handed from thread to thread) from paying one.
 */
#define MPSC__SOLO_NONE ((uintptr_t)0)      /* nobody sent yet */
#define MPSC__SOLO_REVOKING ((uintptr_t)1) /* a thread is revoking the owner's claim */
#define MPSC__SOLO_SHARED ((uintptr_t)2)   /* every send claims with compare-and-swap */
#define MPSC__SOLO_CANDIDATE ((uintptr_t)1) /* low bit of a token: its thread is the candidate */
#define MPSC__SOLO_CLAIM_SENDS 1024

struct mpsc__solo {
    _Atomic uintptr_t owner;  /* one of the above, the owner's token, or the candidate's | CANDIDATE */
    atomic_bool busy;         /* the owner is in a solo send */
    _Atomic unsigned candidate_sends; /* the candidate's sends so far; only it writes */
};

/* A channel nobody sent on yet. */
static inline void mpsc__solo_init(struct mpsc__solo *s)
{
    atomic_init(&s->owner, MPSC__SOLO_NONE);
    atomic_init(&s->busy, false);
    atomic_init(&s->candidate_sends, 0);
}

/* mpsc__solo_enter when this thread is not the owner (solo.c): counts a
 * candidate's send, takes the channel on its MPSC__SOLO_CLAIM_SENDS-th,
 * ends another thread's candidacy or revokes its claim.  Out of line:
 * inlined into the sends (link-time optimisation does), it made their
 * common case save three more registers, and seq unbounded and spsc
 * bounded1000 5 and 11 % slower (Xeon host, 7 alternating pairs). */
MPSC__NOINLINE bool mpsc__solo_claim(struct mpsc__solo *s);

/*
 * Whether this send is a solo send: true when this thread owns the channel
 * and has announced the send (end it with mpsc__solo_exit once its tail
 * store is done); false when the send must claim with compare-and-swap.
 */
static inline bool mpsc__solo_enter(struct mpsc__solo *s)
{
    /* This thread's token (park.h): never one of the states above, and its
     * low bit is free for CANDIDATE. */
    uintptr_t me = (uintptr_t)&mpsc__thread_token;
    /* Relaxed, all three: the fences of the pair order them (above). */
    uintptr_t owner = atomic_load_explicit(&s->owner, memory_order_relaxed);
    /* Unlikely: the owner's path is the straight one.  Other senders pay a
     * taken jump beside a compare-and-swap; without the hint GCC laid the
     * owner's path out of line, and the bounded list's solo send through
     * six to eight stretches of code: seq's sends alone on a bound took
     * 0.87 x their time with it, `bench_mpsc seq boundedN` 0.93-0.96 x in
     * four sets of 9-15 alternating rounds, spsc unbounded and
     * bounded1000 0.95 and 0.93, mpsc unbounded 1.07 and 1.00 in two sets
     * (AMD model-17 host, bench/NOTES.md). */
    if (MPSC__UNLIKELY(owner != me)) {
        /* SHARED is final: every send claims with compare-and-swap, and
         * the call to settle that would say so costs a channel with
         * several senders on each send.  Acquire, the second load, as
         * settle's: SHARED is the release store in revoke (solo.c), after
         * which the revoked owner's tail stores happen before our claim.
         * On the second load only, so that the owner's sends keep a
         * relaxed one where acquire is not free. */
        if (owner == MPSC__SOLO_SHARED &&
            atomic_load_explicit(&s->owner, memory_order_acquire) == MPSC__SOLO_SHARED)
            return false;
        return mpsc__solo_claim(s);
    }
    atomic_store_explicit(&s->busy, true, memory_order_relaxed);
    mpsc__fence_light();
    if (atomic_load_explicit(&s->owner, memory_order_relaxed) == me)
        return true;
    atomic_store_explicit(&s->busy, false, memory_order_relaxed);
    return false;
}

/*
 * A solo send's claim, in either queue: no other thread writes the tail
 * until we exit (a revoker, the receiver's disconnection included, waits
 * for us), so a plain store claims.  Release, as the queues'
 * compare-and-swap; then the light fence keeps the send's notify after it:
 * the store half of the receiver's Dekker pair, asymmetric
 * (mpsc__solo_fence).
 */
static inline void mpsc__solo_store_tail(_Atomic size_t *tail, size_t next)
{
    atomic_store_explicit(tail, next, memory_order_release);
    mpsc__fence_light();
}

static inline void mpsc__solo_exit(struct mpsc__solo *s)
{
    /* Release: our tail store happens before the revoker's claims. */
    atomic_store_explicit(&s->busy, false, memory_order_release);
}

struct mpsc__chan;

/* For the receiver's disconnection, whose read-modify-write on the tail a
 * solo sender's plain store would otherwise overwrite: makes the channel
 * SHARED, waiting for a solo send in flight to end, unless no Sender is
 * left to send. */
void mpsc__solo_end(const struct mpsc__chan *c, struct mpsc__solo *s);

/*
 * What a receiver about to sleep needs while a thread owns the channel and
 * may store the tail without a read-modify-write (call it between
 * announcing itself and re-checking): the heavy fence, paid for out of a
 * credit of messages, MPSC__SOLO_FENCE_MESSAGES a fence.  The receiver
 * earns one a message received, up to MPSC__SOLO_FENCE_CREDIT; when the
 * credit cannot pay, it ends the solo sends instead (SHARED, one heavy
 * fence), after which its sleeps need none.  A fence costs the process
 * 0.1-15 us (park.h), the compare-and-swap it saves 5-10 ns a message: a
 * receiver that slept every few messages, fed by a thread that works
 * between sends, paid 15-18 us of CPU a message in fences on the Xeon
 * host, while a stream whose receiver sleeps every few thousand messages
 * keeps its solo sends.
 */
#define MPSC__SOLO_FENCE_MESSAGES 4096
#define MPSC__SOLO_FENCE_CREDIT (4 * MPSC__SOLO_FENCE_MESSAGES)

/* The receiver's account (receiver-private). */
struct mpsc__solo_rx {
    size_t fenced_at; /* messages received at its last fenced sleep */
    size_t credit;    /* in messages */
};

static inline void mpsc__solo_rx_init(struct mpsc__solo_rx *rx)
{
    *rx = (struct mpsc__solo_rx){0, MPSC__SOLO_FENCE_CREDIT};
}

/* received: how many messages the receiver has taken (any count that grows
 * by one a message). */
void mpsc__solo_fence(struct mpsc__solo *s, struct mpsc__solo_rx *rx, size_t received);
/* Pays for one heavy fence out of the account, or returns false where the
 * credit cannot: mpsc__solo_fence's, and a small ring's senders' (flavor_array.c,
 * pay_sender_fence). */
bool mpsc__solo_credit_pay(struct mpsc__solo_rx *rx, size_t received);

/*
 * How a receiver stores its head, told to the senders of a bounded channel
 * (flavor_array.c, and a large bound in flavor_list.c): LIGHT, a plain store
 * and the light fence, so that a sender about to sleep on a full channel
 * runs the heavy fence before its re-check (park.h, the asymmetric Dekker
 * pair); STRONG, a seq_cst store, and the sender runs none.  The receiver
 * pays for each of its senders' fences out of its credit
 * (mpsc__solo_credit_pay), and once the credit cannot pay, stores its head
 * with seq_cst for good.
 */
enum mpsc__head_mode { MPSC__HEAD_STRONG, MPSC__HEAD_LIGHT };

/* A sender about to sleep on a full channel, once it has announced itself
 * (mpsc__event_prepare) and before its re-check: the heavy side of the
 * pair while the receiver's head store is light.  seq_cst, after the
 * announcement: a receiver that turns LIGHT does so with a seq_cst
 * read-modify-write (flavor_array.c, set_head_light), so a sender that
 * still reads STRONG announced itself before it, and the receiver's next
 * notify sees that. */
static inline void mpsc__sender_fence(_Atomic unsigned *head_mode)
{
    if (atomic_load_explicit(head_mode, memory_order_seq_cst) == MPSC__HEAD_LIGHT)
        mpsc__fence_heavy();
}

/* A receiver's switch to the seq_cst head store.  Release: a sender that
 * reads STRONG (mpsc__sender_fence, seq_cst, so acquire) sees every light
 * head store made before it; every later one is seq_cst, the pair's usual
 * symmetric form. */
static inline void mpsc__head_mode_strong(_Atomic unsigned *head_mode)
{
    atomic_store_explicit(head_mode, MPSC__HEAD_STRONG, memory_order_release);
}

/* Whether an owner word (struct mpsc__solo) names the thread that owns the
 * channel: not nobody, a candidate, a revocation or SHARED. */
static inline bool mpsc__solo_owned(uintptr_t owner)
{
    return owner > MPSC__SOLO_SHARED && (owner & MPSC__SOLO_CANDIDATE) == 0;
}

/* The receiver's state for mpsc__slip (below). */
struct mpsc__slip {
    unsigned skip;      /* quick waits left to pass before the next try */
    unsigned next_skip; /* how many to pass after the next miss */
};

/* ---- unbounded: a linked list of blocks (flavor_list.c) ---------------- */

struct mpsc__list_block;

struct mpsc__list {
    /* Written by producers. */
    alignas(MPSC__CACHE_LINE) _Atomic size_t tail;      /* position << 1 | disconnected bit */
    _Atomic(struct mpsc__list_block *) tail_block;      /* the block that holds position `tail` */
    struct mpsc__solo solo;
    /* The first tail a sender may not claim (a large bound, flavor_list.c):
     * SIZE_MAX when unbounded.  Written by a sender that finds it reached. */
    _Atomic size_t limit;
    /* Written by the consumer. */
    alignas(MPSC__CACHE_LINE) _Atomic size_t head;      /* position << 1 (bit 0 unused) */
    struct mpsc__list_block *head_block;                /* consumer-private */
    struct mpsc__slip slip;                             /* consumer-private */
    struct mpsc__solo_rx solo_rx;                       /* consumer-private */
    size_t prefetch_until;                              /* consumer-private (flavor_list.c, take_slot) */
    bool strong_head;                                   /* consumer-private: head_mode is STRONG */
    struct mpsc__pages_batch freed;                     /* consumer-private: blocks to unmap together */
    /* Read by every send, written only when the receiver goes to sleep: a
     * line of its own, so that reading it costs no cache miss. */
    alignas(MPSC__CACHE_LINE) struct mpsc__event rx_event;
    /* With a bound: senders sleep here while the channel is full, and every
     * receive reads it; a line of its own, for the same reason.  Beside it,
     * how the receiver stores its head (enum mpsc__head_mode), read by a
     * sender about to sleep. */
    alignas(MPSC__CACHE_LINE) struct mpsc__event tx_event;
    _Atomic unsigned head_mode;
    /* A block the consumer finished with, kept for the next block a producer
     * needs, so a steady stream does not call malloc and free. */
    alignas(MPSC__CACHE_LINE) _Atomic(struct mpsc__list_block *) spare;
    size_t lap;         /* positions per block, a power of two above block_cap */
    size_t block_cap;   /* slots per block, a multiple of the group */
    size_t block_bytes; /* a block's size, whole pages */
    size_t slip_slots;  /* how far ahead the receiver slips (mpsc__slip) */
    size_t prefetch_end; /* a block's last offset the receiver prefetches at */
    /* Slots come in groups (flavor_list.c): 1 << group_shift slots of
     * group_bytes bytes in all. */
    unsigned group_shift;
    size_t group_bytes;
};

/* ---- bounded: a ring of stamped slots (flavor_array.c) ----------------- */

struct mpsc__array {
    alignas(MPSC__CACHE_LINE) _Atomic size_t tail; /* producers: lap | mark | index */
    struct mpsc__solo solo;
    alignas(MPSC__CACHE_LINE) _Atomic size_t head; /* written by the consumer only */
    struct mpsc__slip slip;                        /* consumer-private */
    struct mpsc__solo_rx solo_rx;                  /* consumer-private */
    /* Consumer-private: how take_slot stores the head (flavor_array.c,
     * choose_head_store). */
    bool light_head, light_refused;
    size_t head_checked_at; /* messages received when it last chose */
    /* Read by every operation, written only by threads going to sleep: each
     * on a line of its own, away from the indices. */
    alignas(MPSC__CACHE_LINE) struct mpsc__event tx_event; /* senders sleep here while full */
    _Atomic unsigned head_mode; /* enum mpsc__head_mode: light_head, told to the senders */
    alignas(MPSC__CACHE_LINE) struct mpsc__event rx_event; /* the receiver sleeps here while empty */
    alignas(MPSC__CACHE_LINE) unsigned char *slots;        /* cap slots of slot_size bytes */
    size_t cap, slot_size, data_offset, one_lap, mark_bit;
    size_t prefetch_ahead; /* how far ahead a sender prefetches (fill_slot), or 0 */
    /* How far ahead the receiver slips (mpsc__slip), or 0: then it does
     * not, and its head store is seq_cst rather than an asymmetric fence's
     * light side (flavor_array.c, take_slot). */
    size_t slip_slots;
};

/* ---- rendezvous: senders and the receiver meet under a lock (flavor_zero.c) */

struct mpsc__zero_packet;

/* The largest message that travels inside a waiter's packet (flavor_zero.c). */
#define MPSC__ZERO_INLINE 16

/* Where the receiver waits for a sender: there is one receiver, so its
 * packet lives in the channel, and a sender can hand over without the lock. */
struct mpsc__zero_receiver {
    _Atomic uint32_t state;
    void *dst; /* inline_msg, or the receiver's buffer for a larger message */
    alignas(16) unsigned char inline_msg[MPSC__ZERO_INLINE];
};

struct mpsc__zero {
    atomic_bool locked; /* the lock (flavor_zero.c, zero_lock) */
    /* Under the lock: the FIFO of blocked senders, and the disconnection. */
    struct mpsc__zero_packet *senders_head, *senders_tail;
    bool disconnected;
    /* Written by the receiver and the sender that meets it: a line of its
     * own, away from the lock. */
    alignas(MPSC__CACHE_LINE) struct mpsc__zero_receiver rx;
};

/* ---- the channel ------------------------------------------------------- */

/*
 * The largest bounded channel kept as a ring.  A ring takes all of its
 * memory at creation, 16 bytes a slot for 8-byte messages, and writes every
 * slot's stamp before the first send: a sync_channel(5,000,000) cost 80 MB
 * and 12.6 ns a message of page faults before its first send (AMD host),
 * and seq boundedN took 1.5 x flume's time, whose bounded channel grows as
 * it fills.  A larger bound is the unbounded queue's blocks with a limit on
 * the tail (flavor_list.c): memory as messages arrive, 9 bytes a message,
 * and back once they are received.  Below it, where a channel is full more
 * often, the ring's senders wait on the slot they will fill, not on the
 * receiver's head.
 */
#define MPSC__RING_MAX 65536

/* MPSC__LIST_BOUNDED: the unbounded queue with a bound (MPSC__RING_MAX,
 * above), a flavor of its own so that the unbounded channels' sends and
 * receives check nothing for it. */
enum mpsc__flavor { MPSC__LIST, MPSC__ARRAY, MPSC__ZERO, MPSC__LIST_BOUNDED };

struct mpsc_sender {
    struct mpsc__chan *chan;
};

struct mpsc_receiver {
    struct mpsc__chan *chan;
};

/*
 * Lives from mpsc_channel*() until the last handle is dropped (counter.c
 * frees it).  The fields before `senders` are written once at creation and
 * read-only afterwards.
 */
struct mpsc__chan {
    union {
        struct mpsc__list list;
        struct mpsc__array array;
        struct mpsc__zero zero;
    } q;
    enum mpsc__flavor flavor;
    size_t elem_size;
    size_t bound; /* SIZE_MAX when unbounded */
    mpsc_drop_fn drop;
    char *name; /* owned copy, or NULL */
    /* counter.c: how many Senders are alive, and which side frees. */
    alignas(MPSC__CACHE_LINE) _Atomic size_t senders;
    atomic_bool destroy;
    /* The handles mpsc_channel returns live inside the channel, so creating a
     * channel is one allocation; clones are allocated one by one. */
    struct mpsc_sender first_tx;
    struct mpsc_receiver rx;
};

/*
 * Hides from the compiler where pointer p comes from.  An empty asm: it
 * emits nothing, but the object p points to must then live in memory
 * (callgrind: one instruction more a message on seq unbounded).  With
 * link-time optimisation the library is inlined into the program's own
 * calls, where GCC 12 sees the program's objects and warns about paths
 * that never run: the 16-byte branch of mpsc__copy_msg writing into an
 * 8-byte `out` (-Wstringop-overflow) on a channel of 8-byte messages, or a
 * Sender clone being freed when it is the handle that lives inside the
 * channel (-Wfree-nonheap-object).  The project's own LTO build
 * (bench/run.sh) printed both, and a program built with -Werror would stop.
 */
#if defined(__GNUC__)
#define MPSC__HIDE(p) __asm__("" : "+r"(p))
#else
#define MPSC__HIDE(p) ((void)0)
#endif

/*
 * Copies one message.  The size is known only at run time, so a plain
 * memcpy is a library call; the sizes most channels carry (a pointer, an
 * integer, two words) get a copy of constant size, which the compiler turns
 * into a move or two.  Size 0 copies nothing (and src may then be NULL).
 */
static inline void mpsc__copy_msg(void *dst, const void *src, size_t size)
{
    MPSC__HIDE(dst);
    MPSC__HIDE(src);
    switch (size) {
    case 0: break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, size); break;
    }
}

/*
 * mpsc__copy_msg, or, where `word` (a constant in the caller) says the
 * message is 8 bytes, a memcpy of constant size without MPSC__HIDE: that
 * keeps the caller's buffer in memory (a receive stored its message and the
 * caller loaded it back), and the warnings it is there for come from copies
 * of other sizes.  An 8-byte message (a pointer, a uint64_t) is what most
 * channels carry; the queues' receives take it on a path of its own, and
 * messages of other sizes on one out of line (flavor_list.c,
 * list_recv_sized).
 */
static inline void mpsc__copy_msg_or_word(void *dst, const void *src, size_t size, bool word)
{
    if (word)
        memcpy(dst, src, 8);
    else
        mpsc__copy_msg(dst, src, size);
}

/*
 * Slipping behind a fast producer.  A receiver that keeps up with a stream
 * takes each message as soon as it lands, so it reads the cache line the
 * producer is writing, and the producer pays for that line's transfer on
 * each message (its next locked compare-and-swap waits for the store).  So
 * when the wait for the next message ended quickly, the receiver waits on,
 * up to MPSC__SLIP_NS (or its deadline), until the slot about
 * MPSC__SLIP_BYTES further is full too, and then reads lines the producer
 * is done with (the "temporal slipping" of Giacomoni, Moseley and
 * Vachharajani's FastForward queue, PPoPP 2008).  In a hand-off that slot
 * never fills before the deadline and the wait is lost; each such miss
 * doubles how many quick waits pass before the next try, up to
 * MPSC__SLIP_MAX_SKIP, and a success starts over.  Nothing here decides
 * what is received: the slot is read as a hint, and the receive that
 * follows reads its own with acquire.  The figures each queue measured are
 * where it calls mpsc__slip.
 */
#define MPSC__SLIP_BYTES 2048
#define MPSC__SLIP_NS 10000
#define MPSC__SLIP_MAX_SKIP 4096

/* Whether a wait that has just ended (b) is followed by a slip: it ended
 * quickly, and no miss asks to skip it. */
static inline bool mpsc__slip_due(struct mpsc__slip *s, const struct mpsc__backoff *b)
{
    if (b->step >= MPSC__CPU_CHECK_ROUND) /* a long wait: not a stream */
        return false;
    if (s->skip > 0) {
        s->skip--;
        return false;
    }
    return true;
}

/* The slip itself: spins until full(slot, want) or MPSC__SLIP_NS (at most
 * until the deadline) have passed. */
static inline void mpsc__slip(struct mpsc__slip *s, uint64_t deadline, bool (*full)(const void *slot, size_t want),
                              const void *slot, size_t want)
{
    uint64_t until = mpsc__now_ns() + MPSC__SLIP_NS;
    if (until > deadline)
        until = deadline;
    for (unsigned k = 1; !full(slot, want); k++) {
        if (k % 32 == 0 && mpsc__now_ns() >= until) {
            if (s->next_skip < MPSC__SLIP_MAX_SKIP)
                s->next_skip = s->next_skip == 0 ? 1 : 2 * s->next_skip;
            s->skip = s->next_skip;
            return;
        }
        mpsc__cpu_relax();
    }
    s->next_skip = 0;
}

enum mpsc__side { MPSC__RX_SIDE, MPSC__TX_SIDE };

/* Starts a wait of one side of the channel (park.h, mpsc__backoff_start).
 * What it waits for, to mpsc__shares_cpu, is the address of that side's
 * handle inside the channel: the same for all the senders. */
static inline struct mpsc__backoff mpsc__wait_start(struct mpsc__chan *c, enum mpsc__side side, uint64_t deadline)
{
    return mpsc__backoff_start(side == MPSC__RX_SIDE ? (const void *)&c->rx : (const void *)&c->first_tx, deadline);
}

/*
 * What a call that found it must wait returns instead, when it may not wait:
 * `would_block` (MPSC_EMPTY or MPSC_FULL) for the try_ forms, MPSC_TIMEOUT
 * once the deadline has passed; MPSC_OK when it may wait.
 */
static inline mpsc_status mpsc__wait_refused(uint64_t deadline, mpsc_status would_block)
{
    if (!mpsc__cannot_wait(deadline))
        return MPSC_OK;
    return deadline == MPSC__NO_WAIT ? would_block : MPSC_TIMEOUT;
}

/*
 * Whether a blocking receive that found the channel empty first spins on the
 * slot the next message will land in, before anything else.  The full check
 * of an empty channel reads the tail, which every send writes: in a hand-off
 * (bounded(1), ping-pong) reading it there would move that line to the
 * receiver and back once per message.  Not for try_recv, nor once the
 * deadline has passed, nor when every Sender is gone: then the full check
 * answers at once.  Relaxed: a hint, the full check decides.
 */
static inline bool mpsc__rx_spin_first(const struct mpsc__chan *c, uint64_t deadline)
{
    return !mpsc__cannot_wait(deadline) && atomic_load_explicit(&c->senders, memory_order_relaxed) != 0;
}

/* channel.c: a blocking receive that reports MPSC_TIMEOUT instead of going
 * to sleep (MPSC__SPIN_ONLY; a try_recv on a rendezvous channel): the debug
 * build's first wait (src/debug/use.c), declared in debug.h too. */
mpsc_status mpsc__recv_spin(mpsc_receiver *rx, void *out);
/* channel.c: the same for a blocking send on a bounded channel (a try_send
 * on a rendezvous channel, MPSC_FULL reported as MPSC_TIMEOUT); any other
 * channel, and a NULL message, get mpsc_try_send's answer likewise. */
mpsc_status mpsc__send_spin(mpsc_sender *tx, const void *msg);
/* channel.c: the debug build's blocking send on an unbounded channel
 * (src/debug/use.c, send_form; declared in debug.h too), straight to the
 * queue; any other channel, and a NULL message, go through mpsc_send. */
mpsc_status mpsc__send_unbounded(mpsc_sender *tx, const void *msg);

/* counter.c */
mpsc_status mpsc__chan_create(const mpsc_config *cfg, mpsc_sender **tx, mpsc_receiver **rx);
mpsc_sender *mpsc__sender_clone(mpsc_sender *tx);
void mpsc__sender_release(mpsc_sender *tx);
void mpsc__receiver_release(mpsc_receiver *rx);

/* Each flavor: init (MPSC_ENOMEM possible), send, recv, the two
 * disconnections (the receiver's also passes queued messages to the drop
 * function), len, and destroy (frees what init allocated, dropping any
 * message still queued).  The rendezvous channel queues no message and
 * allocates nothing of its own: it has neither len nor destroy.
 *
 * mpsc__list_send, mpsc__list_recv and mpsc__array_recv are defined
 * `inline` (external definitions all the same, as these declarations lack
 * the keyword), the hint that lets link-time optimisation inline them into
 * mpsc_send and mpsc_recv and on into a caller's loop, where GCC otherwise
 * kept the send out of line and called it once a message: on the Xeon
 * host, spsc and seq unbounded 0.68 and 0.93 x their time.  The ring's
 * receive, which GCC inlined into mpsc_recv already, has the keyword for
 * the debug build's first wait on a ring (channel.c, array_recv_spin).
 * bench/NOTES.md has the measurements. */
mpsc_status mpsc__list_init(struct mpsc__chan *c);
mpsc_status mpsc__list_send(struct mpsc__chan *c, const void *msg);
mpsc_status mpsc__list_recv(struct mpsc__chan *c, void *out, uint64_t deadline);
mpsc_status mpsc__list_send_bounded(struct mpsc__chan *c, const void *msg, uint64_t deadline);
mpsc_status mpsc__list_recv_bounded(struct mpsc__chan *c, void *out, uint64_t deadline);
void mpsc__list_disconnect_senders(struct mpsc__chan *c);
void mpsc__list_disconnect_receiver(struct mpsc__chan *c);
size_t mpsc__list_len(const struct mpsc__chan *c);
void mpsc__list_destroy(struct mpsc__chan *c);

mpsc_status mpsc__array_init(struct mpsc__chan *c);
mpsc_status mpsc__array_send(struct mpsc__chan *c, const void *msg, uint64_t deadline);
mpsc_status mpsc__array_recv(struct mpsc__chan *c, void *out, uint64_t deadline);
void mpsc__array_disconnect_senders(struct mpsc__chan *c);
void mpsc__array_disconnect_receiver(struct mpsc__chan *c);
size_t mpsc__array_len(const struct mpsc__chan *c);
void mpsc__array_destroy(struct mpsc__chan *c);

mpsc_status mpsc__zero_init(struct mpsc__chan *c);
mpsc_status mpsc__zero_send(struct mpsc__chan *c, const void *msg, uint64_t deadline);
mpsc_status mpsc__zero_recv(struct mpsc__chan *c, void *out, uint64_t deadline);
void mpsc__zero_disconnect_senders(struct mpsc__chan *c);
void mpsc__zero_disconnect_receiver(struct mpsc__chan *c);

#endif /* MPSC_CHAN_H */
