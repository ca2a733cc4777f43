/*
 * seed004_worker_pool.c - "Worker Pool with Graceful Shutdown" from
 * seeds/004_7fc8807ac7d34bd3.txt, as it has to be written to compile.  The
 * seed moves its one Receiver into every worker's closure, which Rust
 * rejects (E0382: use of moved value); the version that compiles is the Rust
 * book's thread pool: Arc<Mutex<Receiver<Task>>>, each worker receiving
 * under the lock.  Here the Receiver sits behind the program's own mutex and
 * is marked with mpsc_share, which tells the debug build that several
 * threads use it on purpose.  The seed also hands each worker a clone of the
 * task Sender that it never uses; following the seed's own advice ("each
 * worker owning a cloned Sender for results"), each worker owns a clone of
 * a results Sender instead, reports every task it processed, and the
 * results loop ends when the last worker has dropped its clone.
 */
#include "example.h"

#include <inttypes.h>
#include <stdint.h>

/* enum Task { Work(u32), Shutdown } */
enum task_kind { TASK_WORK, TASK_SHUTDOWN };

struct task {
    enum task_kind kind;
    uint32_t data; /* Work's payload */
};

/* What a worker sends back for each task it processed. */
struct report {
    size_t worker;
    uint32_t data;
};

MPSC_DEFINE_CHANNEL(task_chan, struct task)
MPSC_DEFINE_CHANNEL(report_chan, struct report)

/* Arc<Mutex<Receiver<Task>>>: the one task Receiver, used by one worker at
 * a time under the lock.  Lives on worker_pool's stack until every worker
 * has been joined. */
struct shared_receiver {
    pthread_mutex_t lock;
    task_chan_receiver *rx;
};

/* One worker's closure: written by worker_pool before the thread starts,
 * owned by the thread afterwards (reports is moved into it). */
struct worker {
    size_t id;
    struct shared_receiver *tasks;
    report_chan_sender *reports;
    pthread_t thread;
};

/* Receives the next task: the lock is held for the receive only and
 * released before the task runs, as in the Rust book's pool (`let task =
 * rx.lock().unwrap().recv();`). */
static mpsc_status next_task(struct shared_receiver *tasks, struct task *task)
{
    UNWRAP_PTHREAD(pthread_mutex_lock(&tasks->lock));
    mpsc_status status = task_chan_recv(tasks->rx, task);
    UNWRAP_PTHREAD(pthread_mutex_unlock(&tasks->lock));
    return status;
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    struct task task;

    while (RECEIVED(next_task(w->tasks, &task))) {
        if (task.kind == TASK_SHUTDOWN)
            break;
        printf("Worker %zu processing %" PRIu32 "\n", w->id, task.data);
        sleep_ms(100);
        UNWRAP(report_chan_send(w->reports, (struct report){.worker = w->id, .data = task.data}));
    }
    printf("Worker %zu shutting down\n", w->id);
    report_chan_sender_drop(w->reports);
    return NULL;
}

#define NUM_TASKS 10

static void worker_pool(size_t num_workers)
{
    task_chan_sender *tx;
    task_chan_receiver *rx;
    UNWRAP(task_chan_channel(&tx, &rx));
    report_chan_sender *report_tx;
    report_chan_receiver *report_rx;
    UNWRAP(report_chan_channel(&report_tx, &report_rx));

    struct shared_receiver tasks = {.rx = mpsc_share(rx)};
    UNWRAP_PTHREAD(pthread_mutex_init(&tasks.lock, NULL));

    /* Spawn workers */
    struct worker *workers = calloc(num_workers, sizeof *workers);
    if (workers == NULL) {
        perror("calloc");
        abort();
    }
    for (size_t id = 0; id < num_workers; id++) {
        report_chan_sender *tx_clone = UNWRAP_CLONE(report_chan_sender_clone(report_tx));
        workers[id] = (struct worker){.id = id, .tasks = &tasks, .reports = mpsc_move(tx_clone)};
        UNWRAP_PTHREAD(pthread_create(&workers[id].thread, NULL, run_worker, &workers[id]));
    }
    /* The workers hold the only result Senders now: once they have all
     * dropped theirs, the results loop below ends. */
    report_chan_sender_drop(report_tx);

    /* Send work */
    for (uint32_t i = 0; i < NUM_TASKS; i++) {
        UNWRAP(task_chan_send(tx, (struct task){.kind = TASK_WORK, .data = i}));
    }

    /* Signal shutdown */
    for (size_t i = 0; i < num_workers; i++) {
        UNWRAP(task_chan_send(tx, (struct task){.kind = TASK_SHUTDOWN}));
    }

    /* Every task must come back exactly once, from a worker of this pool. */
    unsigned done[NUM_TASKS] = {0};
    struct report report;
    while (RECEIVED(report_chan_recv(report_rx, &report))) {
        if (report.worker >= num_workers || report.data >= NUM_TASKS || done[report.data]++ != 0) {
            fprintf(stderr, "unexpected report: worker %zu, task %" PRIu32 "\n", report.worker, report.data);
            exit(1);
        }
    }
    for (size_t i = 0; i < NUM_TASKS; i++) {
        if (done[i] != 1) {
            fprintf(stderr, "task %zu was never processed\n", i);
            exit(1);
        }
    }
    report_chan_receiver_drop(report_rx);

    /* Wait for workers to finish */
    for (size_t id = 0; id < num_workers; id++) {
        UNWRAP_PTHREAD(pthread_join(workers[id].thread, NULL));
    }
    free(workers);

    /* What Rust drops when worker_pool returns: tx, and the last Arc of
     * the shared Receiver. */
    task_chan_sender_drop(tx);
    task_chan_receiver_drop(tasks.rx);
    UNWRAP_PTHREAD(pthread_mutex_destroy(&tasks.lock));
}

int main(void)
{
    worker_pool(4);
    return 0;
}
