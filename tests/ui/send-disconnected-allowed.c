//@ status: 0
/* A channel whose receiver goes away on purpose says so in code: the send
 * returns MPSC_DISCONNECTED, as in the production build, and nothing is
 * reported. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_allow_disconnected_send(tx);
    mpsc_receiver_drop(rx);
    int v = 1;
    if (mpsc_send(tx, &v) != MPSC_DISCONNECTED)
        return 1;
    if (mpsc_try_send(tx, &v) != MPSC_DISCONNECTED)
        return 1;
    mpsc_sender_drop(tx);
    return 0;
}
