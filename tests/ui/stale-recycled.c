/* A stale handle whose memory was recycled: the production library frees a
 * dropped clone, and malloc hands the same memory to the next clone, so in
 * a production build the stale `tx2` would silently send as `tx3`.  The
 * debug build still knows it for the dropped Sender it is: error E0382,
 * with a note on who owns that memory now. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender *tx2 = mpsc_sender_clone(tx);
    mpsc_sender_drop(tx2);
    mpsc_sender *tx3 = mpsc_sender_clone(tx);

    int v = 7;
    if (mpsc_send(tx2, &v) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx3);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
