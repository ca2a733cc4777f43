//@ status: 0
/* The legal form of the pool: a shared Receiver behind the program's own
 * mutex, several workers taking turns, the main thread's Sender dropped at
 * the end.  Nothing may be reported. */
#include <mpsc.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static mpsc_receiver *jobs;
static _Atomic int done;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        int job;
        pthread_mutex_lock(&lock);
        mpsc_status st = mpsc_recv(jobs, &job);
        pthread_mutex_unlock(&lock);
        if (st != MPSC_OK)
            return NULL;
        atomic_fetch_add(&done, 1);
    }
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    if (mpsc_channel(sizeof(int), &tx, &rx) != MPSC_OK)
        return 1;
    jobs = mpsc_share(rx);
    pthread_t workers[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&workers[i], NULL, worker, NULL);
    for (int i = 0; i < 100; i++)
        if (mpsc_send(tx, &i) != MPSC_OK)
            return 1;
    mpsc_sender_drop(tx);
    for (int i = 0; i < 4; i++)
        pthread_join(workers[i], NULL);
    mpsc_receiver_drop(rx);
    return atomic_load(&done) == 100 ? 0 : 1;
}
