//@ env: MPSC_DEBUG_OPTIONS=tombstones=2
/* A stale handle whose full record was recycled (only 2 tombstones kept
 * here): its token still reads as a retired Sender, never as a live one. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *first, *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    first = tx;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    for (int i = 0; i < 3; i++) {
        if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
            return 1;
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
    mpsc_sender_drop(first);
    return 0;
}
