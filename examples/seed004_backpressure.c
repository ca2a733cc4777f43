/*
 * seed004_backpressure.c - "Backpressure with Synchronous Channel" from
 * seeds/004_7fc8807ac7d34bd3.txt: a producer sends 0 to 4 into
 * sync_channel(2) and a slow consumer receives them; the producer blocks
 * whenever two values are waiting.
 * The Rust program waits 1 s before receiving and 500 ms after each value;
 * this one waits a tenth of that (100 ms, 50 ms) so the examples stay fast.
 * It prints the same lines; which of "Received n" and "Sending n+3" comes
 * first depends on scheduling, so the test compares them as a set and the
 * program checks the backpressure itself.
 */
#include "example.h"

#include <stdatomic.h>

#define BOUND 2

MPSC_DEFINE_CHANNEL(int_chan, int)

/* Sends the producer has completed.  Relaxed is enough for the check's
 * upper bound: a send beyond the bound can only complete after the
 * consumer's next receive, which the channel orders after the check, and a
 * load never reads a store that happens after it. */
static atomic_int sent;

/* Producer thread */
static void *produce(void *arg)
{
    int_chan_sender *tx = arg;
    for (int i = 0; i < 5; i++) {
        printf("Sending %d\n", i);
        UNWRAP(int_chan_send(tx, i)); /* Blocks if channel is full */
        atomic_fetch_add_explicit(&sent, 1, memory_order_relaxed);
    }
    int_chan_sender_drop(tx);
    return NULL;
}

static void backpressure_example(void)
{
    int_chan_sender *tx;
    int_chan_receiver *rx;
    UNWRAP(int_chan_sync_channel(BOUND, &tx, &rx)); /* Bounded channel with capacity 2 */

    pthread_t producer;
    UNWRAP_PTHREAD(pthread_create(&producer, NULL, produce, mpsc_move(tx)));

    /* Consumer thread (slow) */
    sleep_ms(100);
    int val;
    while (RECEIVED(int_chan_recv(rx, &val))) {
        printf("Received %d\n", val);
        /* With val + 1 values received, at most BOUND more can have been
         * sent: a channel that let the producer run further ahead would
         * have no backpressure. */
        int ahead = atomic_load_explicit(&sent, memory_order_relaxed) - (val + 1);
        if (ahead > BOUND) {
            fprintf(stderr, "the producer ran %d values ahead of a channel of %d\n", ahead, BOUND);
            exit(1);
        }
        sleep_ms(50);
    }
    int_chan_receiver_drop(rx);

    UNWRAP_PTHREAD(pthread_join(producer, NULL));
}

int main(void)
{
    backpressure_example();
    return 0;
}
