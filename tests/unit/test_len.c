/*
 * test_len.c - mpsc_len and mpsc_capacity: len counts the messages queued now
 * (0 always for a rendezvous, where nothing is queued), and capacity is the
 * bound, SIZE_MAX for an unbounded channel and 0 for a rendezvous.
 */
#include "unit.h"

Test(len, capacity_is_size_max_for_unbounded_the_bound_for_bounded_and_zero_for_rendezvous)
{
    const struct {
        struct unit_flavor fl;
        size_t capacity;
    } cases[] = {
        {UNIT_UNBOUNDED, SIZE_MAX},
        {UNIT_BOUNDED(1), 1},
        {UNIT_BOUNDED(5), 5},
        {UNIT_BOUNDED(1000), 1000},
        {UNIT_RENDEZVOUS, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t elem_size = 0; elem_size <= 8; elem_size += 8) {
            mpsc_sender *tx;
            mpsc_receiver *rx;
            unit_open(cases[i].fl, elem_size, NULL, &tx, &rx);
            cr_assert_eq(mpsc_capacity(rx), cases[i].capacity, "%s(%zu), %zu-byte messages: capacity %zu",
                         cases[i].fl.name, cases[i].fl.bound, elem_size, mpsc_capacity(rx));
            mpsc_sender_drop(tx);
            mpsc_receiver_drop(rx);
        }
    }
}

Test(len, capacity_does_not_change_as_messages_come_and_go)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 3, &tx, &rx), MPSC_OK);
    int msg = 0;
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
    cr_assert_eq(mpsc_capacity(rx), 3);
    mpsc_sender_drop(tx);
    cr_assert_eq(mpsc_capacity(rx), 3);
    mpsc_receiver_drop(rx);
}

Test(len, len_counts_the_queued_messages_as_they_come_and_go)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(4)};
    for (size_t f = 0; f < 2; f++) {
        for (size_t elem_size = 0; elem_size <= sizeof(int); elem_size += sizeof(int)) {
            mpsc_sender *tx;
            mpsc_receiver *rx;
            unit_open(flavors[f], elem_size, NULL, &tx, &rx);
            int msg = 0, out;
            cr_assert_eq(mpsc_len(rx), 0);
            for (size_t i = 1; i <= 4; i++) {
                cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_OK);
                cr_assert_eq(mpsc_len(rx), i, "%s, %zu-byte messages: len %zu after %zu sends", flavors[f].name,
                             elem_size, mpsc_len(rx), i);
            }
            for (size_t i = 4; i-- > 0;) {
                cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
                cr_assert_eq(mpsc_len(rx), i, "%s, %zu-byte messages: len %zu with %zu left", flavors[f].name,
                             elem_size, mpsc_len(rx), i);
            }
            mpsc_sender_drop(tx);
            mpsc_receiver_drop(rx);
        }
    }
}

Test(len, len_still_counts_queued_messages_after_the_senders_are_gone)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 4, &tx, &rx), MPSC_OK);
    int msg = 0;
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
    mpsc_sender_drop(tx);
    cr_assert_eq(mpsc_len(rx), 2);
    mpsc_receiver_drop(rx);
}

Test(len, len_of_an_unbounded_channel_is_exact_across_many_blocks)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    int msg = 0, out;
    for (size_t i = 1; i <= 5000; i++) {
        cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
        if (i % 97 == 0)
            cr_assert_eq(mpsc_len(rx), i, "len %zu after %zu sends", mpsc_len(rx), i);
    }
    for (size_t left = 5000; left-- > 0;) {
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        if (left % 89 == 0)
            cr_assert_eq(mpsc_len(rx), left, "len %zu with %zu left", mpsc_len(rx), left);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(len, len_of_a_full_bounded_channel_is_its_bound_after_wrapping_around)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 3, &tx, &rx), MPSC_OK);
    int msg = 0, out;
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 3; i++)
            cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_OK);
        cr_assert_eq(mpsc_len(rx), 3, "round %d", round);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(mpsc_len(rx), 1, "round %d", round);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(mpsc_len(rx), 0, "round %d", round);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}
