/* The typed wrappers of MPSC_DEFINE_CHANNEL are static inline functions of
 * mpsc.h, so the site they report is the MPSC_DEFINE_CHANNEL line; the
 * handle's name and the history still tell which call it was. */
#include <mpsc.h>

MPSC_DEFINE_CHANNEL(ints, int)

int main(void)
{
    ints_sender *tx;
    ints_receiver *rx;
    if (ints_channel(&tx, &rx) != MPSC_OK)
        return 1;
    ints_sender_drop(tx);
    if (ints_send(tx, 1) != MPSC_OK)
        return 1;
    ints_receiver_drop(rx);
    return 0;
}
