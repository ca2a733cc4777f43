//@ status: 0
/* Handles never dropped: a warning for each at exit, with where it was
 * made, as LeakSanitizer lists leaks. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender *tx2 = mpsc_sender_clone(tx);
    int v = 1;
    if (mpsc_send(tx2, &v) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    return 0;
}
