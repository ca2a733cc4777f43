/* Seed 000 without `move`: the raw handle is passed to a thread that sends
 * on it, while main still owns it (Rust: error[E0373], the closure borrows
 * `tx`, which is owned by the current function). */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

static void *worker(void *arg)
{
    mpsc_sender *tx = arg;
    pthread_setname_np(pthread_self(), "worker");
    const char *msg = "hello from a thread";
    if (mpsc_send(tx, &msg) != MPSC_OK)
        return NULL;
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(const char *), &tx, &rx) != MPSC_OK)
        return 1;
    const char *msg = "hello from main";
    if (mpsc_send(tx, &msg) != MPSC_OK)
        return 1;
    pthread_t t;
    pthread_create(&t, NULL, worker, tx);
    pthread_join(t, NULL);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
