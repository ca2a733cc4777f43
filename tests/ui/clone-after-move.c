/* Cloning a Sender after moving it (seed 000's lesson: clone before you
 * move): error E0382. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

static void *worker(void *arg)
{
    mpsc_sender *tx = arg;
    int v = 1;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return NULL;
    mpsc_sender_drop(tx);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, mpsc_move(tx));
    pthread_join(t1, NULL);

    mpsc_sender *tx2 = mpsc_sender_clone(tx);
    pthread_create(&t2, NULL, worker, mpsc_move(tx2));
    pthread_join(t2, NULL);
    mpsc_receiver_drop(rx);
    return 0;
}
