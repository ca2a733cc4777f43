//@ status: 0
//@ env: MPSC_DEBUG_OPTIONS=trace=/dev/stderr:history=4
/* trace=PATH writes each lifecycle event as one JSON line (here to stderr,
 * so that it is compared like a diagnostic). */
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
    mpsc_config cfg = {.elem_size = sizeof(int), .name = "jobs"};
    if (mpsc_channel_new(&cfg, &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender *tx2 = mpsc_sender_clone(tx);
    pthread_t t;
    pthread_create(&t, NULL, worker, mpsc_move(tx2));
    pthread_join(t, NULL);
    mpsc_sender_drop(tx);
    int v, n = 0;
    MPSC_FOR_EACH(v, rx)
        n++;
    mpsc_receiver_drop(rx);
    return n == 1 ? 0 : 1;
}
