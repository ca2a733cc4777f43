/* When the source file cannot be read at run time the diagnostic keeps its
 * layout without the quoted lines (the #line below names a file that does
 * not exist). */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
#line 10 "gone/no-such-file.c"
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    mpsc_sender_drop(tx);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    return 0;
}
