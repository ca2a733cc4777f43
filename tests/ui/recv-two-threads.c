/* Two threads receive on one Receiver at the same time.  mpsc_share(rx)
 * lets several threads use it, one at a time (the Rust book's pool keeps it
 * in Arc<Mutex<Receiver>>), but without the mutex this is error E0277: the
 * Receiver is not Sync. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

#include "ui.h"

static mpsc_receiver *shared_rx;
static _Atomic pid_t first_tid;

static void *first(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "first");
    atomic_store(&first_tid, ui_tid());
    int job;
    if (mpsc_recv(shared_rx, &job) != MPSC_OK)
        return NULL;
    return NULL;
}

static void *second(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "second");
    int job;
    if (mpsc_recv(shared_rx, &job) != MPSC_OK)
        return NULL;
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    shared_rx = mpsc_share(rx);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, first, NULL);
    ui_wait_asleep(&first_tid); /* inside mpsc_recv, waiting for a job */
    pthread_create(&t2, NULL, second, NULL);
    pthread_join(t2, NULL);
    mpsc_sender_drop(tx);
    pthread_join(t1, NULL);
    mpsc_receiver_drop(rx);
    return 0;
}
