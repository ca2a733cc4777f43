/*
 * park.c - the operating-system side of sleeping: the monotonic clock and a
 * futex word.  Linux gets the futex system call with an absolute
 * CLOCK_MONOTONIC deadline; other systems get a table of mutex/condition
 * variable pairs hashed by address, which gives the same contract.
 */
#include "park.h"

#include <stdalign.h>
#include <stdint.h>
#include <time.h>

/* Linux's futex and sched_getcpu, unless the build asks for what other
 * systems get (meson option `portable`, one of CI's configurations). */
#if defined(__linux__) && !defined(MPSC__PORTABLE)
#define PARK_LINUX 1
#else
#define PARK_LINUX 0
#endif

uint64_t mpsc__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

uint64_t mpsc__deadline_after(uint64_t timeout_ns)
{
    uint64_t now = mpsc__now_ns();
    uint64_t deadline = now + timeout_ns;
    if (deadline < now || deadline >= MPSC__SPIN_ONLY)
        return MPSC__FOREVER;
    return deadline == MPSC__NO_WAIT ? 1 : deadline;
}

_Thread_local uint64_t mpsc__last_wake_ns;
_Thread_local bool mpsc__cpu_shared;

#if defined(__GNUC__)
__attribute__((tls_model("initial-exec")))
#endif
_Thread_local uint32_t mpsc__thread_token;

MPSC__NOINLINE bool mpsc__backoff_respin(struct mpsc__backoff *b)
{
    sched_yield();
    if (mpsc__now_ns() < b->spin_until)
        b->step = 0;
    else
        b->spin_until = 0;
    return true;
}

#if PARK_LINUX
/* The last thread to start a long wait on each CPU (CPUs past the table
 * share entries, which costs at most a stale record), by its token
 * (mpsc__thread_token), and what it waited for.  An entry is written only
 * when the thread on its CPU changes, and each has a cache line of its own,
 * so threads on different CPUs do not disturb each other. */
#define CPU_ENTRIES 256
struct cpu_record {
    alignas(64) _Atomic uintptr_t thread;
    _Atomic uintptr_t waits_for;
};
static struct cpu_record last_waiter[CPU_ENTRIES];

/*
 * Whether this thread may run on one CPU only (mpsc__cpu_shared, park.h).
 * The kernel is asked once per AFFINITY_CHECKS checks that found the CPU
 * shared, not on each (a system call, where the check is two loads): the
 * answer changes only when someone changes the thread's affinity, and a
 * stale one costs some waits their first pauses, or an early yield.
 */
#define AFFINITY_CHECKS 1024
static _Thread_local unsigned affinity_age;
static _Thread_local bool one_cpu;

static bool allowed_one_cpu(void)
{
    if (affinity_age++ % AFFINITY_CHECKS == 0) {
        cpu_set_t set;
        one_cpu = sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1;
    }
    return one_cpu;
}
#endif

bool mpsc__shares_cpu(const void *waits_for)
{
#if PARK_LINUX
    int cpu = sched_getcpu();
    if (cpu < 0)
        return false;
    uintptr_t me = (uintptr_t)&mpsc__thread_token, mine = (uintptr_t)waits_for;
    struct cpu_record *r = &last_waiter[(unsigned)cpu % CPU_ENTRIES];
    /* Relaxed, all: the record is a hint, which orders nothing; a pair read
     * while another thread writes it is a stale record (above). */
    uintptr_t thread = atomic_load_explicit(&r->thread, memory_order_relaxed);
    uintptr_t theirs = atomic_load_explicit(&r->waits_for, memory_order_relaxed);
    if (thread == me && theirs == mine) {
        mpsc__cpu_shared = false;
        return false;
    }
    atomic_store_explicit(&r->thread, me, memory_order_relaxed);
    atomic_store_explicit(&r->waits_for, mine, memory_order_relaxed);
    bool shared = thread != 0 && thread != me && theirs != mine;
    mpsc__cpu_shared = shared && allowed_one_cpu();
    return shared;
#else
    (void)waits_for;
    return false;
#endif
}

MPSC__NOINLINE void mpsc__event_wake(struct mpsc__event *ev)
{
    /* Acquire: reading a waiter's increment (a release, being seq_cst) makes
     * its load of seq in mpsc__event_prepare happen before our bump below,
     * so that load cannot have seen the bump. */
    if (atomic_exchange_explicit(&ev->waiters, 0, memory_order_acquire) != 0) {
        /* Release: pairs with the acquire load in mpsc__event_prepare. */
        atomic_fetch_add_explicit(&ev->seq, 1, memory_order_release);
        mpsc__futex_wake(&ev->seq, INT32_MAX);
    }
}

static struct timespec to_timespec(uint64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / UINT64_C(1000000000));
    ts.tv_nsec = (long)(ns % UINT64_C(1000000000));
    return ts;
}

#if PARK_LINUX

#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

void mpsc__futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline)
{
    struct timespec abs;
    const struct timespec *timeout = NULL;
    if (deadline != MPSC__FOREVER) {
        if (mpsc__now_ns() >= deadline)
            return;
        abs = to_timespec(deadline);
        timeout = &abs;
    }
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a
     * spurious wake-up never stretches or shortens the wait.  EINTR, EAGAIN
     * (the word changed) and ETIMEDOUT all mean "return and re-check". */
    syscall(SYS_futex, word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, timeout, NULL,
            FUTEX_BITSET_MATCH_ANY);
}

static void os_futex_wake(_Atomic uint32_t *word, int n)
{
    syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0);
}

static bool heavy_available;
static pthread_once_t heavy_once = PTHREAD_ONCE_INIT;

static long membarrier(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0, 0);
}

/* Available when the kernel offers the private expedited command, accepts
 * this process's registration, and then runs one. */
static void heavy_init(void)
{
    long cmds = membarrier(MEMBARRIER_CMD_QUERY);
    heavy_available = cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                      membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
                      membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
}

bool mpsc__fence_heavy_available(void)
{
    /* pthread_once makes heavy_available, written once, visible here. */
    pthread_once(&heavy_once, heavy_init);
    return heavy_available;
}

/* The registration, when the library is loaded: a program then usually has
 * a single thread, and it costs a few microseconds, where at the first
 * slipping ring (mpsc__array_init) other threads may be running already,
 * and the kernel then waits for an RCU grace period: 16 ms on the Xeon host
 * measured, inside an mpsc_sync_channel call that should not block. */
#if defined(__GNUC__)
__attribute__((constructor)) static void heavy_init_at_load(void)
{
    (void)mpsc__fence_heavy_available();
}
#endif

_Atomic unsigned long mpsc__fence_heavy_calls;

void mpsc__fence_heavy(void)
{
    /* Relaxed: a count, ordered with nothing. */
    atomic_fetch_add_explicit(&mpsc__fence_heavy_calls, 1, memory_order_relaxed);
    /* Cannot fail once heavy_init succeeded: the kernel checks only the
     * command and the registration, which the address space keeps. */
    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

#else

#include <pthread.h>

/* Waiters on one word share a bucket; the bucket's mutex makes "check the
 * word, then sleep" atomic with respect to "change the word, then wake". */
#define BUCKETS 64
static struct bucket {
    pthread_mutex_t lock;
    pthread_cond_t cond;
} buckets[BUCKETS];
static pthread_once_t buckets_once = PTHREAD_ONCE_INIT;

static void buckets_init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    for (int i = 0; i < BUCKETS; i++) {
        pthread_mutex_init(&buckets[i].lock, NULL);
        pthread_cond_init(&buckets[i].cond, &attr);
    }
    pthread_condattr_destroy(&attr);
}

static struct bucket *bucket_of(const void *word)
{
    pthread_once(&buckets_once, buckets_init);
    return &buckets[((uintptr_t)word >> 4) % BUCKETS];
}

void mpsc__futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline)
{
    struct bucket *b = bucket_of(word);
    pthread_mutex_lock(&b->lock);
    if (atomic_load_explicit(word, memory_order_relaxed) == expected) {
        if (deadline == MPSC__FOREVER) {
            pthread_cond_wait(&b->cond, &b->lock);
        } else if (mpsc__now_ns() < deadline) {
            struct timespec abs = to_timespec(deadline);
            pthread_cond_timedwait(&b->cond, &b->lock, &abs);
        }
    }
    pthread_mutex_unlock(&b->lock);
}

/* No asymmetric fence here: the callers keep their seq_cst pairs. */
bool mpsc__fence_heavy_available(void)
{
    return false;
}

_Atomic unsigned long mpsc__fence_heavy_calls;

void mpsc__fence_heavy(void)
{
    /* Never called: mpsc__fence_heavy_available() is false. */
}

static void os_futex_wake(_Atomic uint32_t *word, int n)
{
    struct bucket *b = bucket_of(word);
    (void)n; /* other words share the bucket: wake them all, they re-check */
    pthread_mutex_lock(&b->lock);
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

#endif

void mpsc__futex_wake(_Atomic uint32_t *word, int n)
{
    /* For this thread's next wait: the peer is getting up (park.h). */
    mpsc__last_wake_ns = mpsc__now_ns();
    os_futex_wake(word, n);
}
