/*
 * debug.h - the debug build's records, shared by its files: registry.c (the
 * handle and channel records and the one lock that guards them), threads.c
 * (thread names), options.c (MPSC_DEBUG_OPTIONS), checks.c (the ownership
 * rules), use.c (the same rules for an ordinary call, checked without the
 * lock), api.c (the mpsc__debug_* entry points), render.c (the only place
 * that formats a diagnostic) and trace.c (the JSON trace).
 */
#ifndef MPSC_DEBUG_INTERNAL_H
#define MPSC_DEBUG_INTERNAL_H

#include "mpsc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !MPSC_DEBUG
#error "src/debug is compiled only with -Dmpsc_debug=true"
#endif

/* ---- from the production library (src/channel.c, declared in chan.h) --- */

/* A blocking receive on a production handle that reports MPSC_TIMEOUT where
 * it would go to sleep: the first part of a blocking receive (use.c). */
mpsc_status mpsc__recv_spin(mpsc_receiver *rx, void *out);
/* A blocking send on a production handle of an unbounded channel, without
 * the dispatch of mpsc_send (use.c, send_form). */
mpsc_status mpsc__send_unbounded(mpsc_sender *tx, const void *msg);
/* A blocking send on a production handle of a bounded channel that
 * reports MPSC_TIMEOUT where it would go to sleep (use.c, send_form). */
mpsc_status mpsc__send_spin(mpsc_sender *tx, const void *msg);

/* ---- threads (threads.c) ----------------------------------------------- */

struct mpsc__dbg_handle;

/* The token a thread used last for a kind of handle, the record it leads
 * to, and the key that record has while it is live, of that kind and the
 * thread's own (use.c). */
struct mpsc__dbg_recent {
    const void *token;
    struct mpsc__dbg_handle *h;
    uint64_t own_key;
};

/*
 * One per thread that ever called the library; never freed, so events can
 * name a thread after it has exited.  Written under the registry lock,
 * except receive_site, and `recent`, which only the thread itself reads
 * and writes.  A cache line of its own (registry.c), since its thread
 * writes it without the lock.
 */
struct mpsc__dbg_thread {
    unsigned number;               /* 0 for the main thread, then 1, 2, ... in order of first call */
    bool is_main;
    bool exited;    /* its pthread key destructor ran: what it owns can never be used again */
    char name[16];  /* from pthread_getname_np; "" while the thread has no name of its own */
    /* The receive call this thread is in, or was in last: written only by
     * the thread itself, just before it marks a shared Receiver as being
     * received on (use.c), and read by a thread that finds that mark
     * (error E0277). */
    _Atomic(const struct mpsc__site *) receive_site;
    /* Indexed by kind: MPSC__DBG_SENDER, MPSC__DBG_RECEIVER. */
    struct mpsc__dbg_recent recent[2];
};

/* The calling thread's record (created on its first call); lock held. */
struct mpsc__dbg_thread *mpsc__dbg_self(void);
/*
 * The calling thread's record, or NULL before its first call; no lock
 * needed.  A thread that has a record has seen the registry set up.  Read
 * on every send and receive (use.c): the initial-exec model makes that one
 * load from the thread pointer, where the default for a shared library
 * calls __tls_get_addr; one pointer fits the static TLS space that glibc
 * keeps for libraries loaded later with dlopen.  Written by threads.c.
 */
extern _Thread_local struct mpsc__dbg_thread *mpsc__dbg_self_record __attribute__((tls_model("initial-exec")));

static inline struct mpsc__dbg_thread *mpsc__dbg_self_if_known(void)
{
    return mpsc__dbg_self_record;
}
/* Re-reads the calling thread's name, which it may have set since. */
void mpsc__dbg_refresh_name(struct mpsc__dbg_thread *t);
void mpsc__dbg_threads_init(void);
/* "main", the thread's own name, or "#N" for an unnamed thread. */
const char *mpsc__dbg_thread_label(const struct mpsc__dbg_thread *t, char *buf, size_t size);

/* ---- records (registry.c) ---------------------------------------------- */

enum mpsc__dbg_kind { MPSC__DBG_SENDER, MPSC__DBG_RECEIVER, MPSC__DBG_ANY };
enum mpsc__dbg_state { MPSC__DBG_LIVE, MPSC__DBG_MOVED, MPSC__DBG_DROPPED };

/* Where something happened and which thread did it; site.file is NULL for
 * "never". */
struct mpsc__dbg_event {
    struct mpsc__site site;
    struct mpsc__dbg_thread *thread;
};

struct mpsc__dbg_chan;

/*
 * One generation of one handle.  The program holds its token, a made-up
 * address that is never reused (registry.c), not a pointer to this record.
 * Lives from creation (mpsc_channel*, mpsc_sender_clone, mpsc_move) until
 * it has been retired and then pushed out of the tombstone queue by newer
 * tombstones (MPSC_DEBUG_OPTIONS tombstones=N); after that its token still
 * reads as retired, with fewer details, and the memory is reused for a new
 * record.
 *
 * The first fields are the lock-free half, which the calls that use the
 * handle (use.c) read and write without the registry lock; every other
 * field is guarded by the lock.  A record is never retired, and so never
 * reused, while a call is inside the production library on it (error
 * E0505 stops a move or drop then), which is what makes `real` and `chan`
 * safe to read for a call that found the key live.
 */
struct mpsc__dbg_handle {
    /* The key (below): kept first, where the pool never writes, so that a
     * thread holding a stale token may read it at any moment.  Rewritten
     * under the lock whenever state, shared or owner change; without the
     * lock only a shared handle's count of calls changes. */
    _Atomic uint64_t key;
    /* Bit 0: the owner's call inside the production library on a handle
     * that is not shared.  Above it, twice a Sender's count of sends that
     * returned MPSC_OK, or a Receiver's of receives that returned a message
     * (the self-deadlock checks, checks.c).  Written by the owner alone
     * unless shared; calls on a shared handle are counted in the key. */
    _Atomic uint64_t calls;
    /* The calls that any thread may make (mpsc_len, mpsc_capacity) inside
     * the production library: counted under the lock, uncounted without
     * it.  A move or drop while any call is inside is error E0505. */
    _Atomic unsigned any_in_call;
    /* Set at creation and unchanged while the handle is live. */
    void *real;                     /* the production handle (dangling once retired) */
    struct mpsc__dbg_chan *chan;
    bool bounded;                   /* its channel has a bound */
    /* The latest call that went into the production library (entered) and
     * the latest owner-checked call (last use), as the static site of the
     * call and its thread; and the handle's expression text at its latest
     * call.  Each written only when it changes.  Up to here, the words an
     * ordinary call reads or writes: the first cache line of the record. */
    _Atomic(const struct mpsc__site *) entered_site, last_use_site;
    _Atomic(struct mpsc__dbg_thread *) entered_thread, last_use_thread;
    _Atomic(const char *) name;
    /* A shared Receiver: the thread inside a receive call on it, or NULL
     * (error E0277).  Set by exchange, cleared when the receive returns. */
    _Atomic(struct mpsc__dbg_thread *) receiving;

    uint32_t serial; /* its token's number */
    uint32_t id;     /* Sender#id / Receiver#id, kept across moves */
    uint32_t generation;
    enum mpsc__dbg_kind kind;
    enum mpsc__dbg_state state;
    bool shared;                    /* mpsc_share: any thread may use it */
    bool from_clone;                /* created by mpsc_sender_clone */
    struct mpsc__dbg_thread *owner; /* NULL: moved and not used since */
    struct mpsc__dbg_event origin;  /* the mpsc_channel* or mpsc_sender_clone call that made generation 1 */
    struct mpsc__dbg_event created; /* the call that made this generation (origin, or a move) */
    struct mpsc__dbg_event owned;   /* when its owner last changed */
    struct mpsc__dbg_event retired; /* the move or drop that ended it */
    /* Links: the channel's live senders, and either every live handle or
     * the tombstone queue. */
    struct mpsc__dbg_handle *chan_prev, *chan_next;
    struct mpsc__dbg_handle *prev, *next;
};

/*
 * A handle's key, the one word that tells a call without the lock whether
 * the handle is live, of the right kind and the calling thread's to use:
 *   bits  0-26  the serial of the record's handle (2^27 serials, registry.c)
 *   bits 27-28  state (enum mpsc__dbg_state)
 *   bit     29  kind (MPSC__DBG_SENDER or MPSC__DBG_RECEIVER)
 *   bit     30  shared
 *   bits 31-63  not shared: its owner's thread number + 1, or 0 while it has
 *               no owner; shared: how many calls are inside the production
 *               library on it
 * One load answers every check of an ordinary call on a handle of its own
 * thread; a call on a shared handle counts itself in with one
 * compare-and-swap, which fails if the handle was retired meanwhile.
 */
#define MPSC__KEY_SERIAL_MASK (((uint64_t)1 << 27) - 1)
#define MPSC__KEY_STATE_SHIFT 27
#define MPSC__KEY_KIND_SHIFT 29
#define MPSC__KEY_SHARED ((uint64_t)1 << 30)
#define MPSC__KEY_HOLDER_SHIFT 31
#define MPSC__KEY_ONE_CALL ((uint64_t)1 << MPSC__KEY_HOLDER_SHIFT)
#define MPSC__KEY_LOW_MASK (MPSC__KEY_ONE_CALL - 1)

static inline uint64_t mpsc__dbg_key(uint32_t serial, enum mpsc__dbg_state state, enum mpsc__dbg_kind kind,
                                     bool shared, uint64_t holder)
{
    return (serial & MPSC__KEY_SERIAL_MASK) | (uint64_t)state << MPSC__KEY_STATE_SHIFT |
           (uint64_t)kind << MPSC__KEY_KIND_SHIFT | (shared ? MPSC__KEY_SHARED : 0) |
           holder << MPSC__KEY_HOLDER_SHIFT;
}

/* The most events a channel's history keeps (MPSC_DEBUG_OPTIONS history=N). */
#define MPSC__DBG_HISTORY_MAX 32

enum mpsc__dbg_op {
    MPSC__EV_CREATED,
    MPSC__EV_CLONED,
    MPSC__EV_MOVED,
    MPSC__EV_SHARED,
    MPSC__EV_OWNED,
    MPSC__EV_DROPPED,
    MPSC__EV_DISCONNECTED,
    MPSC__EV_LEAKED,
};

/* One lifecycle event of a channel: history and trace. */
struct mpsc__dbg_hist {
    enum mpsc__dbg_op op;
    enum mpsc__dbg_kind kind;
    uint32_t id, generation;
    uint32_t id2;      /* created: the Receiver; cloned: the new Sender */
    size_t count;      /* dropped Receiver: messages still queued; disconnected: 0 senders or receiver */
    const char *expr;  /* the handle as written */
    const char *expr2; /* created: the receiver as written */
    struct mpsc__dbg_event at;
    uint64_t time_ns;  /* CLOCK_REALTIME */
};

/*
 * One channel.  Lives while any of its handles has a record (live or
 * tombstone): `refs` counts them.  Guarded by the registry lock, except the
 * two send counters.
 */
struct mpsc__dbg_chan {
    uint32_t id;
    unsigned refs;
    char name[40]; /* mpsc_config.name, cut short; "" when none */
    size_t bound; /* SIZE_MAX when unbounded */
    struct mpsc__dbg_handle *senders; /* live Senders */
    unsigned live_senders;
    struct mpsc__dbg_handle *receiver; /* the live Receiver, or NULL */
    bool rx_dropped;
    struct mpsc__dbg_event rx_drop;
    size_t queued_at_drop;
    bool allow_disconnected; /* mpsc_allow_disconnected_send */
    /* The counts of retired handles (debug.h, struct mpsc__dbg_handle):
     * with the live ones', every send that returned MPSC_OK and every
     * receive that returned a message on the channel (checks.c). */
    uint64_t retired_sends, retired_receives;
    /* A blocking receive that found the channel empty and went to sleep:
     * set under the lock, cleared without it when the receive returns. */
    _Atomic bool rx_blocked;
    struct mpsc__dbg_event rx_block;
    struct mpsc__dbg_hist hist[MPSC__DBG_HISTORY_MAX];
    unsigned hist_next, hist_count;
};

/* The registry lock guards every record. */
void mpsc__dbg_lock(void);
void mpsc__dbg_unlock(void);

/* Token <-> record (lock held).  lookup returns the record, or NULL with
 * *compact != 0 for a tombstone whose details were dropped, or NULL with
 * *compact == 0 for a pointer that was never a handle. */
struct mpsc__dbg_handle *mpsc__dbg_lookup(const void *token, uintptr_t *compact);
void *mpsc__dbg_token(const struct mpsc__dbg_handle *h);
/* What a dropped tombstone still tells. */
void mpsc__dbg_compact_decode(uintptr_t compact, enum mpsc__dbg_kind *kind, enum mpsc__dbg_state *state,
                              uint32_t *id, uint32_t *generation);

/* A new channel record, and new handle records (lock held; NULL when out of
 * memory or tokens). */
struct mpsc__dbg_chan *mpsc__dbg_chan_new(const mpsc_config *cfg);
void mpsc__dbg_chan_release(struct mpsc__dbg_chan *c);
struct mpsc__dbg_handle *mpsc__dbg_handle_new(struct mpsc__dbg_chan *c, enum mpsc__dbg_kind kind, void *real,
                                              uint32_t id, uint32_t generation, struct mpsc__dbg_thread *owner,
                                              bool shared);
uint32_t mpsc__dbg_next_id(void);
/* Retires a live handle: it becomes a tombstone.  The newest tombstone is
 * kept at least until the next retirement, so the caller may still read it
 * and its channel. */
void mpsc__dbg_retire(struct mpsc__dbg_handle *h, enum mpsc__dbg_state how, const struct mpsc__dbg_event *at);
/* Every live handle, oldest first (for leaks and for finding who reuses a
 * dropped handle's memory). */
struct mpsc__dbg_handle *mpsc__dbg_live_first(void);
/* Stores h's key from its state, kind, shared flag and owner (lock held;
 * never while a shared handle may have calls inside). */
void mpsc__dbg_publish_key(struct mpsc__dbg_handle *h);
/* The record a token leads to, and the token's serial, without the lock:
 * NULL for anything but a record (mpsc__dbg_lookup, under the lock, then
 * tells what).  The record may be another serial's by now, or retired:
 * only its key, compared with the serial, says whether it is the token's
 * and live. */
struct mpsc__dbg_handle *mpsc__dbg_find(const void *token, uint32_t *serial);

/* Records a lifecycle event in the channel's history and the trace. */
void mpsc__dbg_history(struct mpsc__dbg_chan *c, const struct mpsc__dbg_hist *ev);
/* The channel's events, oldest first: i in [0, count). */
unsigned mpsc__dbg_history_count(const struct mpsc__dbg_chan *c);
const struct mpsc__dbg_hist *mpsc__dbg_history_at(const struct mpsc__dbg_chan *c, unsigned i);

uint64_t mpsc__dbg_realtime_ns(void);
/* A zeroed thread record that is never freed (lock held). */
void *mpsc__dbg_alloc_thread(void);

/* ---- options (options.c) ----------------------------------------------- */

enum mpsc__dbg_leaks { MPSC__DBG_LEAKS_OFF, MPSC__DBG_LEAKS_WARN, MPSC__DBG_LEAKS_ERROR };

struct mpsc__dbg_options {
    bool allow_disconnected_send;
    enum mpsc__dbg_leaks leaks;
    int leak_exitcode;
    unsigned history;    /* events kept per channel, 0..MPSC__DBG_HISTORY_MAX */
    unsigned tombstones; /* retired records kept in full */
    int trace_fd;        /* -1: no trace */
};

/* Read once, at the first call; read-only afterwards. */
extern struct mpsc__dbg_options mpsc__dbg_opt;
void mpsc__dbg_options_init(void);

/* ---- the lock-free half of a record (use.c) ---------------------------- */

/* What a call does with its handle. */
enum {
    MPSC__USE_CONSUME = 1, /* mpsc_move, drops: the handle ends here */
    MPSC__USE_RECEIVE = 2, /* a receive: one thread at a time */
    MPSC__USE_ANY_THREAD = 4, /* mpsc_len, mpsc_capacity: no owner check */
};

/* Marks h in use by a call that passed the checks under the lock (sends and
 * receives that pass without it mark themselves, use.c); mpsc__dbg_leave
 * undoes that, with or without the lock. */
void mpsc__dbg_mark(struct mpsc__dbg_handle *h, unsigned use);
void mpsc__dbg_leave(struct mpsc__dbg_handle *h, unsigned use);
/* Is a call inside the production library on h now (lock held)? */
bool mpsc__dbg_in_call(struct mpsc__dbg_handle *h);
/* Ends h's life for calls without the lock (lock held, after every check
 * of a move or drop): false if a call on the shared handle got in since
 * it was checked, which is error E0505 all the same. */
bool mpsc__dbg_seal(struct mpsc__dbg_handle *h);
/* A shared Receiver: marks the calling thread as inside a receive on h,
 * returning the thread that already was, or NULL (error E0277). */
struct mpsc__dbg_thread *mpsc__dbg_begin_receive(struct mpsc__dbg_handle *h, struct mpsc__dbg_thread *self,
                                                 const struct mpsc__site *site);

/* Records a call at `site` by thread t: the handle's name, its last use
 * (unless MPSC__USE_ANY_THREAD) and the call inside (unless
 * MPSC__USE_CONSUME). */
void mpsc__dbg_record_call(struct mpsc__dbg_handle *h, const struct mpsc__site *site, struct mpsc__dbg_thread *t,
                           unsigned use);
/* The handle's latest use, and the latest call that entered the production
 * library on it, as events (site.file is NULL for "never"); its name as
 * the program wrote it at its latest call (lock held). */
struct mpsc__dbg_event mpsc__dbg_last_use(const struct mpsc__dbg_handle *h);
struct mpsc__dbg_event mpsc__dbg_entered(const struct mpsc__dbg_handle *h);
const char *mpsc__dbg_name(const struct mpsc__dbg_handle *h);

/* A retiring handle's count of sends or receives (lock held, every call on
 * it over).  The sends of c's Senders that returned MPSC_OK, and the
 * receives of its Receivers that returned a message, retired ones included
 * (lock held). */
uint64_t mpsc__dbg_count(const struct mpsc__dbg_handle *h);
uint64_t mpsc__dbg_sends(const struct mpsc__dbg_chan *c);
uint64_t mpsc__dbg_receives(const struct mpsc__dbg_chan *c);

/* ---- checks (checks.c) ------------------------------------------------- */

/*
 * Checks a call on a handle (lock held) and returns its live record, marked
 * in use (mpsc__dbg_leave undoes that, with or without the lock), or aborts
 * with the diagnostic.  The calling thread becomes the owner of an unowned
 * handle.  A move or drop (MPSC__USE_CONSUME) is not marked in use: its
 * record is sealed against calls without the lock instead.
 */
struct mpsc__dbg_handle *mpsc__dbg_enter(const void *token, enum mpsc__dbg_kind want, unsigned use,
                                         const struct mpsc__site *site);

/* Self-deadlock: would a blocking receive on rx by the calling thread,
 * which found the channel empty, never finish?  (Lock held; aborts if so.) */
void mpsc__dbg_check_recv_blocks(struct mpsc__dbg_handle *rx, const struct mpsc__site *site);
/* Called after a Sender stops being usable by other threads (dropped, or
 * its owner exited) while the receiver may sleep (lock held). */
void mpsc__dbg_check_sleeping_receiver(struct mpsc__dbg_chan *c, const struct mpsc__dbg_event *why);
/* Is c's only Receiver held by `self` (or by a thread that has exited)?
 * Then a blocking send that cannot finish now never will (lock held). */
bool mpsc__dbg_receiver_is_mine(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_thread *self);
/* A send returned MPSC_DISCONNECTED (lock held; aborts unless allowed). */
void mpsc__dbg_check_disconnected_send(struct mpsc__dbg_handle *tx, const struct mpsc__site *site);
/* A receive returned MPSC_DISCONNECTED (lock held): was every Sender gone? */
void mpsc__dbg_check_disconnected_recv(struct mpsc__dbg_handle *rx, const struct mpsc__site *site);
/* Every thread's exit (threads.c): what it owned can never be used again. */
void mpsc__dbg_thread_exited(struct mpsc__dbg_thread *t);
/* atexit: handles never dropped. */
void mpsc__dbg_report_leaks(void);

/* ---- rendering (render.c): every text the debug build prints ---------- */

/* The name a diagnostic gives a handle: `tx`, from its expression text. */
void mpsc__render_name(char *out, size_t size, const char *expr);

_Noreturn void mpsc__render_not_a_handle(const void *token, const struct mpsc__site *site);
_Noreturn void mpsc__render_wrong_kind(const struct mpsc__dbg_handle *h, enum mpsc__dbg_kind want,
                                       const struct mpsc__site *site);
_Noreturn void mpsc__render_use_after_retire(const struct mpsc__dbg_handle *h, uintptr_t compact,
                                             const struct mpsc__dbg_handle *reused_by,
                                             const struct mpsc__site *site);
_Noreturn void mpsc__render_not_owner(const struct mpsc__dbg_handle *h, const struct mpsc__site *site);
_Noreturn void mpsc__render_moved_while_in_use(const struct mpsc__dbg_handle *h, const struct mpsc__site *site);
_Noreturn void mpsc__render_concurrent_recv(const struct mpsc__dbg_handle *rx, struct mpsc__dbg_thread *other,
                                            const struct mpsc__site *other_site, const struct mpsc__site *site);
_Noreturn void mpsc__render_disconnected_send(const struct mpsc__dbg_handle *tx, const struct mpsc__site *site);
/* `trigger`: the drop (or thread exit) that made the receive hopeless while
 * it slept, or NULL when the receiving thread found out itself. */
_Noreturn void mpsc__render_recv_deadlock(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_event *recv,
                                          const struct mpsc__dbg_event *trigger);
_Noreturn void mpsc__render_send_deadlock(const struct mpsc__dbg_handle *tx, const struct mpsc__site *site);
_Noreturn void mpsc__render_out_of_memory(const struct mpsc__site *site);
/* The production library answered MPSC_DISCONNECTED although the other
 * side of c is alive (checks.c). */
_Noreturn void mpsc__render_library_bug(const struct mpsc__dbg_chan *c, const struct mpsc__site *site,
                                        bool sending);
/* Leak warnings for n live handles; then the error exit when leaks=error. */
void mpsc__render_leaks(struct mpsc__dbg_handle *const *leaked, size_t n, size_t total);
void mpsc__render_option_warning(const char *item, size_t len);

/* ---- trace (trace.c) --------------------------------------------------- */

void mpsc__trace_event(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_hist *ev);
void mpsc__trace_error(const char *code, const struct mpsc__dbg_event *at);

#endif /* MPSC_DEBUG_INTERNAL_H */
