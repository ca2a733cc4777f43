//@ status: 23
//@ env: MPSC_DEBUG_OPTIONS=leaks=error
/* With leaks=error a leak is an error exit (status 23, as LeakSanitizer). */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_sync_channel(sizeof(int), 1, &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    return 0;
}
