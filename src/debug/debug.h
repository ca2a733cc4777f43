/*
 * debug.h - the debug build's records, shared by its files: registry.c (the
 * handle and channel records and the one lock that guards them), threads.c
 * (thread names), options.c (MPSC_DEBUG_OPTIONS), checks.c (the ownership
 * rules), api.c (the mpsc__debug_* entry points), render.c (the only place
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

/* ---- threads (threads.c) ----------------------------------------------- */

/*
 * One per thread that ever called the library; never freed, so events can
 * name a thread after it has exited.  Written under the registry lock.
 */
struct mpsc__dbg_thread {
    unsigned number;               /* 0 for the main thread, then 1, 2, ... in order of first call */
    bool is_main;
    bool exited;    /* its pthread key destructor ran: what it owns can never be used again */
    char name[16];  /* from pthread_getname_np; "" while the thread has no name of its own */
};

/* The calling thread's record (created on its first call); lock held. */
struct mpsc__dbg_thread *mpsc__dbg_self(void);
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
 * reads as retired, with fewer details.  Every field is guarded by the
 * registry lock except the two atomics.
 */
struct mpsc__dbg_handle {
    uint32_t serial; /* its token's number */
    uint32_t id;     /* Sender#id / Receiver#id, kept across moves */
    uint32_t generation;
    enum mpsc__dbg_kind kind;
    enum mpsc__dbg_state state;
    bool shared;                    /* mpsc_share: any thread may use it */
    bool from_clone;                /* created by mpsc_sender_clone */
    struct mpsc__dbg_thread *owner; /* NULL: moved and not used since */
    void *real;                     /* the production handle (dangling once retired) */
    struct mpsc__dbg_chan *chan;
    const char *name;               /* the handle's expression text at its latest call */
    struct mpsc__dbg_event origin;  /* the mpsc_channel* or mpsc_sender_clone call that made generation 1 */
    struct mpsc__dbg_event created; /* the call that made this generation (origin, or a move) */
    struct mpsc__dbg_event owned;   /* when its owner last changed */
    struct mpsc__dbg_event last_use;
    struct mpsc__dbg_event retired; /* the move or drop that ended it */
    /* Calls inside the production library on this handle right now (a
     * shared handle may have several); a move or drop meanwhile is error
     * E0505.  Incremented under the lock, decremented without it. */
    _Atomic unsigned in_use;
    struct mpsc__dbg_event entered; /* the latest call that incremented in_use */
    /* Receiver: the thread inside a receive call, or NULL (error E0277).
     * Set under the lock, cleared without it. */
    _Atomic(struct mpsc__dbg_thread *) receiving;
    struct mpsc__site receiving_site;
    /* Links: the channel's live senders, and either every live handle or
     * the tombstone queue. */
    struct mpsc__dbg_handle *chan_prev, *chan_next;
    struct mpsc__dbg_handle *prev, *next;
};

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
    /* Sends inside the production library, and sends that returned
     * MPSC_OK (sends_ok is incremented before in_flight is decremented,
     * both seq_cst; see checks.c, self-deadlock). */
    _Atomic uint64_t sends_ok;
    _Atomic unsigned in_flight;
    /* A blocking receive that found the channel empty and went to sleep. */
    bool rx_blocked;
    struct mpsc__dbg_event rx_block;
    uint64_t rx_block_sends; /* sends_ok when it found the channel empty */
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
                                              uint32_t id, uint32_t generation);
uint32_t mpsc__dbg_next_id(void);
/* Retires a live handle: it becomes a tombstone.  The newest tombstone is
 * kept at least until the next retirement, so the caller may still read it
 * and its channel. */
void mpsc__dbg_retire(struct mpsc__dbg_handle *h, enum mpsc__dbg_state how, const struct mpsc__dbg_event *at);
/* Every live handle, oldest first (for leaks and for finding who reuses a
 * dropped handle's memory). */
struct mpsc__dbg_handle *mpsc__dbg_live_first(void);

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

/* ---- checks (checks.c) ------------------------------------------------- */

/* What a call does with its handle. */
enum {
    MPSC__USE_CONSUME = 1, /* mpsc_move, drops: the handle ends here */
    MPSC__USE_RECEIVE = 2, /* a receive: one thread at a time */
    MPSC__USE_ANY_THREAD = 4, /* mpsc_len, mpsc_capacity: no owner check */
};

/*
 * Checks a call on a handle (lock held) and returns its live record, marked
 * in use (mpsc__dbg_leave undoes that), or aborts with the diagnostic.  The
 * calling thread becomes the owner of an unowned handle.
 */
struct mpsc__dbg_handle *mpsc__dbg_enter(const void *token, enum mpsc__dbg_kind want, unsigned use,
                                         const struct mpsc__site *site);
void mpsc__dbg_leave(struct mpsc__dbg_handle *h, unsigned use);

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
