/* A worker returns without dropping its Sender: the channel can never
 * disconnect.  Once the worker has exited and main still holds its own tx,
 * main's receive can never finish. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

static void *worker(void *arg)
{
    mpsc_sender *tx = arg;
    pthread_setname_np(pthread_self(), "worker");
    int v = 1;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return NULL;
    return NULL; /* forgot mpsc_sender_drop(tx) */
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    pthread_t t;
    pthread_create(&t, NULL, worker, mpsc_move(tx));
    pthread_join(t, NULL);
    int received;
    MPSC_FOR_EACH(received, rx)
        ;
    mpsc_receiver_drop(rx);
    return 0;
}
