/*
 * park.h - sleeping and waking: monotonic deadlines, a futex word (Linux
 * futex, or a mutex/condition-variable fallback elsewhere), and an event that
 * blocked threads wait on without losing a wake-up.
 */
#ifndef MPSC_PARK_H
#define MPSC_PARK_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* For the slow paths of send and receive: kept out of line, so that the
 * common case is a short function with few registers to save (seq unbounded
 * went from 201 to 113 instructions a message, bench driver included, when
 * this was done).  Not marked cold: the slow paths include the waits, which
 * are the hand-off path of a ping-pong, and GCC's optimisation of cold code
 * for size made pingpong unbounded about 25 % slower. */
#if defined(__GNUC__)
#define MPSC__NOINLINE __attribute__((noinline))
#else
#define MPSC__NOINLINE
#endif

/* A condition the compiler should lay out as the branch not taken
 * (UNLIKELY), or as the one that falls through (LIKELY). */
#if defined(__GNUC__)
#define MPSC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MPSC__LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define MPSC__UNLIKELY(x) (x)
#define MPSC__LIKELY(x) (x)
#endif

/* Deadlines are absolute CLOCK_MONOTONIC nanoseconds, with three special
 * values: MPSC__NO_WAIT (the try_ forms: never block, report EMPTY/FULL),
 * MPSC__FOREVER (the plain blocking forms) and MPSC__SPIN_ONLY: wait as a
 * blocking receive does, spinning and yielding, but report MPSC_TIMEOUT
 * where it would go to sleep (the debug build's first wait, mpsc__recv_spin
 * and mpsc__send_spin; the unbounded and bounded receives and the bounded
 * send only).  No timeout or timespec turns into it (mpsc__deadline_after,
 * mpsc_recv_deadline). */
#define MPSC__NO_WAIT ((uint64_t)0)
#define MPSC__FOREVER UINT64_MAX
#define MPSC__SPIN_ONLY (UINT64_MAX - 1)

uint64_t mpsc__now_ns(void);
/* now + timeout_ns, saturating; never MPSC__NO_WAIT, so a timeout of 0 is a
 * deadline already past (MPSC_TIMEOUT), not a try_. */
uint64_t mpsc__deadline_after(uint64_t timeout_ns);

/* True for MPSC__NO_WAIT and for a deadline already past: a call that finds
 * it must wait reports instead (EMPTY/FULL, or TIMEOUT). */
static inline bool mpsc__cannot_wait(uint64_t deadline)
{
    return deadline == MPSC__NO_WAIT || (deadline < MPSC__SPIN_ONLY && mpsc__now_ns() >= deadline);
}

/* Blocks while *word == expected, until woken or the deadline passes; may
 * return spuriously, so callers re-check their condition. */
void mpsc__futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline);
/* Wakes up to n threads blocked in mpsc__futex_wait on word (INT32_MAX: all),
 * and notes the time in mpsc__last_wake_ns. */
void mpsc__futex_wake(_Atomic uint32_t *word, int n);

/*
 * An asymmetric fence, for a Dekker pair whose two sides run at very
 * different rates: a receiver that stores its head on every message, and a
 * sender that reads it before it sleeps, which is rare.  The frequent side
 * calls mpsc__fence_light() between its store and its load: a compiler
 * barrier only, no instruction.  The rare side calls mpsc__fence_heavy()
 * between its own store and load: Linux's membarrier, which runs a full
 * memory barrier on every CPU that is running a thread of this process
 * (the way liburcu and folly's asymmetric barriers use it).  Then, of the
 * two stores, at least one is seen by the other side's load: if the
 * frequent thread's store came before the barrier the kernel ran on its
 * CPU, it was visible before mpsc__fence_heavy() returned; if after, its
 * load came after that barrier too, and so after the rare side's store,
 * which the kernel made visible (membarrier starts with a full barrier of
 * its own) before it interrupted the other CPUs.  A thread not
 * running at that moment has passed through the scheduler, itself a full
 * barrier.
 *
 * Not available everywhere (old kernels, a seccomp filter, other systems):
 * mpsc__fence_heavy_available() says whether the pair may be used; it
 * registers the process with the kernel the first time it is asked, which
 * park.c does when the library is loaded (a few microseconds in a
 * single-threaded process; when other threads run, the kernel waits for an
 * RCU grace period).  The answer does not change afterwards, fork included
 * (the registration belongs to the address space, which the child
 * inherits).  A heavy fence
 * costs about 14 us there when another thread of the process is running,
 * 0.1 us when none is.
 */
bool mpsc__fence_heavy_available(void);
void mpsc__fence_heavy(void);
/* How many heavy fences this process ran: tests/stress/heavy_fence_calls.c
 * checks with it that the rare sides run where they must (an increment
 * beside a system call of microseconds). */
extern _Atomic unsigned long mpsc__fence_heavy_calls;

static inline void mpsc__fence_light(void)
{
    atomic_signal_fence(memory_order_seq_cst);
}

/* One polite iteration of a spin loop. */
static inline void mpsc__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/*
 * After a compare-and-swap lost to another sender: waits 1, 2, 4 ... up to
 * 64 pauses, one step more after each loss in a row (crossbeam-utils'
 * Backoff::spin), so that the contenders spread out instead of pulling the
 * tail's line to and fro.  Retrying after a single pause, mpsc unbounded (4
 * senders) took 28-45 ns a message on the Xeon host, 13.6-16.8 with this.
 */
#define MPSC__LOSS_LIMIT 6

static inline void mpsc__lost_race(unsigned *losses)
{
    for (unsigned k = 1u << *losses; k > 0; k--)
        mpsc__cpu_relax();
    if (*losses < MPSC__LOSS_LIMIT)
        (*losses)++;
}

/*
 * mpsc__backoff: how a thread waits for another before it sleeps.  A kernel
 * wake-up costs 10-50 us on a virtual machine, a cross-core hand-off well
 * under 1 us, so a blocked operation first re-checks after every pause for
 * 1-3 us (a pause takes about 25 ns on the EPYC machine measured, 10 ns on
 * the Xeon), then yields the processor a few times, which lets a peer that
 * shares its core run, and only then sleeps on its event.  The pauses are
 * not made longer step by step as in crossbeam-utils' Backoff: the peer's
 * answer comes within a few hundred nanoseconds, and a waiter that re-checks
 * only every 64 pauses would notice it up to 1.6 us late.
 */
#define MPSC__SPIN_ROUNDS 128
#define MPSC__YIELD_ROUNDS 8

/*
 * Except after waking a sleeper.  A thread that has just woken its peer
 * (ping-pong, bounded(1), rendezvous) usually waits next for that peer's
 * answer, which cannot come before the peer is back on a CPU: a kernel
 * wake-up away.  Waiting the usual few microseconds, it would fall asleep
 * too, the peer would have to wake it in turn, and from then on every
 * hand-off would cost a wake-up (on the Xeon: 1.5-7 us a message instead
 * of 0.1-0.5).  So the first wait that follows a wake-up keeps spinning
 * until MPSC__WAKE_SPIN_NS after it, in rounds of MPSC__SPIN_ROUNDS pauses,
 * each followed by a yield (the woken peer may have been placed on this
 * very CPU), unless its CPU check finds the peer on its CPU or its deadline
 * comes first.  It costs a thread at most that long per wake-up it made.
 */
#define MPSC__WAKE_SPIN_NS 50000

/* When this thread last woke a sleeping thread (mpsc__futex_wake), in
 * mpsc__now_ns() time, or 0 once a wait has used it. */
extern _Thread_local uint64_t mpsc__last_wake_ns;

/*
 * Spinning helps only while the peer runs on another CPU.  When it does not
 * (threads pinned to one core, or more runnable threads than cores) the
 * peer cannot move until we yield, so a wait that is still spinning after
 * MPSC__CPU_CHECK_ROUND pauses asks which CPU it is on and yields at once if
 * another thread of the process, waiting for something else, was the last
 * to wait there (mpsc__shares_cpu).  A quick hand-off never gets that far,
 * so it pays nothing for the check.
 */
#define MPSC__CPU_CHECK_ROUND 16

/*
 * Except in a thread that may run on one CPU only (its affinity), whose
 * last check found that CPU shared: its next wait checks before its first
 * pause.  Two threads pinned to one core cannot hand anything over until
 * one yields, and they spent those pauses on every hand-off for nothing:
 * pinned spsc bounded1 took 1.6 us a message on the Xeon host, 1.1 with the
 * early check, against 1.05 for two bare sched_yield switches (the floor).
 * Not for threads that may move: with four senders and a receiver on two
 * CPUs, a thread whose CPU is shared is usually served from the other CPU
 * within the pauses, and checking first made every hand-off a yield (mpsc
 * bounded0, 165 to 800 ns a message).
 */
extern _Thread_local bool mpsc__cpu_shared;

struct mpsc__backoff {
    unsigned step;
    /* The step at which it checks: MPSC__CPU_CHECK_ROUND, or 0 (above). */
    unsigned check_at;
    /* What the wait is for (mpsc__shares_cpu), or NULL for a wait that does
     * not make the check above. */
    const void *waits_for;
    /* Spin on until then (mpsc__now_ns() time), or 0: the wait after a
     * wake-up (above). */
    uint64_t spin_until;
};

/*
 * This thread's token: the address of its copy of this variable, unique
 * among the threads alive, and a multiple of 4 (so its low bits are free,
 * chan.h's solo sends use one).  A thread created after another exited may
 * get the same address: safe for both users, the CPU record (a hint) and
 * the solo sends (the old owner sends no more, and the C library orders
 * its exit before its storage is used again).
 */
#if defined(__GNUC__)
__attribute__((tls_model("initial-exec")))
#endif
extern _Thread_local uint32_t mpsc__thread_token;

/*
 * Whether another thread of this process, waiting for something else than
 * `waits_for`, was the last to start a long wait on the CPU we run on;
 * records that we are the last now, and sets mpsc__cpu_shared (above) for
 * this thread's next wait.  The record is per CPU, not per
 * channel: in a ping-pong each thread waits on the channel the other sends
 * on, so a record per channel never shows the two taking turns on one CPU.
 * A thread that waits for the same thing as we do (another sender waiting
 * for room in the same ring) gains nothing from running in our place, so it
 * does not count.  A stale record (the other thread has moved since) costs
 * one wait that yields where it would have spun; the next check on that
 * CPU finds our own record.
 */
bool mpsc__shares_cpu(const void *waits_for);

/* Starts the wait of a send or receive for its peer: a backoff that checks,
 * if the wait goes on, whether it shares its CPU, and that spins longer if
 * this thread has just woken a sleeper, though not past the deadline.  A
 * call that may not wait leaves that for the next wait. */
static inline struct mpsc__backoff mpsc__backoff_start(const void *waits_for, uint64_t deadline)
{
    struct mpsc__backoff b = {.check_at = mpsc__cpu_shared ? 0 : MPSC__CPU_CHECK_ROUND, .waits_for = waits_for};
    if (mpsc__last_wake_ns != 0 && deadline != MPSC__NO_WAIT) {
        b.spin_until = mpsc__last_wake_ns + MPSC__WAKE_SPIN_NS;
        if (b.spin_until > deadline)
            b.spin_until = deadline;
        mpsc__last_wake_ns = 0;
    }
    return b;
}

/* The end of a round of pauses while b->spin_until is set: yields, then
 * starts another round unless spin_until has passed. */
MPSC__NOINLINE bool mpsc__backoff_respin(struct mpsc__backoff *b);

/* One round of waiting; false once the caller should go to sleep instead. */
static inline bool mpsc__backoff_spin(struct mpsc__backoff *b)
{
    if (b->step == b->check_at && b->waits_for != NULL && mpsc__shares_cpu(b->waits_for)) {
        b->step = MPSC__SPIN_ROUNDS;
        b->spin_until = 0;
    }
    if (b->step < MPSC__SPIN_ROUNDS)
        mpsc__cpu_relax();
    else if (b->step == MPSC__SPIN_ROUNDS && b->spin_until != 0)
        return mpsc__backoff_respin(b);
    else if (b->step < MPSC__SPIN_ROUNDS + MPSC__YIELD_ROUNDS)
        sched_yield();
    else
        return false;
    b->step++;
    return true;
}

/* One round of waiting for a peer that is about to finish (a sender in the
 * middle of copying a message): never gives up, keeps yielding. */
static inline void mpsc__backoff_snooze(struct mpsc__backoff *b)
{
    if (b->step < MPSC__SPIN_ROUNDS) {
        mpsc__cpu_relax();
        b->step++;
    } else {
        sched_yield();
    }
}

/*
 * mpsc__event: a place where threads wait for "something changed" (room in a
 * bounded channel, a message, a disconnection).  Lives inside the channel and
 * dies with it.
 *
 * The waiter's protocol, with no lost wake-up:
 *     seq = mpsc__event_prepare(ev);   // announce: waiters++ (seq_cst)
 *     if (!condition()) mpsc__event_wait(ev, seq, deadline);  // condition read seq_cst
 * The notifier first makes the condition true with a seq_cst store or
 * read-modify-write, then calls mpsc__event_notify (a seq_cst load of
 * waiters).  Both sides are a store followed by a load of the other side's
 * variable, all seq_cst (Dekker's pattern): in the single total order of
 * seq_cst operations either the waiter's condition check comes after the
 * notifier's change and sees it, or the notifier's load of `waiters` comes
 * after the waiter's increment and sees it, and then bumps `seq`, which makes
 * the futex wait return.  Read-modify-writes rather than fences, because
 * ThreadSanitizer does not model standalone fences.
 *
 * A notify that finds waiters resets the count to zero and wakes them all:
 * each woken thread re-checks and announces itself again if it must sleep
 * again.  So a sleeper costs its notifiers one system call, not one per
 * notify until it runs (a kernel wake-up takes 10-40 us, during which a busy
 * peer may notify thousands of times).  A waiter that leaves without being
 * notified (its condition held, or its deadline passed) leaves its count
 * behind: the next notify pays one spurious wake, nothing is lost.
 */
struct mpsc__event {
    _Atomic uint32_t seq;     /* bumped by each notify that found a waiter; the futex word */
    _Atomic uint32_t waiters; /* announced since the last notify that woke them */
};

static inline uint32_t mpsc__event_prepare(struct mpsc__event *ev)
{
    /* Acquire: a later notify's bump of seq cannot be read here, because this
     * load is sequenced before our increment, which that notify observed
     * (release sequence on `waiters`); so the futex wait sees any bump after
     * this point as a changed value. */
    uint32_t seq = atomic_load_explicit(&ev->seq, memory_order_acquire);
    /* seq_cst: the store half of the waiter's Dekker pair (see above). */
    atomic_fetch_add_explicit(&ev->waiters, 1, memory_order_seq_cst);
    return seq;
}

static inline void mpsc__event_wait(struct mpsc__event *ev, uint32_t seq, uint64_t deadline)
{
    mpsc__futex_wait(&ev->seq, seq, deadline);
}

/* The rest of mpsc__event_notify, out of line: there are waiters to wake. */
MPSC__NOINLINE void mpsc__event_wake(struct mpsc__event *ev);

/* Whether a notify would find waiters to wake: its first half, for a
 * notifier with more to do when there are (the queues' receives, which may
 * also pay for their senders' fences), so that all of that can be one call
 * out of line, after which the notifier needs none of its values. */
static inline bool mpsc__event_waiting(struct mpsc__event *ev)
{
    /* seq_cst: the load half of the notifier's Dekker pair (see above).  The
     * plain load first keeps the common case, nobody waiting, free of a
     * read-modify-write on a shared line.  Expected not taken: without the
     * hint, GCC 12 laid the common case out as the taken branch once the
     * function returned a value, and seq unbounded took 1.11 x its time. */
    return MPSC__UNLIKELY(atomic_load_explicit(&ev->waiters, memory_order_seq_cst) != 0);
}

/* The notifier's half of the pair (above): wakes the waiters, if any. */
static inline void mpsc__event_notify(struct mpsc__event *ev)
{
    if (mpsc__event_waiting(ev))
        mpsc__event_wake(ev);
}

#endif /* MPSC_PARK_H */
