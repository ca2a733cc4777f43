/*
 * seed002_hello.c - the first program of seeds/002_cf8d685241f7eeea.txt
 * ("Usage"): a thread sends one String and the main thread receives and
 * prints it.  The seed's `.unwwarp()` is a typo for `.unwrap()`.
 */
#include "example.h"

/* thread::spawn(move || { ...; tx.send(my_message).unwrap(); }) */
static void *send_greeting(void *arg)
{
    mpsc_sender *tx = arg;
    const char *my_message = "Hi from a foreign world!";
    UNWRAP(mpsc_send(tx, &my_message));
    mpsc_sender_drop(tx);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    UNWRAP(mpsc_channel(sizeof(const char *), &tx, &rx));

    pthread_t thread;
    UNWRAP_PTHREAD(pthread_create(&thread, NULL, send_greeting, mpsc_move(tx)));

    const char *received_message;
    UNWRAP(mpsc_recv(rx, &received_message));
    printf("%s\n", received_message);

    UNWRAP_PTHREAD(pthread_join(thread, NULL));
    mpsc_receiver_drop(rx);
    return 0;
}
