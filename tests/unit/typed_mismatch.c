/*
 * typed_mismatch.c - compiled (never linked) by tests in meson.build: with
 * -DWRONG_OUT it hands an int channel's recv a double *, with -DWRONG_MSG it
 * hands its send a string, and MPSC_DEFINE_CHANNEL's wrappers must make
 * each fail under -Werror.  With neither, the same code uses the right
 * types and must compile, which shows that the failures come from the
 * types and not from the setup.
 */
#include <mpsc.h>

MPSC_DEFINE_CHANNEL(ints, int)

int typed_mismatch(void);

int typed_mismatch(void)
{
    ints_sender *tx;
    ints_receiver *rx;
    if (ints_channel(&tx, &rx) != MPSC_OK)
        return 1;
#ifdef WRONG_OUT
    double out = 0;
#else
    int out = 0;
#endif
#ifdef WRONG_MSG
    const char *msg = "not an int";
#else
    int msg = 1;
#endif
    mpsc_status st = ints_send(tx, msg);
    if (st == MPSC_OK)
        st = ints_recv(rx, &out);
    ints_sender_drop(tx);
    ints_receiver_drop(rx);
    return st == MPSC_OK && out == 1 ? 0 : 1;
}
