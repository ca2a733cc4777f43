/*
 * test_bad_input.c - every call given a NULL handle, a NULL pointer, a
 * malformed deadline or a size that overflows returns MPSC_EINVAL (or its
 * documented equivalent) and changes nothing: out-parameters keep their
 * values and queued messages stay queued.
 */
#include "unit.h"

#include <errno.h>

/* Values no real handle has, to see whether a failed call wrote to its
 * out-parameters. */
#define TX_SENTINEL ((mpsc_sender *)(uintptr_t)0x5e4d)
#define RX_SENTINEL ((mpsc_receiver *)(uintptr_t)0x4ecf)

Test(bad_input, creating_a_channel_with_a_null_out_pointer_is_einval_and_writes_nothing)
{
    mpsc_config cfg = {.elem_size = 4};
    mpsc_sender *tx = TX_SENTINEL;
    mpsc_receiver *rx = RX_SENTINEL;
    cr_assert_eq(mpsc_channel(4, NULL, &rx), MPSC_EINVAL);
    cr_assert_eq(mpsc_channel(4, &tx, NULL), MPSC_EINVAL);
    cr_assert_eq(mpsc_channel(4, NULL, NULL), MPSC_EINVAL);
    cr_assert_eq(mpsc_sync_channel(4, 2, NULL, &rx), MPSC_EINVAL);
    cr_assert_eq(mpsc_sync_channel(4, 2, &tx, NULL), MPSC_EINVAL);
    cr_assert_eq(mpsc_sync_channel(4, 0, NULL, &rx), MPSC_EINVAL);
    cr_assert_eq(mpsc_channel_new(&cfg, NULL, &rx), MPSC_EINVAL);
    cr_assert_eq(mpsc_channel_new(&cfg, &tx, NULL), MPSC_EINVAL);
    cr_assert_eq(tx, TX_SENTINEL, "a failed constructor wrote *tx");
    cr_assert_eq(rx, RX_SENTINEL, "a failed constructor wrote *rx");
}

Test(bad_input, channel_new_with_a_null_config_is_einval_and_writes_nothing)
{
    mpsc_sender *tx = TX_SENTINEL;
    mpsc_receiver *rx = RX_SENTINEL;
    cr_assert_eq(mpsc_channel_new(NULL, &tx, &rx), MPSC_EINVAL);
    cr_assert_eq(tx, TX_SENTINEL);
    cr_assert_eq(rx, RX_SENTINEL);
}

Test(bad_input, a_bounded_buffer_whose_size_overflows_is_einval_and_writes_nothing)
{
    const struct {
        size_t elem_size, bound;
    } cases[] = {
        {SIZE_MAX / 2, 3},
        {SIZE_MAX, 2},
        {2, SIZE_MAX},
        {SIZE_MAX / 4 + 1, 4},
        {(SIZE_MAX >> (sizeof(size_t) * 4)) + 1, (SIZE_MAX >> (sizeof(size_t) * 4)) + 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mpsc_sender *tx = TX_SENTINEL;
        mpsc_receiver *rx = RX_SENTINEL;
        mpsc_status st = mpsc_sync_channel(cases[i].elem_size, cases[i].bound, &tx, &rx);
        cr_assert_eq(st, MPSC_EINVAL, "sync_channel(%zu, %zu) said %s", cases[i].elem_size, cases[i].bound,
                     mpsc_status_str(st));
        mpsc_config cfg = {.elem_size = cases[i].elem_size, .bounded = true, .bound = cases[i].bound};
        st = mpsc_channel_new(&cfg, &tx, &rx);
        cr_assert_eq(st, MPSC_EINVAL, "channel_new(%zu, %zu) said %s", cases[i].elem_size, cases[i].bound,
                     mpsc_status_str(st));
        cr_assert_eq(tx, TX_SENTINEL);
        cr_assert_eq(rx, RX_SENTINEL);
    }
}

Test(bad_input, an_unbounded_channel_whose_message_size_overflows_is_einval)
{
    const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 2};
    for (size_t i = 0; i < 3; i++) {
        mpsc_sender *tx = TX_SENTINEL;
        mpsc_receiver *rx = RX_SENTINEL;
        mpsc_status st = mpsc_channel(sizes[i], &tx, &rx);
        cr_assert_eq(st, MPSC_EINVAL, "channel(%zu) said %s", sizes[i], mpsc_status_str(st));
        cr_assert_eq(tx, TX_SENTINEL);
        cr_assert_eq(rx, RX_SENTINEL);
    }
}

Test(bad_input, every_send_form_with_a_null_sender_is_einval)
{
    int msg = 1;
    cr_assert_eq(mpsc_send(NULL, &msg), MPSC_EINVAL);
    cr_assert_eq(mpsc_try_send(NULL, &msg), MPSC_EINVAL);
    cr_assert_eq(mpsc_send_timeout(NULL, &msg, 0), MPSC_EINVAL);
    cr_assert_eq(mpsc_send_timeout(NULL, &msg, UINT64_MAX), MPSC_EINVAL);
}

Test(bad_input, every_send_form_with_a_null_message_is_einval_and_queues_nothing, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(2), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        cr_assert_eq(mpsc_send(tx, NULL), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_try_send(tx, NULL), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_send_timeout(tx, NULL, 0), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_send_timeout(tx, NULL, UINT64_MAX), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_len(rx), 0);
        int out;
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY, "%s: a refused message was queued", flavors[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(bad_input, every_recv_form_with_a_null_receiver_is_einval)
{
    int out = -1;
    struct timespec ts = {0, 0};
    cr_assert_eq(mpsc_recv(NULL, &out), MPSC_EINVAL);
    cr_assert_eq(mpsc_try_recv(NULL, &out), MPSC_EINVAL);
    cr_assert_eq(mpsc_recv_timeout(NULL, &out, 0), MPSC_EINVAL);
    cr_assert_eq(mpsc_recv_timeout(NULL, &out, UINT64_MAX), MPSC_EINVAL);
    cr_assert_eq(mpsc_recv_deadline(NULL, &out, &ts), MPSC_EINVAL);
    cr_assert_eq(out, -1);
}

Test(bad_input, every_recv_form_with_a_null_out_pointer_is_einval_and_leaves_the_message_queued, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(2)};
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        int msg = 17;
        cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
        struct timespec far = {.tv_sec = (time_t)INT64_MAX, .tv_nsec = 0};
        cr_assert_eq(mpsc_recv(rx, NULL), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_try_recv(rx, NULL), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_recv_timeout(rx, NULL, 0), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_recv_timeout(rx, NULL, UINT64_MAX), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_recv_deadline(rx, NULL, &far), MPSC_EINVAL, "%s", flavors[f].name);
        cr_assert_eq(mpsc_len(rx), 1, "%s: a refused recv took the message", flavors[f].name);
        int out = 0;
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, 17);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(bad_input, a_null_out_pointer_on_a_rendezvous_does_not_release_a_waiting_sender, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    struct unit_sender w;
    pthread_t t = unit_spawn_sender(&w, mpsc_share(tx), 23);
    unit_wait_flag(&w.started);
    unit_sleep_ms(10);
    cr_assert_eq(mpsc_recv(rx, NULL), MPSC_EINVAL);
    cr_assert_eq(mpsc_try_recv(rx, NULL), MPSC_EINVAL);
    unit_assert_still_blocked(&w, 20, "after a refused recv: the refused recv took its message");
    unit_recv_from(rx, &w, t);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(bad_input, recv_deadline_with_a_null_or_malformed_deadline_is_einval_and_leaves_the_message_queued,
     .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    int msg = 3, out = -1;
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
    const struct timespec bad[] = {{.tv_sec = 0, .tv_nsec = -1}, {.tv_sec = 1, .tv_nsec = 1000000000L}};
    cr_assert_eq(mpsc_recv_deadline(rx, &out, NULL), MPSC_EINVAL);
    for (size_t i = 0; i < 2; i++)
        cr_assert_eq(mpsc_recv_deadline(rx, &out, &bad[i]), MPSC_EINVAL, "malformed deadline %zu", i);
    cr_assert_eq(out, -1);
    cr_assert_eq(mpsc_len(rx), 1);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 3);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(bad_input, cloning_a_null_sender_returns_null_with_errno_einval)
{
    errno = 0;
    cr_assert_null(mpsc_sender_clone(NULL));
    cr_assert_eq(errno, EINVAL);
}

Test(bad_input, dropping_null_handles_does_nothing)
{
    mpsc_sender_drop(NULL);
    mpsc_receiver_drop(NULL);
    /* The library still works afterwards. */
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(bad_input, len_and_capacity_of_a_null_receiver_are_zero_and_size_max)
{
    cr_assert_eq(mpsc_len(NULL), 0);
    cr_assert_eq(mpsc_capacity(NULL), SIZE_MAX);
}
