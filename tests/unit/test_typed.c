/*
 * test_typed.c - MPSC_DEFINE_CHANNEL's wrappers: an int channel and a struct
 * channel carry their values through every wrapper, and the typed handles
 * convert to the untyped ones.  That a wrong type does not compile is checked
 * by the build (typed_mismatch.c, see meson.build).
 */
#include "unit.h"

#include <stdio.h>

MPSC_DEFINE_CHANNEL(ints, int)

struct point {
    double x, y;
    char label[24];
};

MPSC_DEFINE_CHANNEL(points, struct point)

Test(typed, an_int_channel_carries_ints_in_order, .timeout = 10)
{
    ints_sender *tx;
    ints_receiver *rx;
    cr_assert_eq(ints_channel(&tx, &rx), MPSC_OK);
    for (int i = -3; i <= 3; i++)
        cr_assert_eq(ints_send(tx, i * 1000), MPSC_OK);
    ints_sender_drop(tx);
    int out;
    for (int i = -3; i <= 3; i++) {
        cr_assert_eq(ints_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, i * 1000);
    }
    cr_assert_eq(ints_recv(rx, &out), MPSC_DISCONNECTED);
    ints_receiver_drop(rx);
}

Test(typed, a_typed_channel_is_sized_for_its_type)
{
    ints_sender *tx;
    ints_receiver *rx;
    cr_assert_eq(ints_sync_channel(3, &tx, &rx), MPSC_OK);
    /* Send raw bytes through the untyped handle and read them back typed: the
     * channel must copy exactly sizeof(int) bytes. */
    int raw = 0x01020304;
    cr_assert_eq(mpsc_send(ints_sender_raw(tx), &raw), MPSC_OK);
    int out = 0;
    cr_assert_eq(ints_try_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 0x01020304);
    ints_sender_drop(tx);
    ints_receiver_drop(rx);
}

Test(typed, the_typed_try_and_timeout_forms_report_like_the_untyped_ones, .timeout = 10)
{
    ints_sender *tx;
    ints_receiver *rx;
    cr_assert_eq(ints_sync_channel(1, &tx, &rx), MPSC_OK);
    mpsc_allow_disconnected_send(tx);
    cr_assert_eq(mpsc_capacity(ints_receiver_raw(rx)), 1);
    int out = 0;
    cr_assert_eq(ints_try_recv(rx, &out), MPSC_EMPTY);
    cr_assert_eq(ints_recv_timeout(rx, &out, 2 * UNIT_MS), MPSC_TIMEOUT);
    cr_assert_eq(ints_try_send(tx, 7), MPSC_OK);
    cr_assert_eq(ints_try_send(tx, 8), MPSC_FULL);
    cr_assert_eq(ints_send_timeout(tx, 8, 2 * UNIT_MS), MPSC_TIMEOUT);
    cr_assert_eq(mpsc_len(ints_receiver_raw(rx)), 1);
    cr_assert_eq(ints_recv_timeout(rx, &out, 2 * UNIT_MS), MPSC_OK);
    cr_assert_eq(out, 7);
    cr_assert_eq(ints_send_timeout(tx, 9, 2 * UNIT_MS), MPSC_OK);
    cr_assert_eq(ints_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 9);
    ints_receiver_drop(rx);
    cr_assert_eq(ints_send(tx, 10), MPSC_DISCONNECTED);
    ints_sender_drop(tx);
}

Test(typed, a_typed_clone_keeps_the_channel_open, .timeout = 10)
{
    ints_sender *tx;
    ints_receiver *rx;
    cr_assert_eq(ints_channel(&tx, &rx), MPSC_OK);
    ints_sender *tx2 = ints_sender_clone(tx);
    cr_assert_not_null(tx2);
    ints_sender_drop(tx);
    cr_assert_eq(ints_send(tx2, 5), MPSC_OK);
    ints_sender_drop(tx2);
    int out;
    cr_assert_eq(ints_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 5);
    cr_assert_eq(ints_recv(rx, &out), MPSC_DISCONNECTED);
    ints_receiver_drop(rx);
}

struct point_sender {
    points_sender *tx;
    mpsc_status st;
};

static void *send_points(void *arg)
{
    struct point_sender *p = arg;
    p->st = MPSC_OK;
    for (int i = 0; i < 10 && p->st == MPSC_OK; i++) {
        struct point pt = {.x = i, .y = -i * 0.5};
        snprintf(pt.label, sizeof pt.label, "point %d", i);
        p->st = points_send(p->tx, pt);
    }
    points_sender_drop(p->tx);
    return NULL;
}

Test(typed, a_struct_channel_carries_whole_structs_across_threads, .timeout = 10)
{
    points_sender *tx;
    points_receiver *rx;
    cr_assert_eq(points_sync_channel(0, &tx, &rx), MPSC_OK);
    struct point_sender p = {.tx = mpsc_move(tx)};
    pthread_t t = unit_spawn(send_points, &p);
    struct point got;
    int n = 0;
    while (points_recv(rx, &got) == MPSC_OK) {
        char want[24];
        snprintf(want, sizeof want, "point %d", n);
        cr_assert_eq(got.x, (double)n);
        cr_assert_eq(got.y, -n * 0.5);
        cr_assert_str_eq(got.label, want);
        n++;
    }
    unit_join(t);
    cr_assert_eq(p.st, MPSC_OK);
    cr_assert_eq(n, 10);
    points_receiver_drop(rx);
}

Test(typed, for_each_works_through_the_raw_receiver, .timeout = 10)
{
    ints_sender *tx;
    ints_receiver *rx;
    cr_assert_eq(ints_channel(&tx, &rx), MPSC_OK);
    for (int i = 1; i <= 4; i++)
        cr_assert_eq(ints_send(tx, i), MPSC_OK);
    ints_sender_drop(tx);
    int v, sum = 0;
    MPSC_FOR_EACH(v, ints_receiver_raw(rx))
        sum += v;
    cr_assert_eq(sum, 10);
    ints_receiver_drop(rx);
}

Test(typed, every_wrapper_of_a_struct_channel_carries_whole_structs, .timeout = 10)
{
    points_sender *tx;
    points_receiver *rx;
    cr_assert_eq(points_channel(&tx, &rx), MPSC_OK);
    points_sender *tx2 = points_sender_clone(tx);
    cr_assert_not_null(tx2);
    struct point a = {.x = 1.5, .y = 2.5, .label = "a"}, b = {.x = -1, .y = 1e300, .label = "b"};
    cr_assert_eq(points_try_send(tx, a), MPSC_OK);
    cr_assert_eq(points_send_timeout(tx2, b, 0), MPSC_OK);
    struct point got;
    cr_assert_eq(points_try_recv(rx, &got), MPSC_OK);
    cr_assert(got.x == 1.5 && got.y == 2.5 && got.label[0] == 'a' && got.label[1] == 0);
    cr_assert_eq(points_recv_timeout(rx, &got, 0), MPSC_OK);
    cr_assert(got.x == -1 && got.y == 1e300 && got.label[0] == 'b' && got.label[1] == 0);
    cr_assert_eq(points_try_recv(rx, &got), MPSC_EMPTY);
    points_sender_drop(tx);
    points_sender_drop(tx2);
    cr_assert_eq(points_recv_timeout(rx, &got, 0), MPSC_DISCONNECTED);
    points_receiver_drop(rx);
}
