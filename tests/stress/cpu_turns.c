/*
 * cpu_turns.c - the record a long wait checks to find that it shares its CPU
 * with another thread of the process (mpsc__shares_cpu, src/park.h, an
 * internal): the check says so when another thread, waiting for something
 * else, was the last to make it on the same CPU; not when this thread was,
 * nor when the other thread waited for the same thing (two senders waiting
 * for room in one ring), nor when it made the check on another CPU.  Threads
 * are pinned with sched_setaffinity and run one after another, so the
 * answers are exact.
 *
 * With the check always false, or the record not written by a check, the
 * second step fails; with the record written but the answer inverted, the
 * first; with what the wait is for left out, the fourth.  The `portable`
 * build has no sched_getcpu, and its check is always false, which is what is
 * checked there.  Steps 7 and 8 check when a wait makes the check before
 * its first pause (mpsc__cpu_shared): with the thread's affinity ignored,
 * step 8 fails; with the early check never made, step 7.  Where the
 * threads cannot be pinned (a container that forbids it) the program
 * reports a skip.
 */
#include "park.h"
#include "stress.h"

#include <sched.h>
#include <stdbool.h>

#if defined(__linux__) && !defined(MPSC__PORTABLE)
#define HAS_CHECK true
#else
#define HAS_CHECK false
#endif

#define SKIP 77 /* Meson's exit status for a skipped test */

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("cpu_turns: sched_setaffinity");
        exit(SKIP);
    }
}

/* Two things to wait for. */
static const char room, message;

struct turn {
    int cpu;
    const void *waits_for;
    bool first, second; /* the two checks' answers */
};

static void *take_turn(void *arg)
{
    struct turn *t = arg;
    pin(t->cpu);
    t->first = mpsc__shares_cpu(t->waits_for);
    t->second = mpsc__shares_cpu(t->waits_for);
    return NULL;
}

/* A new thread on cpu makes the check twice, waiting for waits_for. */
static struct turn turn_on(int cpu, const void *waits_for)
{
    struct turn t = {cpu, waits_for, false, false};
    pthread_t th;
    STRESS_CHECK(pthread_create(&th, NULL, take_turn, &t) == 0);
    STRESS_CHECK(pthread_join(th, NULL) == 0);
    return t;
}

/* A third thing to wait for, that no thread waited for before steps 7-8. */
static const char third;

struct early {
    int cpu, also; /* the CPUs the thread may run on (also: -1 for none) */
    unsigned check_at_after_shared, check_at_after_own;
};

static void *wait_early(void *arg)
{
    struct early *e = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(e->cpu, &set);
    if (e->also >= 0)
        CPU_SET(e->also, &set);
    STRESS_CHECK(sched_setaffinity(0, sizeof set, &set) == 0);
    /* The record of each CPU it may run on is the main thread's, waiting
     * for something else (record_main). */
    STRESS_CHECK(mpsc__shares_cpu(&third) == HAS_CHECK);
    e->check_at_after_shared = mpsc__backoff_start(&third, MPSC__FOREVER).check_at;
    STRESS_CHECK(!mpsc__shares_cpu(&third));
    e->check_at_after_own = mpsc__backoff_start(&third, MPSC__FOREVER).check_at;
    return NULL;
}

/* The main thread makes the check on cpu and on also (unless -1), and
 * ends pinned to cpu; an exited thread's record might carry the token of
 * the next thread (park.h), the main thread's cannot. */
static void record_main(int cpu, int also)
{
    if (also >= 0) {
        pin(also);
        (void)mpsc__shares_cpu(&message);
    }
    pin(cpu);
    (void)mpsc__shares_cpu(&message);
}

static struct early early_on(int cpu, int also)
{
    struct early e = {cpu, also, 0, 0};
    pthread_t th;
    STRESS_CHECK(pthread_create(&th, NULL, wait_early, &e) == 0);
    STRESS_CHECK(pthread_join(th, NULL) == 0);
    return e;
}

int main(void)
{
    cpu_set_t allowed;
    STRESS_CHECK(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
    int first_cpu = -1, other_cpu = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && other_cpu < 0; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        if (first_cpu < 0)
            first_cpu = cpu;
        else
            other_cpu = cpu;
    }
    STRESS_CHECK(first_cpu >= 0);
    pin(first_cpu);

    /* 1. Nobody waited yet; then the record is ours. */
    STRESS_CHECK(!mpsc__shares_cpu(&message));
    STRESS_CHECK(!mpsc__shares_cpu(&message));

    /* 2. Another thread on our CPU, waiting for something else, finds us,
     * once. */
    struct turn t = turn_on(first_cpu, &room);
    STRESS_CHECK(t.first == HAS_CHECK);
    STRESS_CHECK(!t.second);

    /* 3. And we find it, once. */
    STRESS_CHECK(mpsc__shares_cpu(&message) == HAS_CHECK);
    STRESS_CHECK(!mpsc__shares_cpu(&message));

    /* 4. A thread waiting for what we wait for does not count, either way. */
    t = turn_on(first_cpu, &message);
    STRESS_CHECK(!t.first);
    STRESS_CHECK(!t.second);
    STRESS_CHECK(!mpsc__shares_cpu(&message));

    /* 5. Nor does this thread waiting for something else now. */
    STRESS_CHECK(!mpsc__shares_cpu(&room));
    t = turn_on(first_cpu, &room);
    STRESS_CHECK(!t.first);

    /* 6. A thread on another CPU finds nobody there, and leaves our CPU's
     * record alone. */
    STRESS_CHECK(mpsc__shares_cpu(&message) == HAS_CHECK);
    if (other_cpu >= 0) {
        t = turn_on(other_cpu, &room);
        STRESS_CHECK(!t.first);
        STRESS_CHECK(!t.second);
        STRESS_CHECK(!mpsc__shares_cpu(&message));
    }

    /* 7. A thread that may run on one CPU only and found that CPU shared
     * checks at once in its next wait; after a check that found it its own,
     * at MPSC__CPU_CHECK_ROUND again. */
    record_main(first_cpu, -1);
    struct early e = early_on(first_cpu, -1);
    STRESS_CHECK(e.check_at_after_shared == (HAS_CHECK ? 0 : MPSC__CPU_CHECK_ROUND));
    STRESS_CHECK(e.check_at_after_own == MPSC__CPU_CHECK_ROUND);

    /* 8. One that may run on two CPUs waits its pauses first all the same:
     * whoever it waits for may be on the other. */
    if (other_cpu >= 0) {
        record_main(first_cpu, other_cpu);
        e = early_on(first_cpu, other_cpu);
        STRESS_CHECK(e.check_at_after_shared == MPSC__CPU_CHECK_ROUND);
        STRESS_CHECK(e.check_at_after_own == MPSC__CPU_CHECK_ROUND);
    }
    printf("cpu_turns: ok (CPUs %d and %d)\n", first_cpu, other_cpu);
    return 0;
}
