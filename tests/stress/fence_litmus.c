/*
 * fence_litmus.c - the asymmetric fence of park.h (mpsc__fence_light on one
 * side, mpsc__fence_heavy on the other) against the store-buffering litmus
 * test, the pattern the bounded channel's receiver and a sender about to
 * sleep form (flavor_array.c, take_slot and send_slow):
 *
 *     light thread:  x = i;  light fence;  a = y;
 *     heavy thread:  y = i;  heavy fence;  b = x;
 *
 * In no round may both loads miss the other thread's store (a < i and
 * b < i): that outcome is a lost wake-up in the channel.  x86 produces it
 * from its store buffers when the heavy fence does nothing: with
 * mpsc__fence_heavy emptied, both loads missed in 12-15 % of the rounds on
 * the Xeon host (3 runs of 100,000), and never with it.  Each round starts
 * both threads together (meet), so that their stores and loads overlap.
 *
 * Where the heavy fence is not available (mpsc__fence_heavy_available, the
 * `portable` build) there is nothing to test, and the program says so.
 * It includes the library's internal park.h and links the static library.
 */
#include "park.h"
#include "stress.h"

#include <stdalign.h>
#include <stdatomic.h>

#define ROUNDS 100000

/* Each on a line of its own, as the head and the event are. */
static alignas(128) _Atomic unsigned x;
static alignas(128) _Atomic unsigned y;
static alignas(128) _Atomic unsigned arrived;

struct side {
    bool heavy;
    size_t rounds;
    unsigned *seen; /* what the load read, per round */
};

/* Waits until both threads have arrived for round i, so that they leave
 * together.  Yields now and then, in case the two do not have a CPU each. */
static void meet(unsigned i)
{
    /* Acq_rel: the other thread's last round is done before ours starts. */
    atomic_fetch_add_explicit(&arrived, 1, memory_order_acq_rel);
    for (unsigned k = 1; atomic_load_explicit(&arrived, memory_order_acquire) < 2 * i; k++) {
        if (k % 1024 == 0)
            sched_yield();
        else
            mpsc__cpu_relax();
    }
}

static void *run_side(void *arg)
{
    const struct side *s = arg;
    _Atomic unsigned *mine = s->heavy ? &y : &x;
    _Atomic unsigned *other = s->heavy ? &x : &y;
    for (unsigned i = 1; i <= s->rounds; i++) {
        meet(i);
        /* Relaxed, both: the fences alone must order the store before the
         * load, as in the channel. */
        atomic_store_explicit(mine, i, memory_order_relaxed);
        if (s->heavy)
            mpsc__fence_heavy();
        else
            mpsc__fence_light();
        s->seen[i - 1] = atomic_load_explicit(other, memory_order_relaxed);
    }
    return NULL;
}

int main(void)
{
    if (!mpsc__fence_heavy_available()) {
        printf("fence_litmus: no heavy fence on this system; nothing to test\n");
        return 0;
    }
    stress_watchdog(300);
    size_t rounds = stress_scaled(ROUNDS, 1000);
    struct side sides[2] = {
        {false, rounds, calloc(rounds, sizeof(unsigned))},
        {true, rounds, calloc(rounds, sizeof(unsigned))},
    };
    STRESS_CHECK(sides[0].seen != NULL && sides[1].seen != NULL);
    pthread_t threads[2];
    for (int t = 0; t < 2; t++)
        STRESS_CHECK(pthread_create(&threads[t], NULL, run_side, &sides[t]) == 0);
    for (int t = 0; t < 2; t++)
        stress_join(threads[t], 60.0);
    size_t both_missed = 0, light_missed = 0;
    for (size_t r = 0; r < rounds; r++) {
        unsigned i = (unsigned)r + 1;
        light_missed += sides[0].seen[r] < i;
        both_missed += sides[0].seen[r] < i && sides[1].seen[r] < i;
    }
    printf("fence_litmus: %zu rounds, light side missed the heavy side's store in %zu, both missed in %zu\n",
           rounds, light_missed, both_missed);
    free(sides[0].seen);
    free(sides[1].seen);
    STRESS_CHECK(both_missed == 0);
    return 0;
}
