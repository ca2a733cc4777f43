/* A Sender cast to a Receiver: the production build would read the wrong
 * structure; the debug build knows what each handle is. */
#include <mpsc.h>

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    int v;
    if (mpsc_try_recv((mpsc_receiver *)(void *)tx, &v) != MPSC_EMPTY)
        return 1;
    return 0;
}
