//@ status: 0
//@ env: MPSC_DEBUG_OPTIONS=allow_disconnected_send=1
/* The same opt-out for the whole program, from the environment. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_sync_channel(sizeof(int), 1, &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_receiver_drop(rx);
    int v = 1;
    if (mpsc_send_timeout(tx, &v, 1000) != MPSC_DISCONNECTED)
        return 1;
    mpsc_sender_drop(tx);
    return 0;
}
