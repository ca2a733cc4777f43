/* Dropping the same Receiver twice: Rust's `drop(rx); drop(rx);` is error
 * E0382 too. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    mpsc_receiver_drop(rx);
    return 0;
}
