/* Moving tx into a thread and then sending on it in main: Rust's
 * `thread::spawn(move || ..tx..); tx.send(..)` is error E0382. */
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
    mpsc_sender_drop(tx);
    return NULL;
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

    int v = 2;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    mpsc_receiver_drop(rx);
    return 0;
}
