/*
 * seed003_multiple_values.c - the "Multiple values in the channel" program
 * of seeds/003_63944ff1f331ae03.txt: a thread sends 1 to 9, sleeping 10 ms
 * after each, and the main thread prints them as they come; the loop over
 * the Receiver ends when the thread's Sender is dropped.
 */
#include "example.h"

static void *count(void *arg)
{
    mpsc_sender *tx = arg;
    for (int i = 1; i < 10; i++) {
        UNWRAP(mpsc_send(tx, &i));
        sleep_ms(10);
    }
    mpsc_sender_drop(tx);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    UNWRAP(mpsc_channel(sizeof(int), &tx, &rx));

    pthread_t thread;
    UNWRAP_PTHREAD(pthread_create(&thread, NULL, count, mpsc_move(tx)));

    int i;
    MPSC_FOR_EACH(i, rx) {
        printf("%d\n", i);
    }
    mpsc_receiver_drop(rx);

    UNWRAP_PTHREAD(pthread_join(thread, NULL));
    return 0;
}
