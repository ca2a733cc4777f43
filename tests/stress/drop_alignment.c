/*
 * drop_alignment.c - the drop function gets a pointer to a message that is
 * aligned for a pointer-sized message on every flavor, so that the natural
 * drop function for pointer messages, free(*(void **)msg), is defined
 * behaviour (UBSan reports it otherwise, and strict-alignment machines trap).
 * Rust hands Drop a properly aligned &mut T.
 */
#include "stress.h"

#include <stdalign.h>

static int drops, misaligned;

static void drop_ptr(void *msg)
{
    drops++;
    if ((uintptr_t)msg % alignof(void *) != 0) {
        misaligned++;
        fprintf(stderr, "drop function got %p, not aligned for a void *\n", msg);
    }
    void *p;
    memcpy(&p, msg, sizeof p);
    free(p);
}

int main(void)
{
    stress_watchdog(60);
    int flavors = 0;
    for (size_t fi = 0; fi < STRESS_NFLAVORS; fi++) {
        const struct stress_flavor *fl = &stress_flavors[fi];
        if (fl->bounded && fl->bound < 4)
            continue; /* these cannot hold the messages below without a receiver */
        mpsc_config cfg = {.elem_size = sizeof(void *), .bounded = fl->bounded, .bound = fl->bound, .drop = drop_ptr};
        mpsc_sender *tx;
        mpsc_receiver *rx;
        STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
        for (int i = 0; i < 4; i++) {
            void *p = malloc(16);
            STRESS_CHECK(p != NULL);
            STRESS_EXPECT(mpsc_send(tx, &p), MPSC_OK);
        }
        int before = misaligned;
        mpsc_receiver_drop(rx);
        mpsc_sender_drop(tx);
        printf("%-14s %d of 4 dropped messages misaligned\n", fl->name, misaligned - before);
        flavors++;
    }
    STRESS_CHECK(drops == 4 * flavors);
    STRESS_CHECK(misaligned == 0);
    printf("drop_alignment: ok\n");
    return 0;
}
