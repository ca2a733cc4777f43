/*
 * test_drop.c - the drop function (Rust's Drop for messages never
 * received): it gets every message still queued when the Receiver is
 * dropped, each exactly once and whole, and nothing else; without one,
 * queued messages are discarded and nothing leaks (the sanitizer build's
 * LeakSanitizer checks that).
 */
#include "unit.h"

#include <stdalign.h>
#include <stddef.h>
#include <string.h>

/* What the drop functions saw; each test starts by resetting it. */
enum { MAX_DROPS = 4096 };
static atomic_int drop_calls;
static uint32_t dropped[MAX_DROPS];
static int misaligned;

static void reset_drops(void)
{
    atomic_store(&drop_calls, 0);
    memset(dropped, 0, sizeof dropped);
    misaligned = 0;
}

static void record_u32(void *msg)
{
    int i = atomic_fetch_add(&drop_calls, 1);
    if (i < MAX_DROPS)
        memcpy(&dropped[i], msg, sizeof(uint32_t));
}

/* Checks that the drop function saw exactly the values first..first+n-1,
 * each once, in any order. */
static void expect_dropped_range(const char *what, uint32_t first, int n)
{
    int calls = atomic_load(&drop_calls);
    cr_assert_eq(calls, n, "%s: %d messages passed to drop, %d expected", what, calls, n);
    bool seen[MAX_DROPS] = {false};
    for (int i = 0; i < n; i++) {
        uint32_t v = dropped[i];
        cr_assert(v >= first && v - first < (uint32_t)n, "%s: drop got %u, not one of the queued messages", what, v);
        cr_assert(!seen[v - first], "%s: message %u was passed to drop twice", what, v);
        seen[v - first] = true;
    }
}

static const struct unit_flavor buffered[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(16)};

Test(drop, the_drop_function_gets_every_message_still_queued_when_the_receiver_is_dropped, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        reset_drops();
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], sizeof(uint32_t), record_u32, &tx, &rx);
        for (uint32_t v = 100; v < 110; v++)
            cr_assert_eq(mpsc_send(tx, &v), MPSC_OK);
        uint32_t out;
        for (int i = 0; i < 3; i++)
            cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert_eq(atomic_load(&drop_calls), 0, "%s: drop called before the receiver was dropped",
                     buffered[f].name);
        /* The Sender is still alive: the messages are dropped now, as in
         * Rust, not when the channel's memory is freed later. */
        mpsc_receiver_drop(rx);
        expect_dropped_range(buffered[f].name, 103, 7);
        mpsc_sender_drop(tx);
        cr_assert_eq(atomic_load(&drop_calls), 7, "%s: more drops when the last sender left", buffered[f].name);
    }
}

Test(drop, queued_messages_are_dropped_when_the_receiver_goes_after_the_senders, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        reset_drops();
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], sizeof(uint32_t), record_u32, &tx, &rx);
        for (uint32_t v = 0; v < 5; v++)
            cr_assert_eq(mpsc_send(tx, &v), MPSC_OK);
        mpsc_sender_drop(tx);
        cr_assert_eq(atomic_load(&drop_calls), 0, "%s: messages dropped while the receiver could still take them",
                     buffered[f].name);
        mpsc_receiver_drop(rx);
        expect_dropped_range(buffered[f].name, 0, 5);
    }
}

Test(drop, received_messages_are_never_passed_to_drop, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(16), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        reset_drops();
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(uint32_t), record_u32, &tx, &rx);
        if (flavors[f].bound > 0 || !flavors[f].bounded) {
            for (uint32_t v = 0; v < 5; v++)
                cr_assert_eq(mpsc_send(tx, &v), MPSC_OK);
            uint32_t out;
            for (int i = 0; i < 5; i++)
                cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        }
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
        cr_assert_eq(atomic_load(&drop_calls), 0, "%s", flavors[f].name);
    }
}

Test(drop, thousands_of_queued_messages_across_many_blocks_are_each_dropped_once, .timeout = 10)
{
    reset_drops();
    mpsc_sender *tx;
    mpsc_receiver *rx;
    unit_open(UNIT_UNBOUNDED, sizeof(uint32_t), record_u32, &tx, &rx);
    /* Receive some first, so the queue's head is not at its start. */
    for (uint32_t v = 0; v < 3000; v++)
        cr_assert_eq(mpsc_send(tx, &v), MPSC_OK);
    uint32_t out;
    for (int i = 0; i < 77; i++)
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    mpsc_receiver_drop(rx);
    expect_dropped_range("unbounded", 77, 3000 - 77);
    mpsc_sender_drop(tx);
}

Test(drop, a_bounded_ring_that_has_wrapped_drops_exactly_the_queued_messages, .timeout = 10)
{
    reset_drops();
    mpsc_sender *tx;
    mpsc_receiver *rx;
    unit_open(UNIT_BOUNDED(4), sizeof(uint32_t), record_u32, &tx, &rx);
    uint32_t out;
    for (uint32_t v = 0; v < 6; v++) {
        cr_assert_eq(mpsc_send(tx, &v), MPSC_OK);
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    }
    for (uint32_t v = 1000; v < 1004; v++)
        cr_assert_eq(mpsc_send(tx, &v), MPSC_OK);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    expect_dropped_range("bounded(4)", 1000, 4);
}

/* ---- message sizes -------------------------------------------------------- */

struct big {
    unsigned char bytes[1000];
};

static int big_intact;

static void check_big(void *msg)
{
    struct big b;
    memcpy(&b, msg, sizeof b);
    unsigned char seed = b.bytes[0];
    bool ok = true;
    for (size_t i = 0; i < sizeof b.bytes; i++)
        ok = ok && b.bytes[i] == (unsigned char)(seed + i);
    big_intact += ok;
    atomic_fetch_add(&drop_calls, 1);
}

Test(drop, thousand_byte_messages_reach_drop_whole, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        reset_drops();
        big_intact = 0;
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], sizeof(struct big), check_big, &tx, &rx);
        for (int m = 0; m < 5; m++) {
            struct big b;
            for (size_t i = 0; i < sizeof b.bytes; i++)
                b.bytes[i] = (unsigned char)(m * 31 + i);
            cr_assert_eq(mpsc_send(tx, &b), MPSC_OK);
        }
        mpsc_receiver_drop(rx);
        mpsc_sender_drop(tx);
        cr_assert_eq(atomic_load(&drop_calls), 5, "%s", buffered[f].name);
        cr_assert_eq(big_intact, 5, "%s: %d of 5 dropped messages arrived whole", buffered[f].name, big_intact);
    }
}

static void count_unit(void *msg)
{
    (void)msg;
    atomic_fetch_add(&drop_calls, 1);
}

Test(drop, unit_messages_are_each_passed_to_drop, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        reset_drops();
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], 0, count_unit, &tx, &rx);
        for (int i = 0; i < 6; i++)
            cr_assert_eq(mpsc_send(tx, NULL), MPSC_OK);
        cr_assert_eq(mpsc_recv(rx, NULL), MPSC_OK);
        mpsc_receiver_drop(rx);
        mpsc_sender_drop(tx);
        cr_assert_eq(atomic_load(&drop_calls), 5, "%s: %d drops for 5 queued unit messages", buffered[f].name,
                     atomic_load(&drop_calls));
    }
}

/* ---- pointer messages ---------------------------------------------------- */

static void free_string(void *msg)
{
    char *p;
    memcpy(&p, msg, sizeof p);
    free(p);
    atomic_fetch_add(&drop_calls, 1);
}

Test(drop, pointer_messages_are_freed_by_drop_and_nothing_leaks, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        reset_drops();
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], sizeof(char *), free_string, &tx, &rx);
        for (int i = 0; i < 12; i++) {
            char *s = strdup("owned by the channel until received or dropped");
            cr_assert_not_null(s);
            cr_assert_eq(mpsc_send(tx, &s), MPSC_OK);
        }
        char *got;
        cr_assert_eq(mpsc_recv(rx, &got), MPSC_OK);
        cr_assert_str_eq(got, "owned by the channel until received or dropped");
        free(got);
        mpsc_receiver_drop(rx);
        mpsc_sender_drop(tx);
        cr_assert_eq(atomic_load(&drop_calls), 11, "%s", buffered[f].name);
    }
}

/* The strictest alignment a type of the current message size can have: the
 * largest power of two dividing the size, at most max_align_t's. */
static size_t need_align;

static void check_alignment(void *msg)
{
    if ((uintptr_t)msg % need_align != 0)
        misaligned++;
    atomic_fetch_add(&drop_calls, 1);
}

Test(drop, the_drop_function_gets_each_message_aligned_as_its_type_may_need, .timeout = 10)
{
    /* The natural drop function for pointer messages, free(*(void **)msg),
     * reads the message in place, as Rust's Drop gets an aligned &mut T; the
     * channel does not know the type, so it must align each message as
     * strictly as any type of that size may need. */
    const size_t sizes[] = {sizeof(void *), sizeof(long double), 2, 3, 4, 24, 1000};
    for (size_t f = 0; f < 2; f++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            reset_drops();
            need_align = sizes[k] & -sizes[k];
            if (need_align > alignof(max_align_t))
                need_align = alignof(max_align_t);
            mpsc_sender *tx;
            mpsc_receiver *rx;
            unit_open(buffered[f], sizes[k], check_alignment, &tx, &rx);
            static const unsigned char msg[1000];
            for (int i = 0; i < 12; i++)
                cr_assert_eq(mpsc_send(tx, msg), MPSC_OK);
            mpsc_receiver_drop(rx);
            mpsc_sender_drop(tx);
            cr_assert_eq(atomic_load(&drop_calls), 12);
            /* An expectation, not an assertion: the report lists every
             * flavor and size that fails. */
            cr_expect_eq(misaligned, 0, "%s, %zu-byte messages: %d of 12 reached drop misaligned", buffered[f].name,
                         sizes[k], misaligned);
        }
    }
}

Test(drop, without_a_drop_function_queued_messages_are_discarded_without_leaks, .timeout = 10)
{
    /* Only the sanitizer build can see a leak; here every flavor and both
     * drop orders run with messages queued across several blocks. */
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(1000), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        for (int receiver_first = 0; receiver_first < 2; receiver_first++) {
            mpsc_sender *tx;
            mpsc_receiver *rx;
            unit_open(flavors[f], 24, NULL, &tx, &rx);
            unsigned char msg[24] = {0};
            size_t n = flavors[f].bounded ? flavors[f].bound : 1000;
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(mpsc_try_send(tx, msg), MPSC_OK);
            cr_assert_eq(mpsc_len(rx), n, "%s", flavors[f].name);
            if (receiver_first) {
                mpsc_receiver_drop(rx);
                mpsc_sender_drop(tx);
            } else {
                mpsc_sender_drop(tx);
                mpsc_receiver_drop(rx);
            }
        }
    }
}
