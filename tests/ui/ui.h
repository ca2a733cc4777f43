/* ui.h - helpers for the UI tests: waiting, without sleeps that guess, until
 * another thread is asleep inside a blocking call, so that each test
 * reaches its diagnostic the same way on every run. */
#ifndef MPSC_UI_H
#define MPSC_UI_H

#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The calling thread's kernel id. */
static inline pid_t ui_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Waits until thread `tid` of this process is sleeping (state S in
 * /proc/self/task/TID/stat): after the caller has seen it announce that
 * its next step is a blocking call, that call is where it sleeps. */
static inline void ui_wait_asleep(const _Atomic pid_t *tid)
{
    pid_t t;
    while ((t = atomic_load(tid)) == 0)
        sched_yield();
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)t);
    for (;;) {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            size_t n = fread(stat, 1, sizeof stat - 1, f);
            fclose(f);
            stat[n] = '\0';
            /* "tid (name) S ...": the state follows the last ')'. */
            const char *p = strrchr(stat, ')');
            if (p != NULL && p[1] == ' ' && p[2] == 'S')
                return;
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

#endif /* MPSC_UI_H */
