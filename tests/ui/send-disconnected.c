/* Sending after the Receiver was dropped: the production build returns
 * MPSC_DISCONNECTED; Rust's `tx.send(x).unwrap()` panics.  The debug build
 * aborts with where the Receiver went and what it left queued. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

static void *consumer(void *arg)
{
    mpsc_receiver *rx = arg;
    pthread_setname_np(pthread_self(), "consumer");
    int v;
    if (mpsc_recv(rx, &v) != MPSC_OK)
        return NULL;
    mpsc_receiver_drop(rx); /* gives up after one message */
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        if (mpsc_send(tx, &i) != MPSC_OK)
            return 1;
    pthread_t t;
    pthread_create(&t, NULL, consumer, mpsc_move(rx));
    pthread_join(t, NULL);

    int v = 3;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    return 0;
}
