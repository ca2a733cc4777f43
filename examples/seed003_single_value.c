/*
 * seed003_single_value.c - the first program of
 * seeds/003_63944ff1f331ae03.txt: a thread sends the String "hi" and the
 * main thread receives it with recv().  It uses the typed wrappers of
 * MPSC_DEFINE_CHANNEL, the C counterpart of Rust's Sender<String>.
 */
#include "example.h"

MPSC_DEFINE_CHANNEL(str_chan, const char *)

/* The sender thread needs ownership of both tx and the value it sends. */
static void *send_hi(void *arg)
{
    str_chan_sender *tx = arg;
    const char *val = "hi";
    UNWRAP(str_chan_send(tx, val));
    str_chan_sender_drop(tx);
    return NULL;
}

int main(void)
{
    str_chan_sender *tx;
    str_chan_receiver *rx;
    UNWRAP(str_chan_channel(&tx, &rx));

    pthread_t thread;
    UNWRAP_PTHREAD(pthread_create(&thread, NULL, send_hi, mpsc_move(tx)));

    /* recv() blocks until the value arrives. */
    const char *received;
    UNWRAP(str_chan_recv(rx, &received));
    printf("Got: %s\n", received);

    UNWRAP_PTHREAD(pthread_join(thread, NULL));
    str_chan_receiver_drop(rx);
    return 0;
}
