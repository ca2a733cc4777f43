/* Main is already asleep in MPSC_FOR_EACH when the worker returns without
 * dropping its Sender, while main still holds the original tx: the worker's
 * exit makes the receive hopeless, and is reported at once. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

#include "ui.h"

static _Atomic pid_t main_tid;
static _Atomic int worker_ready;

static void *worker(void *arg)
{
    mpsc_sender *tx2 = arg;
    pthread_setname_np(pthread_self(), "worker");
    /* Using tx2 makes this thread its owner. */
    mpsc_sender *spare = mpsc_sender_clone(tx2);
    mpsc_sender_drop(spare);
    atomic_store(&worker_ready, 1);
    ui_wait_asleep(&main_tid); /* main is inside mpsc_recv */
    return NULL;               /* forgot mpsc_sender_drop(tx2) */
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender *tx2 = mpsc_sender_clone(tx);
    pthread_t t;
    pthread_create(&t, NULL, worker, mpsc_move(tx2));
    while (!atomic_load(&worker_ready))
        sched_yield();
    atomic_store(&main_tid, ui_tid());
    int received;
    MPSC_FOR_EACH(received, rx)
        ;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
