/* Sending on a Sender after dropping it: Rust's `drop(tx); tx.send(..)` is
 * error E0382. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_sync_channel(sizeof(int), 4, &tx, &rx) != MPSC_OK)
        return 1;
    int v = 1;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);

    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    mpsc_receiver_drop(rx);
    return 0;
}
