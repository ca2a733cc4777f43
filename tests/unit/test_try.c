/*
 * test_try.c - the non-blocking forms: try_recv says MPSC_EMPTY while nothing
 * is queued and a Sender lives, try_send says MPSC_FULL while a bounded
 * buffer is full or no receiver waits at a rendezvous, and both report
 * disconnection the way their blocking forms do.
 */
#include "unit.h"

Test(try, try_recv_on_an_empty_channel_says_empty_and_leaves_out_alone)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(4), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        int out = -7;
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY, "%s", flavors[f].name);
        cr_assert_eq(out, -7, "%s: try_recv wrote to out without a message", flavors[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(try, try_recv_takes_a_queued_message)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(4)};
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        int a = 10, b = 20, out = 0;
        cr_assert_eq(mpsc_try_send(tx, &a), MPSC_OK);
        cr_assert_eq(mpsc_send(tx, &b), MPSC_OK);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, 10);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, 20);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY, "%s", flavors[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(try, try_send_on_an_unbounded_channel_always_succeeds)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(mpsc_try_send(tx, &i), MPSC_OK, "try_send %d", i);
    cr_assert_eq(mpsc_len(rx), 10000);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(try, try_send_on_a_full_bounded_channel_says_full_and_queues_nothing)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 2, &tx, &rx), MPSC_OK);
    int a = 1, b = 2, c = 3, out;
    cr_assert_eq(mpsc_try_send(tx, &a), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, &b), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, &c), MPSC_FULL);
    cr_assert_eq(mpsc_len(rx), 2);
    /* Room again after one receive. */
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 1);
    cr_assert_eq(mpsc_try_send(tx, &c), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, &c), MPSC_FULL);
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 2);
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 3, "the message refused with MPSC_FULL was queued after all");
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(try, try_send_on_a_full_large_bounded_channel_says_full_and_queues_nothing)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), UNIT_LARGE_BOUND, &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_capacity(rx), UNIT_LARGE_BOUND);
    for (int i = 0; i < (int)UNIT_LARGE_BOUND; i++)
        cr_assert_eq(mpsc_try_send(tx, &i), MPSC_OK, "message %d of the bound refused", i);
    int more = -1, out;
    cr_assert_eq(mpsc_try_send(tx, &more), MPSC_FULL);
    cr_assert_eq(mpsc_len(rx), UNIT_LARGE_BOUND);
    /* Room for exactly one after one receive. */
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 0);
    cr_assert_eq(mpsc_try_send(tx, &more), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, &more), MPSC_FULL);
    for (int i = 1; i < (int)UNIT_LARGE_BOUND; i++) {
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, i, "message %d arrived as %d", i, out);
    }
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, -1, "the message refused with MPSC_FULL was queued after all");
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(try, try_send_on_a_rendezvous_with_no_receiver_waiting_says_full)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    int msg = 1, out;
    cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_FULL);
    /* The refused message must not be waiting for the receiver either. */
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

struct waiting_receiver {
    mpsc_receiver *rx;
    int out;
    atomic_int started;
    mpsc_status st;
};

static void *recv_one(void *arg)
{
    struct waiting_receiver *w = arg;
    atomic_store(&w->started, 1);
    w->st = mpsc_recv(w->rx, &w->out);
    return NULL;
}

Test(try, try_send_on_a_rendezvous_hands_the_message_to_a_waiting_receiver, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    struct waiting_receiver w = {.rx = mpsc_share(rx), .out = -1};
    pthread_t t = unit_spawn(recv_one, &w);
    unit_wait_flag(&w.started);
    /* The receiver may not be blocked yet: retry until it is.  MPSC_FULL is
     * the only other answer allowed. */
    int msg = 31;
    mpsc_status st;
    while ((st = mpsc_try_send(tx, &msg)) == MPSC_FULL)
        unit_sleep_ms(1);
    cr_assert_eq(st, MPSC_OK, "try_send said %s", mpsc_status_str(st));
    unit_join(t);
    cr_assert_eq(w.st, MPSC_OK);
    cr_assert_eq(w.out, 31);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(try, try_recv_on_a_rendezvous_takes_the_message_of_a_blocked_sender, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    struct unit_sender b;
    pthread_t t = unit_spawn_sender(&b, mpsc_share(tx), 64);
    int out = 0;
    mpsc_status st;
    while ((st = mpsc_try_recv(rx, &out)) == MPSC_EMPTY)
        unit_sleep_ms(1);
    cr_assert_eq(st, MPSC_OK, "try_recv said %s", mpsc_status_str(st));
    cr_assert_eq(out, 64);
    unit_join(t);
    cr_assert_eq(b.st, MPSC_OK);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(try, try_recv_drains_then_says_disconnected_once_every_sender_is_gone)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(4), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        int sent = 0;
        if (flavors[f].bound > 0 || !flavors[f].bounded) {
            int one = 1;
            cr_assert_eq(mpsc_try_send(tx, &one), MPSC_OK);
            sent = 1;
        }
        mpsc_sender_drop(tx);
        int out = 0;
        if (sent) {
            cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK, "%s: the queued message was lost", flavors[f].name);
            cr_assert_eq(out, 1);
        }
        out = -3;
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_DISCONNECTED, "%s", flavors[f].name);
        cr_assert_eq(out, -3);
        /* And it keeps saying so. */
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_DISCONNECTED, "%s", flavors[f].name);
        mpsc_receiver_drop(rx);
    }
}

Test(try, try_send_after_the_receiver_is_dropped_says_disconnected)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(4), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        mpsc_allow_disconnected_send(tx);
        mpsc_receiver_drop(rx);
        int msg = 5;
        cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_DISCONNECTED, "%s", flavors[f].name);
        mpsc_sender_drop(tx);
    }
}

Test(try, try_send_on_a_full_channel_whose_receiver_is_gone_says_disconnected_not_full)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 1, &tx, &rx), MPSC_OK);
    mpsc_allow_disconnected_send(tx);
    int msg = 5;
    cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_OK);
    mpsc_receiver_drop(rx);
    cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_DISCONNECTED);
    mpsc_sender_drop(tx);
}

Test(try, unit_messages_fill_a_bounded_channel_like_any_other)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(0, 2, &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, NULL), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, NULL), MPSC_OK);
    cr_assert_eq(mpsc_try_send(tx, NULL), MPSC_FULL);
    cr_assert_eq(mpsc_try_recv(rx, NULL), MPSC_OK);
    cr_assert_eq(mpsc_try_recv(rx, NULL), MPSC_OK);
    cr_assert_eq(mpsc_try_recv(rx, NULL), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}
