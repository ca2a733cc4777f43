/*
 * bad_input.c - bad input to every public call: NULL handles, NULL message
 * and out buffers, NULL and malformed deadlines, bound * elem_size that
 * overflows, SIZE_MAX sizes, out-of-range statuses.  Each must get a status
 * (MPSC_EINVAL where the header says so) and change nothing, never a crash.
 * Counts the cases and prints the count.
 */
#include <mpsc.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request for exabytes must come back as NULL (and so MPSC_ENOMEM) under
 * the sanitizers too, whose allocators abort on it by default.  The names
 * are the sanitizers' hooks. */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
const char *__tsan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static int cases;

#define CASE(cond)                                                                                 \
    do {                                                                                           \
        cases++;                                                                                   \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "bad_input.c:%d: check failed: %s\n", __LINE__, #cond);                \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static mpsc_sender *const TX_UNTOUCHED = (mpsc_sender *)(uintptr_t)0x7e57;
static mpsc_receiver *const RX_UNTOUCHED = (mpsc_receiver *)(uintptr_t)0x7e58;

/* Creation with sizes that overflow or cannot be allocated: MPSC_EINVAL
 * when bound * elem_size (or the slots' bookkeeping) overflows, MPSC_ENOMEM
 * allowed where the size fits in size_t but not in memory; on error the
 * handles are untouched.  A success (possible where nothing is buffered)
 * is dropped again. */
static void creation_sizes(void)
{
    static const struct {
        size_t elem, bound;
        bool must_be_einval;
    } bounded[] = {
        {2, SIZE_MAX / 2 + 1, true}, {SIZE_MAX, 2, true},     {16, SIZE_MAX / 8, true},
        {SIZE_MAX / 2, 3, true},     {(size_t)1 << 32, (size_t)1 << 32, true},
        {8, SIZE_MAX, true},         {SIZE_MAX, SIZE_MAX, true}, {0, SIZE_MAX, false},
        {1, SIZE_MAX / 4, false},    {SIZE_MAX / 8, 4, false}, {SIZE_MAX, 0, false},
        {SIZE_MAX - 7, 1, true},
    };
    for (size_t i = 0; i < sizeof bounded / sizeof bounded[0]; i++) {
        mpsc_sender *tx = TX_UNTOUCHED;
        mpsc_receiver *rx = RX_UNTOUCHED;
        mpsc_status st = mpsc_sync_channel(bounded[i].elem, bounded[i].bound, &tx, &rx);
        if (bounded[i].must_be_einval)
            CASE(st == MPSC_EINVAL);
        else
            CASE(st == MPSC_EINVAL || st == MPSC_ENOMEM || st == MPSC_OK);
        if (st == MPSC_OK) {
            /* A message that big cannot exist: only NULL can be offered,
             * and that is refused. */
            CASE(mpsc_try_send(tx, NULL) == MPSC_EINVAL);
            mpsc_sender_drop(tx);
            mpsc_receiver_drop(rx);
        } else {
            CASE(tx == TX_UNTOUCHED && rx == RX_UNTOUCHED);
        }
    }
    static const size_t unbounded[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 2, SIZE_MAX / 4, SIZE_MAX / 1024};
    for (size_t i = 0; i < sizeof unbounded / sizeof unbounded[0]; i++) {
        mpsc_sender *tx = TX_UNTOUCHED;
        mpsc_receiver *rx = RX_UNTOUCHED;
        mpsc_status st = mpsc_channel(unbounded[i], &tx, &rx);
        CASE(st == MPSC_EINVAL || st == MPSC_ENOMEM);
        CASE(tx == TX_UNTOUCHED && rx == RX_UNTOUCHED);
    }
    /* The same through mpsc_channel_new, and the configuration's own holes. */
    mpsc_sender *tx = TX_UNTOUCHED;
    mpsc_receiver *rx = RX_UNTOUCHED;
    mpsc_config cfg = {.elem_size = 2, .bounded = true, .bound = SIZE_MAX / 2 + 1};
    CASE(mpsc_channel_new(&cfg, &tx, &rx) == MPSC_EINVAL && tx == TX_UNTOUCHED && rx == RX_UNTOUCHED);
    cfg = (mpsc_config){.elem_size = SIZE_MAX};
    CASE(mpsc_channel_new(&cfg, &tx, &rx) == MPSC_EINVAL && tx == TX_UNTOUCHED && rx == RX_UNTOUCHED);
    CASE(mpsc_channel_new(NULL, &tx, &rx) == MPSC_EINVAL && tx == TX_UNTOUCHED && rx == RX_UNTOUCHED);
    cfg = (mpsc_config){.elem_size = 8};
    CASE(mpsc_channel_new(&cfg, NULL, &rx) == MPSC_EINVAL && rx == RX_UNTOUCHED);
    CASE(mpsc_channel_new(&cfg, &tx, NULL) == MPSC_EINVAL && tx == TX_UNTOUCHED);
    CASE(mpsc_channel_new(&cfg, NULL, NULL) == MPSC_EINVAL);
    /* An unbounded channel ignores `bound`, whatever it holds. */
    cfg = (mpsc_config){.elem_size = 8, .bounded = false, .bound = SIZE_MAX};
    CASE(mpsc_channel_new(&cfg, &tx, &rx) == MPSC_OK && mpsc_capacity(rx) == SIZE_MAX);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

static void creation_null_handles(void)
{
    for (size_t elem = 0; elem <= 8; elem += 8) {
        mpsc_sender *tx = TX_UNTOUCHED;
        mpsc_receiver *rx = RX_UNTOUCHED;
        CASE(mpsc_channel(elem, NULL, &rx) == MPSC_EINVAL && rx == RX_UNTOUCHED);
        CASE(mpsc_channel(elem, &tx, NULL) == MPSC_EINVAL && tx == TX_UNTOUCHED);
        CASE(mpsc_channel(elem, NULL, NULL) == MPSC_EINVAL);
        for (size_t bound = 0; bound <= 4; bound += 4) {
            CASE(mpsc_sync_channel(elem, bound, NULL, &rx) == MPSC_EINVAL && rx == RX_UNTOUCHED);
            CASE(mpsc_sync_channel(elem, bound, &tx, NULL) == MPSC_EINVAL && tx == TX_UNTOUCHED);
            CASE(mpsc_sync_channel(elem, bound, NULL, NULL) == MPSC_EINVAL);
        }
    }
}

static void null_handles(void)
{
    long msg = 1;
    struct timespec dl = {0, 0};
    CASE(mpsc_send(NULL, &msg) == MPSC_EINVAL);
    CASE(mpsc_try_send(NULL, &msg) == MPSC_EINVAL);
    CASE(mpsc_send_timeout(NULL, &msg, 0) == MPSC_EINVAL);
    CASE(mpsc_send_timeout(NULL, &msg, UINT64_MAX) == MPSC_EINVAL);
    CASE(mpsc_send(NULL, NULL) == MPSC_EINVAL);
    CASE(mpsc_recv(NULL, &msg) == MPSC_EINVAL);
    CASE(mpsc_try_recv(NULL, &msg) == MPSC_EINVAL);
    CASE(mpsc_recv_timeout(NULL, &msg, 0) == MPSC_EINVAL);
    CASE(mpsc_recv_timeout(NULL, &msg, UINT64_MAX) == MPSC_EINVAL);
    CASE(mpsc_recv_deadline(NULL, &msg, &dl) == MPSC_EINVAL);
    CASE(mpsc_recv_deadline(NULL, NULL, NULL) == MPSC_EINVAL);
    errno = 0;
    CASE(mpsc_sender_clone(NULL) == NULL && errno == EINVAL);
    mpsc_sender_drop(NULL);
    cases++;
    mpsc_receiver_drop(NULL);
    cases++;
    CASE(mpsc_len(NULL) == 0);
    CASE(mpsc_capacity(NULL) == SIZE_MAX);
    static const int statuses[] = {-1, 7, 100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        CASE(strcmp(mpsc_status_str((mpsc_status)statuses[i]), "unknown mpsc_status") == 0);
}

/* NULL buffers and malformed deadlines on live channels of every flavor,
 * which must stay usable: a message queued before is still received after. */
static void null_buffers(void)
{
    static const struct {
        bool bounded;
        size_t bound;
    } flavors[] = {{false, 0}, {true, 4}, {true, 0}};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        mpsc_config cfg = {.elem_size = sizeof(long), .bounded = flavors[f].bounded, .bound = flavors[f].bound};
        CASE(mpsc_channel_new(&cfg, &tx, &rx) == MPSC_OK);
        long v = 42, out = 0;
        bool buffered = !flavors[f].bounded || flavors[f].bound > 0;
        if (buffered)
            CASE(mpsc_send(tx, &v) == MPSC_OK);
        CASE(mpsc_send(tx, NULL) == MPSC_EINVAL);
        CASE(mpsc_try_send(tx, NULL) == MPSC_EINVAL);
        CASE(mpsc_send_timeout(tx, NULL, 0) == MPSC_EINVAL);
        CASE(mpsc_send_timeout(tx, NULL, UINT64_MAX) == MPSC_EINVAL);
        CASE(mpsc_recv(rx, NULL) == MPSC_EINVAL);
        CASE(mpsc_try_recv(rx, NULL) == MPSC_EINVAL);
        CASE(mpsc_recv_timeout(rx, NULL, 0) == MPSC_EINVAL);
        CASE(mpsc_recv_timeout(rx, NULL, UINT64_MAX) == MPSC_EINVAL);
        struct timespec past = {0, 0};
        CASE(mpsc_recv_deadline(rx, NULL, &past) == MPSC_EINVAL);
        CASE(mpsc_recv_deadline(rx, &out, NULL) == MPSC_EINVAL);
        static const struct timespec malformed[] = {
            {0, -1}, {0, 1000000000L}, {0, LONG_MAX}, {0, LONG_MIN}, {1, -5}, {-1, 1000000000L},
        };
        for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
            CASE(mpsc_recv_deadline(rx, &out, &malformed[i]) == MPSC_EINVAL);
        /* Nothing changed: the message is still there (and only it). */
        CASE(mpsc_len(rx) == (buffered ? 1u : 0u));
        if (buffered) {
            /* Far-future deadlines do not overflow: the message is there. */
            struct timespec far = {(time_t)(((uint64_t)1 << (sizeof(time_t) * 8 - 1)) - 1), 999999999L};
            CASE(mpsc_recv_deadline(rx, &out, &far) == MPSC_OK && out == 42);
            CASE(mpsc_send(tx, &v) == MPSC_OK);
            CASE(mpsc_recv_timeout(rx, &out, UINT64_MAX) == MPSC_OK && out == 42);
        }
        /* A deadline long past (negative seconds) is a timeout, not an error. */
        struct timespec negative = {-5, 0};
        CASE(mpsc_recv_deadline(rx, &out, &negative) == MPSC_TIMEOUT);
        CASE(mpsc_recv_timeout(rx, &out, 0) == MPSC_TIMEOUT);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
    /* Zero-size messages: NULL is a fine buffer. */
    mpsc_sender *tx;
    mpsc_receiver *rx;
    CASE(mpsc_channel(0, &tx, &rx) == MPSC_OK);
    CASE(mpsc_send(tx, NULL) == MPSC_OK);
    CASE(mpsc_try_send(tx, NULL) == MPSC_OK);
    CASE(mpsc_recv(rx, NULL) == MPSC_OK);
    CASE(mpsc_try_recv(rx, NULL) == MPSC_OK);
    CASE(mpsc_try_recv(rx, NULL) == MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

int main(void)
{
    creation_null_handles();
    creation_sizes();
    null_handles();
    null_buffers();
    printf("bad_input: %d bad inputs tried, each answered with a status, no crash: ok\n", cases);
    return 0;
}
