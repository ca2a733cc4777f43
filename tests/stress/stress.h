/*
 * stress.h - what the stress programs share: the scale factor read from
 * MPSC_STRESS_SCALE (so the same programs finish under ThreadSanitizer), a
 * watchdog that turns a hang into a failure, a check macro that exits
 * non-zero, the monotonic clock and a small per-thread random generator.
 */
#ifndef MPSC_STRESS_H
#define MPSC_STRESS_H

#include <mpsc.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Fails the program with the condition's text and location. */
#define STRESS_CHECK(cond)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* Fails the program when a call returned another status than the one wanted. */
#define STRESS_EXPECT(call, want)                                                                  \
    do {                                                                                           \
        mpsc_status stress_got_ = (call);                                                          \
        if (stress_got_ != (want)) {                                                               \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, #call,     \
                    mpsc_status_str(stress_got_), mpsc_status_str(want));                          \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* A program that drops a receiver on purpose while senders are busy says so
 * to the debug build, which otherwise reports a send that returns
 * MPSC_DISCONNECTED as an error (M0001); the production build has no such
 * check. */
#if MPSC_DEBUG
#define STRESS_ALLOW_DISCONNECTED_SEND(handle) mpsc_allow_disconnected_send(handle)
#else
#define STRESS_ALLOW_DISCONNECTED_SEND(handle) ((void)(handle))
#endif

/* MPSC_STRESS_SCALE (a positive float, default 1) multiplies every iteration
 * count, so that CI can shrink the programs under ThreadSanitizer. */
static inline double stress_scale(void)
{
    const char *s = getenv("MPSC_STRESS_SCALE");
    if (s == NULL || *s == '\0')
        return 1.0;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || !(v > 0.0)) {
        fprintf(stderr, "MPSC_STRESS_SCALE=%s is not a positive number\n", s);
        exit(2);
    }
    return v;
}

/* n scaled, never below `floor` so that every case still runs. */
static inline size_t stress_scaled(size_t n, size_t floor)
{
    double v = (double)n * stress_scale();
    return v < (double)floor ? floor : (size_t)v;
}

static inline uint64_t stress_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static inline void stress_sleep_ns(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void stress_watchdog_fired(int sig)
{
    (void)sig;
    static const char msg[] = "stress: watchdog expired: something hangs\n";
    /* Only async-signal-safe calls here. */
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
}

/* A hang anywhere in the program becomes exit status 3 after `seconds`. */
static inline void stress_watchdog(unsigned seconds)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stress_watchdog_fired;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

/* Joins t or fails the program if it has not finished within timeout_s:
 * a blocked call that should have returned is a hang, not a slow test. */
static inline void *stress_join(pthread_t t, double timeout_s)
{
    struct timespec abs;
    clock_gettime(CLOCK_REALTIME, &abs);
    uint64_t ns = (uint64_t)abs.tv_nsec + (uint64_t)(timeout_s * 1e9);
    abs.tv_sec += (time_t)(ns / 1000000000u);
    abs.tv_nsec = (long)(ns % 1000000000u);
    void *ret = NULL;
    int err = pthread_timedjoin_np(t, &ret, &abs);
    if (err != 0) {
        fprintf(stderr, "stress: a thread did not finish within %.1f s (%s)\n", timeout_s, strerror(err));
        exit(1);
    }
    return ret;
}

/* xorshift64*: cheap, per thread, reproducible from a seed. */
struct stress_rng {
    uint64_t s;
};

static inline uint64_t stress_rand(struct stress_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * UINT64_C(2685821657736338717);
}

/* A uniform value in [0, n). */
static inline uint64_t stress_below(struct stress_rng *r, uint64_t n)
{
    return stress_rand(r) % n;
}

static inline struct stress_rng stress_rng_seeded(uint64_t seed)
{
    struct stress_rng r = {seed * UINT64_C(0x9E3779B97F4A7C15) + 1};
    for (int i = 0; i < 4; i++)
        stress_rand(&r);
    return r;
}

/* The channel flavors every program iterates over. */
struct stress_flavor {
    const char *name;
    bool bounded;
    size_t bound;
};

static const struct stress_flavor stress_flavors[] = {
    {"unbounded", false, 0},
    {"bounded(1000)", true, 1000},
    {"bounded(1)", true, 1},
    {"rendezvous", true, 0},
    /* Above MPSC__RING_MAX (src/chan.h): the unbounded queue's blocks with
     * a limit, where the heavy fence exists; a ring elsewhere. */
    {"bounded(65537)", true, 65537},
};
#define STRESS_NFLAVORS (sizeof stress_flavors / sizeof stress_flavors[0])

/* The resident set size in bytes, from /proc/self/statm (Linux). */
static inline size_t stress_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    STRESS_CHECK(f != NULL);
    unsigned long size, resident;
    STRESS_CHECK(fscanf(f, "%lu %lu", &size, &resident) == 2);
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

#endif /* MPSC_STRESS_H */
