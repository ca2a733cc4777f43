/*
 * test_disconnect.c - Rust's disconnection rules: the Receiver gets every
 * message sent before the last Sender was dropped and then
 * MPSC_DISCONNECTED; cloned Senders keep the channel open; once the
 * Receiver is gone every send form returns MPSC_DISCONNECTED and leaves the
 * message with the caller, untouched and never passed to the drop function.
 */
#include "unit.h"

#include <string.h>

static const struct unit_flavor all_flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(8), UNIT_RENDEZVOUS};

Test(disconnect, recv_returns_every_queued_message_before_saying_disconnected, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        for (int i = 0; i < 5; i++)
            cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
        mpsc_sender_drop(tx);
        for (int i = 0; i < 5; i++) {
            int out = -1;
            mpsc_status st = mpsc_recv(rx, &out);
            cr_assert_eq(st, MPSC_OK, "%s: message %d of 5 after the drop: %s", all_flavors[f].name, i,
                         mpsc_status_str(st));
            cr_assert_eq(out, i);
        }
        int out = -1;
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        cr_assert_eq(out, -1, "%s: a disconnected recv wrote to out", all_flavors[f].name);
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_DISCONNECTED, "%s: disconnection is for good", all_flavors[f].name);
        mpsc_receiver_drop(rx);
    }
}

Test(disconnect, recv_on_a_rendezvous_says_disconnected_once_the_only_sender_is_gone, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    mpsc_sender_drop(tx);
    int out;
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_DISCONNECTED);
    mpsc_receiver_drop(rx);
}

Test(disconnect, a_cloned_sender_keeps_the_channel_open_after_the_original_is_dropped, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        mpsc_sender *clone = mpsc_sender_clone(tx);
        cr_assert_not_null(clone);
        mpsc_sender_drop(tx);
        int out;
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY, "%s: disconnected with a clone alive", all_flavors[f].name);
        cr_assert_eq(mpsc_recv_timeout(rx, &out, 5 * UNIT_MS), MPSC_TIMEOUT, "%s", all_flavors[f].name);
        if (all_flavors[f].bound > 0 || !all_flavors[f].bounded) {
            int msg = 8;
            cr_assert_eq(mpsc_send(clone, &msg), MPSC_OK);
            cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
            cr_assert_eq(out, 8);
        }
        mpsc_sender_drop(clone);
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        mpsc_receiver_drop(rx);
    }
}

Test(disconnect, the_channel_disconnects_only_when_the_last_of_many_senders_is_dropped, .timeout = 10)
{
    enum { N = 10 };
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx[N];
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx[0], &rx);
        for (int i = 1; i < N; i++) {
            tx[i] = mpsc_sender_clone(tx[i / 2]);
            cr_assert_not_null(tx[i]);
        }
        /* Drop them in a scrambled order: 3, 6, 9, 2, 5, 8, 1, 4, 7, 0. */
        int out;
        for (int k = 1; k <= N; k++) {
            int i = (k * 3) % N;
            mpsc_sender_drop(tx[i]);
            mpsc_status want = k == N ? MPSC_DISCONNECTED : MPSC_EMPTY;
            mpsc_status st = mpsc_try_recv(rx, &out);
            cr_assert_eq(st, want, "%s: after dropping %d of %d senders: %s", all_flavors[f].name, k, N,
                         mpsc_status_str(st));
        }
        mpsc_receiver_drop(rx);
    }
}

struct dropper {
    mpsc_sender *tx;
    int nsend;
    atomic_int dropped;
    mpsc_status st;
};

/* Sends nsend messages 0, 1, ..., waits 30 ms, then drops its Sender. */
static void *send_then_drop(void *arg)
{
    struct dropper *d = arg;
    d->st = MPSC_OK;
    for (int i = 0; i < d->nsend && d->st == MPSC_OK; i++)
        d->st = mpsc_send(d->tx, &i);
    unit_sleep_ms(30);
    atomic_store(&d->dropped, 1);
    mpsc_sender_drop(d->tx);
    return NULL;
}

Test(disconnect, a_blocked_recv_wakes_with_disconnected_when_the_last_sender_is_dropped, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        struct dropper d = {.tx = mpsc_move(tx), .nsend = 3};
        pthread_t t = unit_spawn(send_then_drop, &d);
        int out;
        for (int i = 0; i < 3; i++) {
            cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK, "%s", all_flavors[f].name);
            cr_assert_eq(out, i);
        }
        mpsc_status st = mpsc_recv(rx, &out);
        cr_assert_eq(atomic_load(&d.dropped), 1, "%s: recv returned before the sender was dropped",
                     all_flavors[f].name);
        cr_assert_eq(st, MPSC_DISCONNECTED, "%s: %s", all_flavors[f].name, mpsc_status_str(st));
        unit_join(t);
        cr_assert_eq(d.st, MPSC_OK);
        mpsc_receiver_drop(rx);
    }
}

/* ---- sending to a dropped receiver ----------------------------------------- */

static atomic_int drop_calls;

static void count_drop(void *msg)
{
    (void)msg;
    atomic_fetch_add(&drop_calls, 1);
}

enum send_form { PLAIN_SEND, TRY_SEND, TIMED_SEND, ZERO_TIMED_SEND };

static mpsc_status send_by(enum send_form form, mpsc_sender *tx, const void *msg)
{
    switch (form) {
    case PLAIN_SEND: return mpsc_send(tx, msg);
    case TRY_SEND: return mpsc_try_send(tx, msg);
    case TIMED_SEND: return mpsc_send_timeout(tx, msg, 1000 * UNIT_MS);
    case ZERO_TIMED_SEND: return mpsc_send_timeout(tx, msg, 0);
    }
    return MPSC_EINVAL;
}

static const char *const form_names[] = {"send", "try_send", "send_timeout", "send_timeout(0)"};

Test(disconnect, every_send_form_says_disconnected_once_the_receiver_is_dropped_and_leaves_the_message_alone,
     .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        for (int form = PLAIN_SEND; form <= ZERO_TIMED_SEND; form++) {
            mpsc_sender *tx;
            mpsc_receiver *rx;
            atomic_store(&drop_calls, 0);
            unit_open(all_flavors[f], 64, count_drop, &tx, &rx);
            mpsc_allow_disconnected_send(tx);
            mpsc_receiver_drop(rx);
            unsigned char msg[64], copy[64];
            for (int i = 0; i < 64; i++)
                msg[i] = (unsigned char)(i * 7 + 1);
            memcpy(copy, msg, sizeof msg);
            mpsc_status st = send_by((enum send_form)form, tx, msg);
            cr_assert_eq(st, MPSC_DISCONNECTED, "%s, %s: %s", all_flavors[f].name, form_names[form],
                         mpsc_status_str(st));
            cr_assert_eq(memcmp(msg, copy, sizeof msg), 0, "%s, %s: the refused message was changed",
                         all_flavors[f].name, form_names[form]);
            mpsc_sender_drop(tx);
            cr_assert_eq(atomic_load(&drop_calls), 0, "%s, %s: the refused message was passed to drop",
                         all_flavors[f].name, form_names[form]);
        }
    }
}

static void free_pointer(void *msg)
{
    void *p;
    memcpy(&p, msg, sizeof p);
    free(p);
    atomic_fetch_add(&drop_calls, 1);
}

Test(disconnect, a_refused_pointer_message_still_belongs_to_the_caller, .timeout = 10)
{
    /* Rust's SendError(T) hands the value back.  Here the caller frees the
     * pointee after the refusal: if the channel had also kept it (and passed
     * it to drop when freed), the sanitizer build reports a double free. */
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        atomic_store(&drop_calls, 0);
        unit_open(all_flavors[f], sizeof(char *), free_pointer, &tx, &rx);
        mpsc_allow_disconnected_send(tx);
        int queued = 0;
        if (all_flavors[f].bound > 0 || !all_flavors[f].bounded) {
            char *early = strdup("queued before the receiver left");
            cr_assert_eq(mpsc_send(tx, &early), MPSC_OK);
            queued = 1;
        }
        mpsc_receiver_drop(rx);
        cr_assert_eq(atomic_load(&drop_calls), queued, "%s: the queued message was not dropped",
                     all_flavors[f].name);
        char *late = strdup("refused");
        char *const sent = late;
        cr_assert_eq(mpsc_send(tx, &late), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        cr_assert_eq(late, sent);
        cr_assert_str_eq(late, "refused");
        mpsc_sender_drop(tx);
        cr_assert_eq(atomic_load(&drop_calls), queued, "%s: the refused message was passed to drop",
                     all_flavors[f].name);
        free(late);
    }
}

Test(disconnect, a_bounded_channel_with_room_refuses_sends_once_the_receiver_is_dropped)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 4, &tx, &rx), MPSC_OK);
    mpsc_allow_disconnected_send(tx);
    int msg = 1;
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
    mpsc_receiver_drop(rx);
    cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_DISCONNECTED);
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_DISCONNECTED);
    mpsc_sender_drop(tx);
}

Test(disconnect, every_clone_sees_the_receiver_gone, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        mpsc_allow_disconnected_send(tx);
        mpsc_sender *clone = mpsc_sender_clone(tx);
        cr_assert_not_null(clone);
        mpsc_receiver_drop(rx);
        int msg = 2;
        cr_assert_eq(mpsc_send(tx, &msg), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        cr_assert_eq(mpsc_send(clone, &msg), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        /* A clone made after the receiver left is disconnected too. */
        mpsc_sender *late = mpsc_sender_clone(clone);
        cr_assert_not_null(late);
        cr_assert_eq(mpsc_send(late, &msg), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        mpsc_sender_drop(late);
        mpsc_sender_drop(clone);
        mpsc_sender_drop(tx);
    }
}

Test(disconnect, dropping_the_receiver_first_and_the_senders_after_frees_everything, .timeout = 10)
{
    /* Both orders, with messages queued; the sanitizer build checks that the
     * channel is freed exactly once. */
    for (size_t f = 0; f < 2; f++) {
        for (int receiver_first = 0; receiver_first < 2; receiver_first++) {
            mpsc_sender *tx;
            mpsc_receiver *rx;
            unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
            mpsc_sender *clone = mpsc_sender_clone(tx);
            cr_assert_not_null(clone);
            for (int i = 0; i < 8; i++)
                cr_assert_eq(mpsc_send(i % 2 ? tx : clone, &i), MPSC_OK);
            if (receiver_first)
                mpsc_receiver_drop(rx);
            mpsc_sender_drop(tx);
            mpsc_sender_drop(clone);
            if (!receiver_first)
                mpsc_receiver_drop(rx);
        }
    }
}
