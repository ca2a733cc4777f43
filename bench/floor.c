/*
 * floor.c - the physical floor of this machine for the channel workloads,
 * copied from the project's benchmark anchors (shared/anchors/c/floor.c) so
 * that bench/ builds from a clone alone.  What no channel can beat here,
 * whatever its algorithm:
 *
 *   seq ring1024     one thread pushes and pops N 8-byte values through a
 *                    plain 1024-slot ring (no atomics), in batches of 1000:
 *                    the cache-resident cost of a queue operation pair.
 *   seq ringN        one thread pushes N values into a plain ring of 2^23
 *                    slots, then pops them: the memory-bound floor of the seq
 *                    workload (N * 8 bytes written, then read back).
 *   pingpong cacheline  two threads spin on one atomic word (A sets it to 1,
 *                    B waits for 1 and sets 0, A waits for 0): the cross-core
 *                    round trip of one cache line, per round trip.
 *   pingpong futex   the same hand-off where each side sleeps in the kernel
 *                    (POSIX semaphores): the round trip of two blocking
 *                    wake-ups, what a channel that parks on every message pays.
 *   pingpong yield   the same hand-off where each side waits by calling
 *                    sched_yield; run under `taskset -c 0` (run.sh does), it
 *                    is the cost of two context switches between threads on
 *                    one core, what one message of spsc bounded(1) costs
 *                    there at the least (this one is not from the anchors).
 *
 * A compiler barrier after every push/pop keeps the loops honest (no
 * vectorising, no keeping the ring in registers).  Output lines have the
 * same shape as the peers': floor workload name ns_per_msg (ns per round
 * trip for pingpong).  Command line: floor [NAME [N]], NAME one of
 * ring1024 ringN cacheline futex yield.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define barrier() __asm__ __volatile__("" ::: "memory")

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct ring {
    uint64_t *slots;
    size_t mask;
    size_t head, tail;
};

static inline void push(struct ring *r, uint64_t v)
{
    r->slots[r->tail++ & r->mask] = v;
    barrier();
}

static inline uint64_t pop(struct ring *r)
{
    uint64_t v = r->slots[r->head++ & r->mask];
    barrier();
    return v;
}

static double ring_run(size_t size, uint64_t batch, uint64_t n)
{
    struct ring r = {calloc(size, sizeof(uint64_t)), size - 1, 0, 0};
    if (!r.slots) {
        perror("calloc");
        exit(1);
    }
    uint64_t sum = 0, t0 = now_ns();
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < batch ? n - done : batch;
        for (uint64_t i = 0; i < k; i++)
            push(&r, done + i);
        for (uint64_t i = 0; i < k; i++)
            sum += pop(&r);
        done += k;
    }
    uint64_t t1 = now_ns();
    if (sum != (n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2))) {
        fprintf(stderr, "floor: checksum mismatch\n");
        exit(1);
    }
    free(r.slots);
    return (double)(t1 - t0) / (double)n;
}

/* ---- taking turns on one word: cacheline and yield ----------------------- */

static _Alignas(64) atomic_uint flag;
static uint64_t rounds_g;
/* How a side waits for its turn: a pause (cacheline: the threads on two
 * cores), or sched_yield (yield: the threads on one core). */
static bool yield_g;

static void wait_turn(unsigned turn)
{
    while (atomic_load_explicit(&flag, memory_order_acquire) != turn) {
        if (yield_g)
            sched_yield();
        else
            __builtin_ia32_pause();
    }
}

static void *turn_ponger(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < rounds_g; i++) {
        wait_turn(1);
        atomic_store_explicit(&flag, 0, memory_order_release);
    }
    return NULL;
}

static double turns_run(uint64_t rounds, bool yield)
{
    pthread_t t;
    rounds_g = rounds;
    yield_g = yield;
    atomic_store(&flag, 0);
    uint64_t t0 = now_ns();
    pthread_create(&t, NULL, turn_ponger, NULL);
    for (uint64_t i = 0; i < rounds; i++) {
        atomic_store_explicit(&flag, 1, memory_order_release);
        wait_turn(0);
    }
    pthread_join(t, NULL);
    return (double)(now_ns() - t0) / (double)rounds;
}

/* ---- blocking (futex) ping-pong ------------------------------------------ */

static sem_t sem_ping, sem_pong;

static void *sem_ponger(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < rounds_g; i++) {
        sem_wait(&sem_ping);
        sem_post(&sem_pong);
    }
    return NULL;
}

static double futex_run(uint64_t rounds)
{
    pthread_t t;
    rounds_g = rounds;
    sem_init(&sem_ping, 0, 0);
    sem_init(&sem_pong, 0, 0);
    uint64_t t0 = now_ns();
    pthread_create(&t, NULL, sem_ponger, NULL);
    for (uint64_t i = 0; i < rounds; i++) {
        sem_post(&sem_ping);
        sem_wait(&sem_pong);
    }
    pthread_join(t, NULL);
    double ns = (double)(now_ns() - t0) / (double)rounds;
    sem_destroy(&sem_ping);
    sem_destroy(&sem_pong);
    return ns;
}

/* ---- command line --------------------------------------------------------- */

static void run(const char *name, uint64_t n)
{
    if (strcmp(name, "ring1024") == 0)
        printf("floor seq ring1024 %.2f\n", ring_run(1024, 1000, n ? n : 5000000));
    else if (strcmp(name, "ringN") == 0)
        printf("floor seq ringN %.2f\n", ring_run(1u << 23, UINT64_MAX, n ? n : 5000000));
    else if (strcmp(name, "cacheline") == 0)
        printf("floor pingpong cacheline %.2f\n", turns_run(n ? n : 1000000, false));
    else if (strcmp(name, "futex") == 0)
        printf("floor pingpong futex %.2f\n", futex_run(n ? n : 20000));
    else if (strcmp(name, "yield") == 0)
        printf("floor pingpong yield %.2f\n", turns_run(n ? n : 200000, true));
    else {
        fprintf(stderr, "usage: floor [ring1024|ringN|cacheline|futex|yield [N]]\n");
        exit(2);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        run("ring1024", 0);
        run("ringN", 0);
        run("cacheline", 0);
        run("futex", 0);
        return 0;
    }
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
    if (n > (1u << 23) && strcmp(argv[1], "ringN") == 0) {
        fprintf(stderr, "floor: ringN holds at most 2^23 values\n");
        return 2;
    }
    run(argv[1], n);
    return 0;
}
