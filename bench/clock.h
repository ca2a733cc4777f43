/*
 * clock.h - the monotonic clock in nanoseconds, for this directory's own
 * programs (idle_cpu.c, sleepers.c, pinned_pingpong.c).  driver.c and
 * floor.c keep their own copy: they are the anchors' programs, copied as
 * they are.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* BENCH_CLOCK_H */
