/*
 * mpsc_debug.h - the debug build's public calls (included by mpsc.h when the
 * library was built with -Dmpsc_debug=true; never include it directly).  Each
 * public call becomes a macro that passes its call site (file, line,
 * function, the call's name and the handle's expression text) to the
 * library's ownership checks, which report mistakes the way rustc does:
 * see docs/diagnostics.md and docs/debug-build.md.
 *
 * The handles a debug program holds are tokens that the library maps to its
 * own records (src/debug/registry.c), so a handle that was moved or dropped
 * is recognised for ever, even after the memory behind it was reused.
 * Calling a function by its parenthesised name, (mpsc_send)(tx, msg),
 * bypasses the checks and must not be done with a debug handle.
 */
#ifndef MPSC_DEBUG_H
#define MPSC_DEBUG_H

#ifndef MPSC_H
#error "include mpsc.h, not mpsc_debug.h"
#endif

/* Where a call was written.  Every field points to a string literal or to
 * __func__, and MPSC__SITE makes each call's site a static object, so the
 * library may keep a pointer to the site, or to its fields, for as long as
 * the program runs (it records a handle's latest use with one pointer). */
struct mpsc__site {
    const char *file; /* __FILE__ */
    const char *func; /* __func__ */
    const char *call; /* the public call written, e.g. "mpsc_send" */
    const char *expr; /* the handle argument as written, e.g. "tx" or "&tx" */
    int line;         /* __LINE__ */
};

#define MPSC__SITE(call, expr)                                                                               \
    (__extension__({                                                                                         \
        static const struct mpsc__site mpsc__site_here = {__FILE__, __func__, call, expr, __LINE__};         \
        &mpsc__site_here;                                                                                    \
    }))

MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_channel_new(const mpsc_config *cfg, mpsc_sender **tx,
                                                               mpsc_receiver **rx, const struct mpsc__site *site,
                                                               const char *rx_expr);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_channel(size_t elem_size, mpsc_sender **tx, mpsc_receiver **rx,
                                                           const struct mpsc__site *site, const char *rx_expr);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_sync_channel(size_t elem_size, size_t bound, mpsc_sender **tx,
                                                                mpsc_receiver **rx, const struct mpsc__site *site,
                                                                const char *rx_expr);
MPSC_EXPORT MPSC_NODISCARD mpsc_sender *mpsc__debug_sender_clone(mpsc_sender *tx, const struct mpsc__site *site);
MPSC_EXPORT void mpsc__debug_sender_drop(mpsc_sender *tx, const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_send(mpsc_sender *tx, const void *msg,
                                                        const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_try_send(mpsc_sender *tx, const void *msg,
                                                            const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_send_timeout(mpsc_sender *tx, const void *msg,
                                                                uint64_t timeout_ns, const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_recv(mpsc_receiver *rx, void *out, const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_try_recv(mpsc_receiver *rx, void *out,
                                                            const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_recv_timeout(mpsc_receiver *rx, void *out, uint64_t timeout_ns,
                                                                const struct mpsc__site *site);
MPSC_EXPORT MPSC_NODISCARD mpsc_status mpsc__debug_recv_deadline(mpsc_receiver *rx, void *out,
                                                                 const struct timespec *deadline,
                                                                 const struct mpsc__site *site);
MPSC_EXPORT void mpsc__debug_receiver_drop(mpsc_receiver *rx, const struct mpsc__site *site);
MPSC_EXPORT size_t mpsc__debug_len(const mpsc_receiver *rx, const struct mpsc__site *site);
MPSC_EXPORT size_t mpsc__debug_capacity(const mpsc_receiver *rx, const struct mpsc__site *site);
/* The three calls that take either kind of handle. */
MPSC_EXPORT void *mpsc__debug_move(const void *handle, const struct mpsc__site *site);
MPSC_EXPORT void *mpsc__debug_share(const void *handle, const struct mpsc__site *site);
MPSC_EXPORT void mpsc__debug_allow_disconnected_send(const void *handle, const struct mpsc__site *site);

#define mpsc_channel_new(cfg, tx, rx)                                                                        \
    mpsc__debug_channel_new((cfg), (tx), (rx), MPSC__SITE("mpsc_channel_new", #tx), #rx)
#define mpsc_channel(elem_size, tx, rx)                                                                      \
    mpsc__debug_channel((elem_size), (tx), (rx), MPSC__SITE("mpsc_channel", #tx), #rx)
#define mpsc_sync_channel(elem_size, bound, tx, rx)                                                          \
    mpsc__debug_sync_channel((elem_size), (bound), (tx), (rx), MPSC__SITE("mpsc_sync_channel", #tx), #rx)
#define mpsc_sender_clone(tx) mpsc__debug_sender_clone((tx), MPSC__SITE("mpsc_sender_clone", #tx))
#define mpsc_sender_drop(tx) mpsc__debug_sender_drop((tx), MPSC__SITE("mpsc_sender_drop", #tx))
#define mpsc_send(tx, msg) mpsc__debug_send((tx), (msg), MPSC__SITE("mpsc_send", #tx))
#define mpsc_try_send(tx, msg) mpsc__debug_try_send((tx), (msg), MPSC__SITE("mpsc_try_send", #tx))
#define mpsc_send_timeout(tx, msg, timeout_ns)                                                               \
    mpsc__debug_send_timeout((tx), (msg), (timeout_ns), MPSC__SITE("mpsc_send_timeout", #tx))
#define mpsc_recv(rx, out) mpsc__debug_recv((rx), (out), MPSC__SITE("mpsc_recv", #rx))
#define mpsc_try_recv(rx, out) mpsc__debug_try_recv((rx), (out), MPSC__SITE("mpsc_try_recv", #rx))
#define mpsc_recv_timeout(rx, out, timeout_ns)                                                               \
    mpsc__debug_recv_timeout((rx), (out), (timeout_ns), MPSC__SITE("mpsc_recv_timeout", #rx))
#define mpsc_recv_deadline(rx, out, deadline)                                                                \
    mpsc__debug_recv_deadline((rx), (out), (deadline), MPSC__SITE("mpsc_recv_deadline", #rx))
#define mpsc_receiver_drop(rx) mpsc__debug_receiver_drop((rx), MPSC__SITE("mpsc_receiver_drop", #rx))
#define mpsc_len(rx) mpsc__debug_len((rx), MPSC__SITE("mpsc_len", #rx))
#define mpsc_capacity(rx) mpsc__debug_capacity((rx), MPSC__SITE("mpsc_capacity", #rx))

/* mpsc_move and mpsc_share keep the argument's type (mpsc_sender *,
 * mpsc_receiver *, or a typed handle of MPSC_DEFINE_CHANNEL). */
#define mpsc_move(handle) ((__typeof__(handle))mpsc__debug_move((handle), MPSC__SITE("mpsc_move", #handle)))
#define mpsc_share(handle) ((__typeof__(handle))mpsc__debug_share((handle), MPSC__SITE("mpsc_share", #handle)))

/*
 * mpsc_allow_disconnected_send(handle): declares that the channel of this
 * Sender or Receiver may lose its receiver on purpose, so that a send that
 * returns MPSC_DISCONNECTED is not reported (error M0001).  A no-op in the
 * production build.
 */
#define mpsc_allow_disconnected_send(handle)                                                                 \
    mpsc__debug_allow_disconnected_send((handle), MPSC__SITE("mpsc_allow_disconnected_send", #handle))

#endif /* MPSC_DEBUG_H */
