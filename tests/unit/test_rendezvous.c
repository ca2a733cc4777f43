/*
 * test_rendezvous.c - sync_channel(0): nothing is buffered, so send returns
 * only once the receiver has taken the message, a waiting sender wakes with
 * MPSC_DISCONNECTED when the receiver is dropped, and each message goes to
 * exactly one receive.
 */
#include "unit.h"

struct rendezvous_sender {
    mpsc_sender *tx;
    int n;
    atomic_int *recv_calls; /* how many recv calls the receiver has started */
    atomic_int started;
    atomic_int returned;    /* how many sends have returned */
    int early;              /* sends that returned before their recv was called */
    uint64_t first_returned_at;
    mpsc_status st;
};

/* Sends 0, 1, ..., n-1.  Send i may only return once the receiver has
 * called recv for the (i+1)-th time. */
static void *send_checking_order(void *arg)
{
    struct rendezvous_sender *s = arg;
    atomic_store(&s->started, 1);
    s->st = MPSC_OK;
    for (int i = 0; i < s->n && s->st == MPSC_OK; i++) {
        s->st = mpsc_send(s->tx, &i);
        if (i == 0)
            s->first_returned_at = unit_now_ns();
        if (atomic_load(s->recv_calls) < i + 1)
            s->early++;
        atomic_fetch_add(&s->returned, 1);
    }
    return NULL;
}

Test(rendezvous, send_returns_only_after_the_receiver_has_taken_the_message, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    atomic_int recv_calls = 0;
    struct rendezvous_sender s = {.tx = mpsc_share(tx), .n = 200, .recv_calls = &recv_calls};
    pthread_t t = unit_spawn(send_checking_order, &s);

    /* With nobody receiving, the first send must stay blocked. */
    unit_wait_flag(&s.started);
    unit_sleep_ms(30);
    cr_assert_eq(atomic_load(&s.returned), 0, "send returned with no receiver");
    cr_assert_eq(mpsc_len(rx), 0);

    int out;
    uint64_t recv_started = unit_now_ns();
    atomic_fetch_add(&recv_calls, 1);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 0);
    /* The rest without pauses: the receiver announces each recv just before
     * it calls it, and the sender checks the announcement after each send. */
    for (int i = 1; i < s.n; i++) {
        atomic_fetch_add(&recv_calls, 1);
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, i);
    }
    unit_join(t);
    cr_assert_eq(s.st, MPSC_OK);
    cr_assert_geq(s.first_returned_at, recv_started, "the first send returned before recv was called");
    cr_assert_eq(s.early, 0, "%d of %d sends returned before the receiver had called recv", s.early, s.n);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(rendezvous, len_is_zero_even_while_a_sender_waits, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    struct unit_sender s;
    pthread_t t = unit_spawn_sender(&s, mpsc_share(tx), 3);
    unit_wait_flag(&s.started);
    unit_sleep_ms(10);
    cr_assert_eq(mpsc_len(rx), 0);
    cr_assert_eq(mpsc_capacity(rx), 0);
    unit_recv_from(rx, &s, t);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

static atomic_int drop_calls;

static void count_drop(void *msg)
{
    (void)msg;
    atomic_fetch_add(&drop_calls, 1);
}

Test(rendezvous, a_waiting_send_wakes_with_disconnected_when_the_receiver_is_dropped, .timeout = 10)
{
    mpsc_config cfg = {.elem_size = sizeof(int), .bounded = true, .bound = 0, .drop = count_drop};
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    mpsc_allow_disconnected_send(tx);
    atomic_store(&drop_calls, 0);
    struct unit_sender s;
    pthread_t t = unit_spawn_sender(&s, mpsc_share(tx), 21);
    unit_assert_still_blocked(&s, 30, "with no receiver");
    mpsc_receiver_drop(rx);
    unit_join(t);
    cr_assert_eq(s.st, MPSC_DISCONNECTED, "the woken send said %s", mpsc_status_str(s.st));
    cr_assert_eq(s.msg, 21);
    mpsc_sender_drop(tx);
    /* The message was never the channel's, so it is not the channel's to drop. */
    cr_assert_eq(atomic_load(&drop_calls), 0, "the refused message was passed to drop");
}

Test(rendezvous, each_waiting_sender_hands_over_exactly_one_message, .timeout = 10)
{
    enum { SENDERS = 3 };
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    struct unit_sender s[SENDERS];
    pthread_t t[SENDERS];
    for (int i = 0; i < SENDERS; i++)
        t[i] = unit_spawn_sender(&s[i], mpsc_share(tx), i);
    for (int i = 0; i < SENDERS; i++)
        unit_wait_flag(&s[i].started);
    unit_sleep_ms(20);
    int seen = 0, out;
    for (int i = 0; i < SENDERS; i++) {
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert(out >= 0 && out < SENDERS && !(seen & 1 << out), "message %d unexpected or repeated", out);
        seen |= 1 << out;
    }
    for (int i = 0; i < SENDERS; i++) {
        unit_join(t[i]);
        cr_assert_eq(s[i].st, MPSC_OK);
    }
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY, "a message was delivered twice");
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(rendezvous, a_taken_message_is_not_received_again, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    struct unit_sender s;
    pthread_t t = unit_spawn_sender(&s, mpsc_share(tx), 5);
    unit_recv_from(rx, &s, t);
    int out;
    cr_assert_eq(mpsc_recv_timeout(rx, &out, 5 * UNIT_MS), MPSC_TIMEOUT);
    mpsc_sender_drop(tx);
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_DISCONNECTED);
    mpsc_receiver_drop(rx);
}

/* A receive that timed out has left: a sender that comes later must not
 * hand its message to it (the receiver's packet lives in the channel,
 * flavor_zero.c), but wait for the next receive, which gets it. */
Test(rendezvous, a_send_after_a_timed_out_receive_waits_for_the_next_receive, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    int out = -1, msg = 7;
    cr_assert_eq(mpsc_recv_timeout(rx, &out, 2 * UNIT_MS), MPSC_TIMEOUT);
    cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_FULL, "try_send handed its message to a receive that timed out");
    cr_assert_eq(mpsc_send_timeout(tx, &msg, 2 * UNIT_MS), MPSC_TIMEOUT);
    cr_assert_eq(out, -1, "the timed-out receive's buffer was written");
    struct unit_sender s;
    pthread_t t = unit_spawn_sender(&s, mpsc_share(tx), 9);
    unit_recv_from(rx, &s, t);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}
