/* The same hang found from the other side: main is already asleep in
 * mpsc_recv when the worker drops the last Sender that another thread held,
 * leaving only main's own tx.  The worker's drop reports it. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

#include "ui.h"

static _Atomic pid_t main_tid;

static void *worker(void *arg)
{
    mpsc_sender *tx2 = arg;
    pthread_setname_np(pthread_self(), "worker");
    ui_wait_asleep(&main_tid); /* main is inside mpsc_recv */
    mpsc_sender_drop(tx2);
    return NULL;
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
    atomic_store(&main_tid, ui_tid());
    int v;
    if (mpsc_recv(rx, &v) != MPSC_OK)
        return 1;
    return 0;
}
