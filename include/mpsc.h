/*
 * mpsc.h - Rust's std::sync::mpsc channels for C11.
 *
 * A channel has any number of Senders and exactly one Receiver.  Messages are
 * fixed-size byte copies (elem_size bytes each, 0 allowed).  mpsc_channel()
 * is Rust's channel(): unbounded, send never blocks.  mpsc_sync_channel(n) is
 * Rust's sync_channel(n): send blocks while n messages are queued, and n = 0
 * is a rendezvous where send returns once the receiver has taken the message.
 * Disconnection is Rust's: when the last Sender is dropped the Receiver gets
 * every queued message and then MPSC_DISCONNECTED; when the Receiver is
 * dropped every send returns MPSC_DISCONNECTED and leaves the message with
 * the caller.
 *
 * Which calls may run at the same time (on handles of one channel):
 *
 *                        | send/try/timeout | sender_clone | sender_drop | recv (all forms) | receiver_drop | len/capacity
 *   ---------------------+------------------+--------------+-------------+------------------+---------------+-------------
 *   send/try/timeout     | yes              | yes          | other handle| yes              | yes           | yes
 *   sender_clone         | yes              | yes          | other handle| yes              | yes           | yes
 *   recv (all forms)     | yes              | yes          | yes         | NO (one thread)  | NO            | yes
 *   receiver_drop        | yes              | yes          | yes         | NO               | NO            | NO
 *
 * A Sender handle may be used by several threads at once (Rust: Sender is
 * Send + Sync), except that it must not be used during or after its own drop.
 * The Receiver is used by one thread at a time (Rust: Send, !Sync); hand it
 * over between threads with the program's own synchronisation (a mutex, or
 * pthread_create/pthread_join).
 *
 * Build with -Dmpsc_debug=true to have ownership mistakes (use after move or
 * drop, a handle used by a thread that does not own it, a receive that can
 * never finish, ...) reported at run time the way rustc reports them at
 * compile time: see docs/diagnostics.md.
 */
#ifndef MPSC_H
#define MPSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mpsc_config.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MPSC_NODISCARD __attribute__((warn_unused_result))
#define MPSC_EXPORT __attribute__((visibility("default")))
#define MPSC_MAYBE_UNUSED __attribute__((unused))
#else
#define MPSC_NODISCARD
#define MPSC_EXPORT
#define MPSC_MAYBE_UNUSED
#endif

/* Opaque handles. */
typedef struct mpsc_sender mpsc_sender;     /* cloneable; usable from any thread (Rust: Send + Sync) */
typedef struct mpsc_receiver mpsc_receiver; /* exactly one; one thread at a time (Rust: Send, !Sync) */

/*
 * The statuses, generated from one table: name, value, text.  The texts are
 * Rust's Display texts where Rust has one.
 */
#define MPSC_STATUS_MAP(XX)                                                          \
    XX(MPSC_OK, 0, "success")                                                        \
    XX(MPSC_EMPTY, 1, "receiving on an empty channel")                              \
    XX(MPSC_FULL, 2, "sending on a full channel")                                   \
    XX(MPSC_TIMEOUT, 3, "timed out waiting on channel")                             \
    XX(MPSC_DISCONNECTED, 4, "channel is disconnected: the other side is gone")     \
    XX(MPSC_EINVAL, 5, "invalid argument")                                          \
    XX(MPSC_ENOMEM, 6, "out of memory")

typedef enum mpsc_status {
#define MPSC__STATUS_ENUM(name, value, text) name = value,
    MPSC_STATUS_MAP(MPSC__STATUS_ENUM)
#undef MPSC__STATUS_ENUM
} mpsc_status;
/*
 * MPSC_OK            the operation happened.
 * MPSC_EMPTY         try_recv: nothing queued, senders still alive.
 * MPSC_FULL          try_send: bounded buffer full, or rendezvous with no receiver waiting.
 * MPSC_TIMEOUT       a *_timeout / *_deadline call ran out of time.
 * MPSC_DISCONNECTED  send: the receiver is gone (the message stays the caller's);
 *                    recv: every sender is gone and the queue is drained.
 * MPSC_EINVAL        bad argument: NULL handle or pointer, size overflow.  Nothing changed.
 * MPSC_ENOMEM        allocation failed.  Nothing changed; every handle stays valid.
 */

/* One clear text per status (Rust's Display text where Rust has one).
 * Never NULL: an unknown value gets "unknown mpsc_status". */
MPSC_EXPORT const char *mpsc_status_str(mpsc_status s);

/* Destroys one message that was never received; gets a pointer to its bytes. */
typedef void (*mpsc_drop_fn)(void *msg);

typedef struct mpsc_config {
    size_t elem_size;  /* bytes per message; 0 is valid (unit messages, Rust's `()`) */
    bool bounded;      /* false: channel(); true: sync_channel(bound) */
    size_t bound;      /* capacity when bounded; 0 = rendezvous */
    mpsc_drop_fn drop; /* optional: called on each message never received (see mpsc_receiver_drop) */
    const char *name;  /* optional: shown in diagnostics and traces; copied */
} mpsc_config;

/*
 * mpsc_channel - an unbounded channel (Rust: mpsc::channel()).
 * mpsc_sync_channel - a bounded channel of `bound` messages (Rust:
 *     mpsc::sync_channel(bound)); bound = 0 is a rendezvous channel.
 * mpsc_channel_new - either, from a configuration (adds a drop function and
 *     a name).
 *
 * Memory: an unbounded channel, and a bounded one of more than 65,536
 * messages, take memory in blocks as messages arrive (about one byte a
 * message more than the message) and give it back once they are received;
 * a smaller bounded channel allocates its whole ring at creation.
 *
 * Blocking: never.  Thread safety: any thread.
 * Returns: MPSC_OK and sets *tx and *rx; MPSC_EINVAL if tx, rx or cfg is
 *     NULL or the buffer size overflows; MPSC_ENOMEM.  On error *tx and *rx
 *     are left as they were.
 * Ownership: the caller owns both handles and drops each exactly once.
 */
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_channel)(size_t elem_size, mpsc_sender **tx, mpsc_receiver **rx);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_sync_channel)(size_t elem_size, size_t bound, mpsc_sender **tx,
                                                           mpsc_receiver **rx);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_channel_new)(const mpsc_config *cfg, mpsc_sender **tx,
                                                          mpsc_receiver **rx);

/*
 * mpsc_sender_clone - another Sender for the same channel (Rust: Sender::clone).
 * Blocking: never.  Thread safety: any thread, concurrently with sends.
 * Returns: the new handle; NULL with errno = EINVAL for a NULL tx, errno =
 *     ENOMEM when allocation fails (tx stays valid).
 * Ownership: the caller owns the new handle and drops it exactly once.
 */
MPSC_EXPORT MPSC_NODISCARD mpsc_sender *(mpsc_sender_clone)(mpsc_sender *tx);

/*
 * mpsc_sender_drop - drop one Sender (Rust: drop(tx)).  Dropping the last one
 *     disconnects the channel: the Receiver gets the queued messages, then
 *     MPSC_DISCONNECTED.
 * Blocking: never.  Thread safety: not concurrently with another call on the
 *     same handle.  NULL is ignored.
 * Ownership: tx is invalid afterwards.
 */
MPSC_EXPORT void (mpsc_sender_drop)(mpsc_sender *tx);

/*
 * mpsc_send - send one message: copies elem_size bytes from msg (Rust:
 *     Sender::send / SyncSender::send).
 * Blocking: never on an unbounded channel; while a bounded channel is full;
 *     on a rendezvous channel until the receiver has taken the message.
 * mpsc_try_send - the same without blocking (Rust: SyncSender::try_send).
 * mpsc_send_timeout - blocks at most timeout_ns nanoseconds (CLOCK_MONOTONIC).
 * Thread safety: any thread, concurrently with other sends and clones.
 * Returns: MPSC_OK; MPSC_DISCONNECTED if the receiver is gone (nothing was
 *     copied: the message stays the caller's); MPSC_FULL (try_send);
 *     MPSC_TIMEOUT (send_timeout); MPSC_EINVAL for a NULL tx, or a NULL msg
 *     when elem_size > 0.
 * Ownership: after MPSC_OK the message belongs to the channel (and then the
 *     receiver, or the drop function); otherwise it stays the caller's.
 */
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_send)(mpsc_sender *tx, const void *msg);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_try_send)(mpsc_sender *tx, const void *msg);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_send_timeout)(mpsc_sender *tx, const void *msg, uint64_t timeout_ns);

/*
 * mpsc_recv - receive one message into out (elem_size bytes) (Rust:
 *     Receiver::recv).
 * Blocking: while the channel is empty and a Sender is alive.
 * mpsc_try_recv - the same without blocking (Rust: Receiver::try_recv).
 * mpsc_recv_timeout - blocks at most timeout_ns nanoseconds.
 * mpsc_recv_deadline - blocks until *deadline on CLOCK_MONOTONIC.
 * A timeout of 0, or a deadline already past, never blocks.  Timeouts never
 *     return early, whatever wakes the thread.
 * Thread safety: one thread at a time per Receiver.
 * Returns: MPSC_OK; MPSC_DISCONNECTED once every Sender is gone and the queue
 *     is drained; MPSC_EMPTY (try_recv); MPSC_TIMEOUT (timeout forms);
 *     MPSC_EINVAL for a NULL rx, NULL deadline, or NULL out when
 *     elem_size > 0.
 * Ownership: after MPSC_OK the message in out is the caller's.
 */
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_recv)(mpsc_receiver *rx, void *out);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_try_recv)(mpsc_receiver *rx, void *out);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_recv_timeout)(mpsc_receiver *rx, void *out, uint64_t timeout_ns);
MPSC_EXPORT MPSC_NODISCARD mpsc_status (mpsc_recv_deadline)(mpsc_receiver *rx, void *out,
                                                            const struct timespec *deadline);

/*
 * mpsc_receiver_drop - drop the Receiver (Rust: drop(rx)).  Every send from
 *     now on returns MPSC_DISCONNECTED; blocked senders wake and return it.
 *     Every message still queued is passed to the drop function (if any) now,
 *     as Rust drops them; one that a sender is in the middle of writing is
 *     waited for and dropped too.
 * Blocking: only for a sender that is in the middle of copying a message.
 * Thread safety: not concurrently with a receive.  NULL is ignored.
 * Ownership: rx is invalid afterwards.  The channel's memory is freed when
 *     its last handle is dropped.
 */
MPSC_EXPORT void (mpsc_receiver_drop)(mpsc_receiver *rx);

/* Messages queued now (a snapshot; 0 for a NULL rx and for rendezvous). */
MPSC_EXPORT size_t (mpsc_len)(const mpsc_receiver *rx);
/* The bound, or SIZE_MAX when unbounded (and for a NULL rx). */
MPSC_EXPORT size_t (mpsc_capacity)(const mpsc_receiver *rx);

/*
 * mpsc_move(handle): hands a Sender or Receiver to another thread, as Rust's
 * `move` closure does: pass mpsc_move(tx) to pthread_create and never touch
 * tx again.  mpsc_share(handle): declares a handle that several threads use
 * on purpose (Rust: a Sender is Sync; a Receiver behind the program's own
 * mutex).  mpsc_allow_disconnected_send(handle): declares that sends on this
 * handle's channel may find the Receiver gone on purpose (the debug build
 * otherwise stops at such a send, as `.unwrap()` would).  In the production
 * build the first two are just (handle) and the third does nothing; the
 * debug build (mpsc_debug.h) gives them teeth.
 */
#if MPSC_DEBUG
#include "mpsc_debug.h"
#else
#define mpsc_move(handle) (handle)
#define mpsc_share(handle) (handle)
#define mpsc_allow_disconnected_send(handle) ((void)(handle))
#endif

/*
 * MPSC_FOR_EACH(var, rx) { ... }: Rust's `for received in rx`.  Receives into
 * the lvalue var (of the element type) until the channel is disconnected and
 * drained.  `break` leaves the loop early; rx stays usable afterwards.
 */
#define MPSC_FOR_EACH(var, rx) while (mpsc_recv((rx), &(var)) == MPSC_OK)

/*
 * MPSC_DEFINE_CHANNEL(prefix, T): type-checked wrappers over the untyped
 * calls, so that an int channel cannot be handed a double.  Generates the
 * handle types prefix_sender and prefix_receiver (distinct pointer types that
 * convert to the untyped ones with prefix_sender_raw / prefix_receiver_raw)
 * and:
 *   prefix_channel(&tx, &rx), prefix_sync_channel(bound, &tx, &rx),
 *   prefix_sender_clone(tx), prefix_sender_drop(tx),
 *   prefix_send(tx, T value), prefix_try_send, prefix_send_timeout,
 *   prefix_recv(rx, T *out), prefix_try_recv, prefix_recv_timeout,
 *   prefix_receiver_drop(rx).
 * A program may call only some of them: they are marked unused-is-fine.
 * In the debug build the call site they report is the line of
 * MPSC_DEFINE_CHANNEL, since they are functions, not macros.
 */
#define MPSC_DEFINE_CHANNEL(prefix, T)                                                                          \
    typedef struct prefix##_sender prefix##_sender;                                                             \
    typedef struct prefix##_receiver prefix##_receiver;                                                         \
    MPSC_MAYBE_UNUSED static inline mpsc_sender *prefix##_sender_raw(prefix##_sender *tx) { return (mpsc_sender *)(void *)tx; } \
    MPSC_MAYBE_UNUSED static inline mpsc_receiver *prefix##_receiver_raw(prefix##_receiver *rx)                 \
    {                                                                                                           \
        return (mpsc_receiver *)(void *)rx;                                                                     \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_channel(prefix##_sender **tx, prefix##_receiver **rx) \
    {                                                                                                           \
        return mpsc_channel(sizeof(T), (mpsc_sender **)(void *)tx, (mpsc_receiver **)(void *)rx);               \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_sync_channel(size_t bound, prefix##_sender **tx, \
                                                                   prefix##_receiver **rx)                      \
    {                                                                                                           \
        return mpsc_sync_channel(sizeof(T), bound, (mpsc_sender **)(void *)tx,                                  \
                                 (mpsc_receiver **)(void *)rx);                                                 \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD prefix##_sender *prefix##_sender_clone(prefix##_sender *tx)  \
    {                                                                                                           \
        return (prefix##_sender *)(void *)mpsc_sender_clone(prefix##_sender_raw(tx));                           \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline void prefix##_sender_drop(prefix##_sender *tx) { mpsc_sender_drop(prefix##_sender_raw(tx)); } \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_send(prefix##_sender *tx, T value)      \
    {                                                                                                           \
        return mpsc_send(prefix##_sender_raw(tx), &value);                                                      \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_try_send(prefix##_sender *tx, T value)  \
    {                                                                                                           \
        return mpsc_try_send(prefix##_sender_raw(tx), &value);                                                  \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_send_timeout(prefix##_sender *tx, T value, \
                                                                   uint64_t timeout_ns)                         \
    {                                                                                                           \
        return mpsc_send_timeout(prefix##_sender_raw(tx), &value, timeout_ns);                                  \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_recv(prefix##_receiver *rx, T *out)     \
    {                                                                                                           \
        return mpsc_recv(prefix##_receiver_raw(rx), out);                                                       \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_try_recv(prefix##_receiver *rx, T *out) \
    {                                                                                                           \
        return mpsc_try_recv(prefix##_receiver_raw(rx), out);                                                   \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline MPSC_NODISCARD mpsc_status prefix##_recv_timeout(prefix##_receiver *rx, T *out, \
                                                                   uint64_t timeout_ns)                         \
    {                                                                                                           \
        return mpsc_recv_timeout(prefix##_receiver_raw(rx), out, timeout_ns);                                   \
    }                                                                                                           \
    MPSC_MAYBE_UNUSED static inline void prefix##_receiver_drop(prefix##_receiver *rx)                          \
    {                                                                                                           \
        mpsc_receiver_drop(prefix##_receiver_raw(rx));                                                          \
    }

#ifdef __cplusplus
}
#endif

#endif /* MPSC_H */
