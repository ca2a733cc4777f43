/* A pointer that no call of the library returned: an uninitialised handle
 * (here, one pointing into the program's own data). */
#include <mpsc.h>

static long not_a_channel[4];

int main(void)
{
    mpsc_sender *tx = (mpsc_sender *)(void *)&not_a_channel[1];
    int v = 1;
    if (mpsc_send(tx, &v) != MPSC_OK)
        return 1;
    return 0;
}
