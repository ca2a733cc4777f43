/* The classic hang of seeds 000, 003 and 004: the workers get clones, but
 * main never drops the original tx, so `for received in rx` never ends.
 * The debug build sees that the only live Sender is main's own. */
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
    for (int i = 0; i < 2; i++) {
        mpsc_sender *mine = mpsc_sender_clone(tx);
        pthread_t t;
        pthread_create(&t, NULL, worker, mpsc_move(mine));
        pthread_join(t, NULL); /* one at a time: the same report on every run */
    }

    int received;
    MPSC_FOR_EACH(received, rx)
        ;
    mpsc_receiver_drop(rx);
    return 0;
}
