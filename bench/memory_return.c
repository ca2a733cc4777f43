/*
 * memory_return.c - does memory come back after a burst?  (Performance issue:
 * once 5,000,000 queued messages are received, resident memory returns to
 * within 1 MiB of where it started; users of flume and tokio reported bursts
 * whose memory never came back.)  Resident set size is read from
 * /proc/self/statm before the burst, at its peak, after every message has been
 * received (the channel still open), and after both handles are dropped.
 *
 * Cases: `seq` (the main thread sends N, then receives N) and `thread` (a
 * producer thread sends N and exits, then the main thread receives N: the
 * blocks come from another thread's malloc arena, the situation behind the
 * reports above).  Output: one line per case,
 * `memory CASE before_kib peak_kib after_recv_kib after_drop_kib`;
 * exit status 1 if after_recv exceeds before by more than 1 MiB.
 */
#include <mpsc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEFAULT_N 5000000u
#define LIMIT_KIB 1024

/* Resident set size of the process in KiB (second field of /proc/self/statm). */
static long rss_kib(void)
{
    long size, resident;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2) {
        perror("/proc/self/statm");
        exit(1);
    }
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void check(mpsc_status st, const char *what)
{
    if (st != MPSC_OK) {
        fprintf(stderr, "memory_return: %s: %s\n", what, mpsc_status_str(st));
        exit(1);
    }
}

struct producer {
    mpsc_sender *tx;
    uint64_t n;
};

static void *producer_main(void *arg)
{
    struct producer *p = arg;
    for (uint64_t i = 0; i < p->n; i++)
        check(mpsc_send(p->tx, &i), "send");
    mpsc_sender_drop(p->tx);
    return NULL;
}

static int run(const char *name, int threaded, uint64_t n)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    uint64_t v, sum = 0;
    long before = rss_kib();
    check(mpsc_channel(sizeof v, &tx, &rx), "channel");
    if (threaded) {
        struct producer p = {mpsc_move(tx), n};
        pthread_t t;
        if (pthread_create(&t, NULL, producer_main, &p) != 0)
            exit(1);
        pthread_join(t, NULL);
    } else {
        for (uint64_t i = 0; i < n; i++)
            check(mpsc_send(tx, &i), "send");
    }
    long peak = rss_kib();
    for (uint64_t i = 0; i < n; i++) {
        check(mpsc_recv(rx, &v), "recv");
        sum += v;
    }
    long after_recv = rss_kib();
    if (sum != (n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2))) {
        fprintf(stderr, "memory_return: %s: checksum mismatch\n", name);
        exit(1);
    }
    if (!threaded)
        mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    long after_drop = rss_kib();
    printf("memory %s %ld %ld %ld %ld\n", name, before, peak, after_recv, after_drop);
    fflush(stdout);
    return after_recv - before > LIMIT_KIB;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : DEFAULT_N;
    if (n == 0) {
        fprintf(stderr, "usage: memory_return [N]\n");
        return 2;
    }
    int over = run("seq", 0, n);
    over += run("thread", 1, n);
    if (over) {
        fprintf(stderr, "memory_return: memory did not return to within %d KiB after receiving\n", LIMIT_KIB);
        return 1;
    }
    return 0;
}
