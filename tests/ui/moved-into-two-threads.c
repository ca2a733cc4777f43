/* Seed 000's broken program in C: both threads are given mpsc_move(tx), but
 * the first move already took it (Rust: error[E0382] use of moved value). */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

static void *worker(void *arg)
{
    mpsc_sender *tx = arg;
    const char *msg = "hello from a thread";
    if (mpsc_send(tx, &msg) != MPSC_OK)
        return NULL;
    mpsc_sender_drop(tx);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(const char *), &tx, &rx) != MPSC_OK)
        return 1;

    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, mpsc_move(tx));
    pthread_join(t1, NULL);

    pthread_create(&t2, NULL, worker, mpsc_move(tx));
    pthread_join(t2, NULL);

    const char *received;
    MPSC_FOR_EACH(received, rx)
        ;
    mpsc_receiver_drop(rx);
    return 0;
}
