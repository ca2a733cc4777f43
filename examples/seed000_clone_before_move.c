/*
 * seed000_clone_before_move.c - the "Correct Code" of
 * seeds/000_e19253518f029a62.txt ("Message Passing with Channels"): the
 * Sender is cloned before it is moved into the first thread, so that each
 * of two threads owns one, and the receiving loop ends once both are gone.
 */
#include "example.h"

/* thread::spawn(move || { tx.send("hello from thread 1").unwrap(); }):
 * the thread owns tx and drops it when it ends. */
static void *thread1(void *arg)
{
    mpsc_sender *tx = arg;
    const char *msg = "hello from thread 1";
    UNWRAP(mpsc_send(tx, &msg));
    mpsc_sender_drop(tx);
    return NULL;
}

static void *thread2(void *arg)
{
    mpsc_sender *tx2 = arg;
    const char *msg = "hello from thread 2";
    UNWRAP(mpsc_send(tx2, &msg));
    mpsc_sender_drop(tx2);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    UNWRAP(mpsc_channel(sizeof(const char *), &tx, &rx));

    /* Clone the sender BEFORE moving it into the first thread. */
    mpsc_sender *tx2 = UNWRAP_CLONE(mpsc_sender_clone(tx));

    pthread_t t1, t2;
    UNWRAP_PTHREAD(pthread_create(&t1, NULL, thread1, mpsc_move(tx)));
    UNWRAP_PTHREAD(pthread_create(&t2, NULL, thread2, mpsc_move(tx2)));

    /* The receiver will get both messages.  The loop ends when all senders
     * are dropped; like Rust's `for received in rx`, it consumes rx. */
    const char *received;
    MPSC_FOR_EACH(received, rx) {
        printf("Got: %s\n", received);
    }
    mpsc_receiver_drop(rx);

    /* Rust lets the process end without joining; C joins its threads. */
    UNWRAP_PTHREAD(pthread_join(t1, NULL));
    UNWRAP_PTHREAD(pthread_join(t2, NULL));
    return 0;
}
