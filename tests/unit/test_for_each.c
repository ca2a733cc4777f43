/*
 * test_for_each.c - MPSC_FOR_EACH, Rust's `for received in rx`: it receives
 * every message in order, ends once the channel is disconnected and drained,
 * waits for messages still to come, and `break` leaves it with the receiver
 * still usable.
 */
#include "unit.h"

Test(for_each, visits_every_message_in_order_and_ends_on_disconnection, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(8)};
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        for (int i = 0; i < 8; i++)
            cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
        mpsc_sender_drop(tx);
        int v, n = 0;
        MPSC_FOR_EACH(v, rx) {
            cr_assert_eq(v, n, "%s: visit %d got %d", flavors[f].name, n, v);
            n++;
        }
        cr_assert_eq(n, 8, "%s", flavors[f].name);
        mpsc_receiver_drop(rx);
    }
}

Test(for_each, never_runs_its_body_on_a_disconnected_empty_channel, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    mpsc_sender_drop(tx);
    int v, n = 0;
    MPSC_FOR_EACH(v, rx)
        n++;
    cr_assert_eq(n, 0);
    mpsc_receiver_drop(rx);
}

struct producer {
    mpsc_sender *tx;
    int n;
    mpsc_status st;
};

/* The Rust book's producer: sends with a pause between messages, then drops
 * its Sender, which ends the consumer's loop. */
static void *produce_slowly(void *arg)
{
    struct producer *p = arg;
    p->st = MPSC_OK;
    for (int i = 0; i < p->n && p->st == MPSC_OK; i++) {
        p->st = mpsc_send(p->tx, &i);
        unit_sleep_ms(2);
    }
    mpsc_sender_drop(p->tx);
    return NULL;
}

Test(for_each, waits_for_messages_still_to_come_from_other_threads, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(1), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        struct producer p = {.tx = mpsc_move(tx), .n = 10};
        pthread_t t = unit_spawn(produce_slowly, &p);
        int v, n = 0;
        MPSC_FOR_EACH(v, rx) {
            cr_assert_eq(v, n, "%s", flavors[f].name);
            n++;
        }
        unit_join(t);
        cr_assert_eq(p.st, MPSC_OK);
        cr_assert_eq(n, 10, "%s: the loop saw %d of 10 messages", flavors[f].name, n);
        mpsc_receiver_drop(rx);
    }
}

Test(for_each, break_leaves_the_loop_and_the_receiver_keeps_the_rest, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
    int v, n = 0;
    MPSC_FOR_EACH(v, rx) {
        n++;
        if (v == 2)
            break;
    }
    cr_assert_eq(n, 3);
    cr_assert_eq(v, 2);
    cr_assert_eq(mpsc_len(rx), 3);
    /* The sender is still alive: a second loop takes the rest, and a try
     * afterwards finds the channel empty but connected. */
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(mpsc_recv(rx, &v), MPSC_OK);
        sum += v;
    }
    cr_assert_eq(sum, 3 + 4 + 5);
    cr_assert_eq(mpsc_try_recv(rx, &v), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    n = 0;
    MPSC_FOR_EACH(v, rx)
        n++;
    cr_assert_eq(n, 0);
    mpsc_receiver_drop(rx);
}

Test(for_each, continue_skips_to_the_next_message, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 10, &tx, &rx), MPSC_OK);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
    mpsc_sender_drop(tx);
    int v, odd_sum = 0;
    MPSC_FOR_EACH(v, rx) {
        if (v % 2 == 0)
            continue;
        odd_sum += v;
    }
    cr_assert_eq(odd_sum, 1 + 3 + 5 + 7 + 9);
    mpsc_receiver_drop(rx);
}

Test(for_each, works_with_struct_elements, .timeout = 10)
{
    struct pair {
        int a;
        long b;
    };
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(struct pair), &tx, &rx), MPSC_OK);
    for (int i = 0; i < 4; i++) {
        struct pair p = {i, (long)i * 100};
        cr_assert_eq(mpsc_send(tx, &p), MPSC_OK);
    }
    mpsc_sender_drop(tx);
    struct pair got;
    int n = 0;
    MPSC_FOR_EACH(got, rx) {
        cr_assert_eq(got.a, n);
        cr_assert_eq(got.b, (long)n * 100);
        n++;
    }
    cr_assert_eq(n, 4);
    mpsc_receiver_drop(rx);
}
