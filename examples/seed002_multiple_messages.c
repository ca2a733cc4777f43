/*
 * seed002_multiple_messages.c - the "Multiple messages" program of
 * seeds/002_cf8d685241f7eeea.txt: one thread sends three Strings and the
 * main thread prints each as it arrives, iterating over the Receiver.
 */
#include "example.h"

static void *send_words(void *arg)
{
    mpsc_sender *tx = arg;
    const char *vals[] = {"My", "Big", "Message"};

    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        UNWRAP(mpsc_send(tx, &vals[i]));
    }
    mpsc_sender_drop(tx);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    UNWRAP(mpsc_channel(sizeof(const char *), &tx, &rx));

    pthread_t thread;
    UNWRAP_PTHREAD(pthread_create(&thread, NULL, send_words, mpsc_move(tx)));

    /* for received in rx: ends once the thread has dropped tx. */
    const char *received;
    MPSC_FOR_EACH(received, rx) {
        printf("Got: %s\n", received);
    }
    mpsc_receiver_drop(rx);

    UNWRAP_PTHREAD(pthread_join(thread, NULL));
    return 0;
}
