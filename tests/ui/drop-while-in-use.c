/* A shared Sender dropped while another thread is still inside a send on
 * it (Rust: error[E0505], cannot move out of `tx` because it is borrowed);
 * the production library would free the handle under the sender. */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

#include "ui.h"

static mpsc_sender *shared_tx;
static _Atomic pid_t sender_tid;

static void *sender(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "sender");
    atomic_store(&sender_tid, ui_tid());
    int v = 2;
    if (mpsc_send(shared_tx, &v) != MPSC_OK) /* blocks: the channel is full */
        return NULL;
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_sync_channel(sizeof(int), 1, &tx, &rx) != MPSC_OK)
        return 1;
    int v = 1;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    shared_tx = mpsc_share(tx);
    mpsc_receiver *mine = mpsc_move(rx); /* held elsewhere, as far as the sender knows */
    pthread_t t;
    pthread_create(&t, NULL, sender, NULL);
    ui_wait_asleep(&sender_tid);
    mpsc_sender_drop(tx);
    pthread_join(t, NULL);
    mpsc_receiver_drop(mine);
    return 0;
}
