/* Seed 004's thread pool written with moves: the one Receiver is moved into
 * every worker of the loop.  Rust: error[E0382] use of moved value: `rx`,
 * "value moved here, in previous iteration of loop". */
#include <mpsc.h>

#include <pthread.h>
#include <stddef.h>

/* Held by main while it starts the workers, so that none touches its
 * Receiver before the loop is done: the report is the same on every run. */
static pthread_mutex_t start = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    mpsc_receiver *rx = arg;
    pthread_mutex_lock(&start);
    pthread_mutex_unlock(&start);
    int job;
    MPSC_FOR_EACH(job, rx)
        ;
    mpsc_receiver_drop(rx);
    return NULL;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    pthread_t workers[4];
    pthread_mutex_lock(&start);
    for (int i = 0; i < 4; i++)
        pthread_create(&workers[i], NULL, worker, mpsc_move(rx));
    pthread_mutex_unlock(&start);
    mpsc_sender_drop(tx);
    for (int i = 0; i < 4; i++)
        pthread_join(workers[i], NULL);
    return 0;
}
