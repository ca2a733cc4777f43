/* Seed 004's blocking deadlock: a bounded channel filled by the thread that
 * also holds its only Receiver.  The third send waits for a receive that
 * this very thread would have to make. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_sync_channel(sizeof(int), 2, &tx, &rx) != MPSC_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        if (mpsc_send(tx, &i) != MPSC_OK)
            return 1;
    int v;
    while (mpsc_try_recv(rx, &v) == MPSC_OK)
        ;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
