/*
 * canary.c - a deliberate data race that ThreadSanitizer must report.  It is
 * registered as an expected failure in the TSan build only, so a sanitizer
 * that is silently not there (a lost -Db_sanitize, an option that turns
 * reports off, a suppression that swallows everything) makes CI fail.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CANARY_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CANARY_TSAN 1
#endif

/* Written by both threads with nothing ordering the writes: the race. */
static volatile int shared;
/* Relaxed only: it makes the main thread write after the other thread in
 * time, without the happens-before edge that would make it no race. */
static atomic_int written;

static void *other(void *arg)
{
    shared = 1;
    atomic_store_explicit(&written, 1, memory_order_relaxed);
    return arg;
}

int main(void)
{
#ifndef CANARY_TSAN
    fprintf(stderr, "canary: not built with ThreadSanitizer\n");
    return 0;
#else
    pthread_t t;
    if (pthread_create(&t, NULL, other, NULL) != 0)
        return 0;
    while (atomic_load_explicit(&written, memory_order_relaxed) == 0)
        sched_yield();
    shared = 2; /* ThreadSanitizer reports here and, with halt_on_error=1, exits 66 */
    pthread_join(t, NULL);
    fprintf(stderr, "canary: the data race went unreported: ThreadSanitizer is not working\n");
    return 0;
#endif
}
