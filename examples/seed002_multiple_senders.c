/*
 * seed002_multiple_senders.c - the "Multiple senders" program of
 * seeds/002_cf8d685241f7eeea.txt: tx is cloned into tx1 and each of two
 * threads sends one String through its own Sender.  (The seed's first
 * thread sends an undefined `msg1`; the correct program sends its `msg`.)
 */
#include "example.h"

static void *thread1(void *arg)
{
    mpsc_sender *tx = arg;
    const char *msg = "Hi from thread 1";
    UNWRAP(mpsc_send(tx, &msg));
    mpsc_sender_drop(tx);
    return NULL;
}

static void *thread2(void *arg)
{
    mpsc_sender *tx1 = arg;
    const char *msg1 = "Hi from thread 2";
    UNWRAP(mpsc_send(tx1, &msg1));
    mpsc_sender_drop(tx1);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    UNWRAP(mpsc_channel(sizeof(const char *), &tx, &rx));

    mpsc_sender *tx1 = UNWRAP_CLONE(mpsc_sender_clone(tx));

    pthread_t t1, t2;
    UNWRAP_PTHREAD(pthread_create(&t1, NULL, thread1, mpsc_move(tx)));
    UNWRAP_PTHREAD(pthread_create(&t2, NULL, thread2, mpsc_move(tx1)));

    const char *received;
    MPSC_FOR_EACH(received, rx) {
        printf("Message received: %s\n", received);
    }
    mpsc_receiver_drop(rx);

    UNWRAP_PTHREAD(pthread_join(t1, NULL));
    UNWRAP_PTHREAD(pthread_join(t2, NULL));
    return 0;
}
