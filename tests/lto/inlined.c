/*
 * inlined.c - a program in which the whole library can be inlined: it links
 * the static library, and the CI configuration `lto` (tools/ci-matrix.sh)
 * builds it with link-time optimisation and -Werror when linking.  There,
 * GCC 12 once warned about paths of the inlined library that never run (an
 * 8-byte `out` next to the 16-byte copy, the channel's own Sender handle
 * next to the free of a clone: chan.h, MPSC__HIDE), so a user's LTO build
 * with -Werror stopped.  In that configuration a returning warning fails
 * the build; in every configuration the program checks what it received.
 * The shape matters, as GCC warns only where it inlines: one function that
 * creates, uses and drops the channel reproduced both warnings with GCC
 * 12.2 against the library before the fix; the same with a second channel
 * made in another function reproduced only the first.
 */
#include <mpsc.h>

#include <stdint.h>
#include <stdio.h>

static int fail(const char *what)
{
    fprintf(stderr, "inlined: %s\n", what);
    return 1;
}

/* Sends 1..100 on one Sender, receives them, drops both handles: the shape
 * in which GCC 12 warned of both paths. */
int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(uint64_t), &tx, &rx) != MPSC_OK)
        return fail("mpsc_channel");
    for (uint64_t i = 1; i <= 100; i++)
        if (mpsc_send(tx, &i) != MPSC_OK)
            return fail("mpsc_send");
    uint64_t sum = 0, v;
    for (uint64_t i = 1; i <= 100; i++) {
        if (mpsc_recv(rx, &v) != MPSC_OK)
            return fail("mpsc_recv");
        sum += v;
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    if (sum != 5050)
        return fail("wrong messages");
    return 0;
}
