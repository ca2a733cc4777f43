//@ status: 0
//@ env: MPSC_DEBUG_OPTIONS=leaks=warn:colour=1
/* An option that is not understood is reported, not ignored silently. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
