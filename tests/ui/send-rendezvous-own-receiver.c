/* A rendezvous channel, sync_channel(0), sent on by the thread that holds
 * its Receiver: no other thread can take the message. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_sync_channel(sizeof(int), 0, &tx, &rx) != MPSC_OK)
        return 1;
    int v = 42;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    if (mpsc_recv(rx, &v) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
