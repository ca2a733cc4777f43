/*
 * test_creation.c - making channels: the three constructors give working
 * handles of the right flavor, the configuration's fields take effect, and
 * a cloned Sender is a new handle on the same channel.
 */
#include "unit.h"

#include <string.h>

Test(creation, channel_returns_two_handles_that_talk_to_each_other, .timeout = 10)
{
    mpsc_sender *tx = NULL;
    mpsc_receiver *rx = NULL;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    cr_assert_not_null(tx);
    cr_assert_not_null(rx);
    int in = 42, out = 0;
    cr_assert_eq(mpsc_send(tx, &in), MPSC_OK);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 42);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(creation, channel_is_unbounded)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_capacity(rx), SIZE_MAX);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(creation, sync_channel_has_the_bound_it_was_given)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 7, &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_capacity(rx), 7);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(mpsc_try_send(tx, &i), MPSC_OK, "message %d of 7", i);
    int extra = 7;
    cr_assert_eq(mpsc_try_send(tx, &extra), MPSC_FULL);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(creation, sync_channel_of_zero_is_a_rendezvous)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_capacity(rx), 0);
    int msg = 1;
    /* No receiver is waiting, so not even one message fits. */
    cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_FULL);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(creation, channel_new_builds_each_flavor_from_its_config)
{
    const struct {
        mpsc_config cfg;
        size_t capacity;
    } cases[] = {
        {{.elem_size = 8}, SIZE_MAX},
        {{.elem_size = 8, .bounded = true, .bound = 3}, 3},
        {{.elem_size = 8, .bounded = true, .bound = 0}, 0},
        /* bound is ignored unless bounded is set. */
        {{.elem_size = 8, .bounded = false, .bound = 3}, SIZE_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mpsc_sender *tx = NULL;
        mpsc_receiver *rx = NULL;
        cr_assert_eq(mpsc_channel_new(&cases[i].cfg, &tx, &rx), MPSC_OK, "case %zu", i);
        cr_assert_not_null(tx);
        cr_assert_not_null(rx);
        cr_assert_eq(mpsc_capacity(rx), cases[i].capacity, "case %zu", i);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(creation, channel_new_copies_the_name_so_the_caller_may_reuse_it, .timeout = 10)
{
    char name[32];
    strcpy(name, "jobs");
    mpsc_config cfg = {.elem_size = sizeof(int), .name = name};
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    /* Overwrite the caller's buffer; the channel must not depend on it. */
    memset(name, 0x5a, sizeof name);
    int in = 5, out = 0;
    cr_assert_eq(mpsc_send(tx, &in), MPSC_OK);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 5);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(creation, two_channels_are_independent, .timeout = 10)
{
    mpsc_sender *tx1, *tx2;
    mpsc_receiver *rx1, *rx2;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx1, &rx1), MPSC_OK);
    cr_assert_eq(mpsc_channel(sizeof(int), &tx2, &rx2), MPSC_OK);
    int one = 1, two = 2, out;
    cr_assert_eq(mpsc_send(tx1, &one), MPSC_OK);
    cr_assert_eq(mpsc_send(tx2, &two), MPSC_OK);
    cr_assert_eq(mpsc_recv(rx2, &out), MPSC_OK);
    cr_assert_eq(out, 2);
    cr_assert_eq(mpsc_try_recv(rx2, &out), MPSC_EMPTY);
    cr_assert_eq(mpsc_recv(rx1, &out), MPSC_OK);
    cr_assert_eq(out, 1);
    mpsc_sender_drop(tx1);
    mpsc_sender_drop(tx2);
    mpsc_receiver_drop(rx1);
    mpsc_receiver_drop(rx2);
}

Test(creation, a_cloned_sender_is_a_new_handle_on_the_same_channel, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    mpsc_sender *tx2 = mpsc_sender_clone(tx);
    cr_assert_not_null(tx2);
    cr_assert_neq(tx2, tx);
    int a = 1, b = 2, out;
    cr_assert_eq(mpsc_send(tx2, &a), MPSC_OK);
    cr_assert_eq(mpsc_send(tx, &b), MPSC_OK);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 1);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 2);
    mpsc_sender_drop(tx);
    mpsc_sender_drop(tx2);
    mpsc_receiver_drop(rx);
}

Test(creation, a_clone_of_a_clone_works_after_the_original_is_dropped, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 2, &tx, &rx), MPSC_OK);
    mpsc_sender *c1 = mpsc_sender_clone(tx);
    cr_assert_not_null(c1);
    mpsc_sender_drop(tx);
    mpsc_sender *c2 = mpsc_sender_clone(c1);
    cr_assert_not_null(c2);
    mpsc_sender_drop(c1);
    int in = 9, out = 0;
    cr_assert_eq(mpsc_send(c2, &in), MPSC_OK);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 9);
    mpsc_sender_drop(c2);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_DISCONNECTED);
    mpsc_receiver_drop(rx);
}

Test(creation, many_channels_can_be_created_and_dropped)
{
    /* Each flavor, created and dropped in both orders, many times: the
     * sanitizer build checks that nothing leaks or is freed twice. */
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(16), UNIT_RENDEZVOUS};
    for (int round = 0; round < 200; round++) {
        for (size_t f = 0; f < 3; f++) {
            mpsc_sender *tx;
            mpsc_receiver *rx;
            unit_open(flavors[f], 16, NULL, &tx, &rx);
            if (round % 2) {
                mpsc_sender_drop(tx);
                mpsc_receiver_drop(rx);
            } else {
                mpsc_receiver_drop(rx);
                mpsc_sender_drop(tx);
            }
        }
    }
}
