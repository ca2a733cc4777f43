/*
 * test_timeout.c - the timeout and deadline forms: they wait on
 * CLOCK_MONOTONIC, never return before their time (not even when signals
 * or lost races wake the thread), return at once when the other side acts,
 * and a timeout of 0 never blocks: it says MPSC_TIMEOUT where the try_ form
 * says MPSC_EMPTY or MPSC_FULL.  Waits here are tens of milliseconds.
 */
#include "unit.h"

#include <signal.h>

#define WAIT_MS 30
/* How late a timed-out call may return on a noisy, shared machine before
 * the test calls it broken; it only guards against "never". */
#define SLACK_NS (2000 * UNIT_MS)

static const struct unit_flavor all_flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(2), UNIT_RENDEZVOUS};

/* Fills a bounded channel of ints (bound > 0) with 100, 101, ... */
static void fill(mpsc_sender *tx, size_t bound)
{
    for (size_t i = 0; i < bound; i++) {
        int msg = 100 + (int)i;
        cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_OK);
    }
}

Test(timeout, recv_timeout_on_an_empty_channel_waits_the_whole_timeout, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        int out = -1;
        uint64_t t0 = unit_now_ns();
        mpsc_status st = mpsc_recv_timeout(rx, &out, WAIT_MS * UNIT_MS);
        uint64_t waited = unit_now_ns() - t0;
        cr_assert_eq(st, MPSC_TIMEOUT, "%s: %s", all_flavors[f].name, mpsc_status_str(st));
        cr_assert_geq(waited, WAIT_MS * UNIT_MS, "%s: returned after %llu ns of a %d ms timeout",
                      all_flavors[f].name, (unsigned long long)waited, WAIT_MS);
        cr_assert_lt(waited, WAIT_MS * UNIT_MS + SLACK_NS, "%s", all_flavors[f].name);
        cr_assert_eq(out, -1, "%s: a timed-out recv wrote to out", all_flavors[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

static void check_send_timeout_on_a_full_channel(size_t cap)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), cap, &tx, &rx), MPSC_OK);
    fill(tx, cap);
    int msg = 7;
    uint64_t t0 = unit_now_ns();
    mpsc_status st = mpsc_send_timeout(tx, &msg, WAIT_MS * UNIT_MS);
    uint64_t waited = unit_now_ns() - t0;
    cr_assert_eq(st, MPSC_TIMEOUT, "bounded(%zu): %s", cap, mpsc_status_str(st));
    cr_assert_geq(waited, WAIT_MS * UNIT_MS, "returned after %llu ns", (unsigned long long)waited);
    cr_assert_lt(waited, WAIT_MS * UNIT_MS + SLACK_NS);
    cr_assert_eq(mpsc_len(rx), cap);
    int out;
    for (size_t i = 0; i < cap; i++) {
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, 100 + (int)i, "bounded(%zu): message %zu arrived as %d", cap, i, out);
    }
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY, "the timed-out message was queued after all");
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(timeout, send_timeout_on_a_full_bounded_channel_waits_the_whole_timeout_and_queues_nothing, .timeout = 10)
{
    check_send_timeout_on_a_full_channel(2);
    check_send_timeout_on_a_full_channel(UNIT_LARGE_BOUND);
}

Test(timeout, send_timeout_on_a_rendezvous_with_no_receiver_waits_the_whole_timeout_and_takes_the_message_back,
     .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 0, &tx, &rx), MPSC_OK);
    int msg = 7, out;
    uint64_t t0 = unit_now_ns();
    mpsc_status st = mpsc_send_timeout(tx, &msg, WAIT_MS * UNIT_MS);
    uint64_t waited = unit_now_ns() - t0;
    cr_assert_eq(st, MPSC_TIMEOUT, "%s", mpsc_status_str(st));
    cr_assert_geq(waited, WAIT_MS * UNIT_MS, "returned after %llu ns", (unsigned long long)waited);
    cr_assert_lt(waited, WAIT_MS * UNIT_MS + SLACK_NS);
    /* A receiver arriving now must not find the withdrawn message. */
    cr_assert_eq(mpsc_recv_timeout(rx, &out, 5 * UNIT_MS), MPSC_TIMEOUT, "the timed-out message was delivered");
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

/* ---- the other side acts while a timed call waits ------------------------ */

enum late_act { SEND_55, DROP_SENDER, RECEIVE, DROP_RECEIVER };

/* A thread that waits WAIT_MS and then acts on its end of the channel. */
struct late_actor {
    enum late_act act;
    mpsc_sender *tx;
    mpsc_receiver *rx;
    uint64_t acted_at;
    int out;
    mpsc_status st;
};

static void *act_late(void *arg)
{
    struct late_actor *a = arg;
    int msg = 55;
    unit_sleep_ms(WAIT_MS);
    a->acted_at = unit_now_ns();
    switch (a->act) {
    case SEND_55: a->st = mpsc_send(a->tx, &msg); break;
    case DROP_SENDER: mpsc_sender_drop(a->tx); break;
    case RECEIVE: a->st = mpsc_recv(a->rx, &a->out); break;
    case DROP_RECEIVER: mpsc_receiver_drop(a->rx); break;
    }
    return NULL;
}

/* Makes a timed call (a recv_timeout on rx, or a send_timeout of msg on tx
 * when rx is NULL) while the actor acts, and checks that the call returned
 * after the act and well before its timeout.  Returns the call's status. */
static mpsc_status timed_call_during(struct late_actor *a, mpsc_sender *tx, mpsc_receiver *rx, int *msg,
                                     uint64_t timeout_ns, const char *what)
{
    pthread_t t = unit_spawn(act_late, a);
    uint64_t t0 = unit_now_ns();
    mpsc_status st = rx != NULL ? mpsc_recv_timeout(rx, msg, timeout_ns) : mpsc_send_timeout(tx, msg, timeout_ns);
    uint64_t done = unit_now_ns();
    unit_join(t);
    cr_assert_geq(done, a->acted_at, "%s: returned %s before the other side acted", what, mpsc_status_str(st));
    cr_assert_lt(done - t0, 4000 * UNIT_MS, "%s: the other side's act did not wake it", what);
    return st;
}

/* On each flavor, a recv_timeout of timeout_ns gets the message sent
 * WAIT_MS into its wait. */
static void check_recv_timeout_gets_a_late_message(uint64_t timeout_ns)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        struct late_actor a = {.act = SEND_55, .tx = mpsc_share(tx)};
        int out = 0;
        mpsc_status st = timed_call_during(&a, NULL, rx, &out, timeout_ns, all_flavors[f].name);
        cr_assert_eq(st, MPSC_OK, "%s, timeout %llu ns: %s", all_flavors[f].name, (unsigned long long)timeout_ns,
                     mpsc_status_str(st));
        cr_assert_eq(out, 55);
        cr_assert_eq(a.st, MPSC_OK);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(timeout, recv_timeout_returns_a_message_that_arrives_in_time, .timeout = 10)
{
    check_recv_timeout_gets_a_late_message(5000 * UNIT_MS);
}

Test(timeout, recv_timeout_returns_disconnected_when_the_last_sender_is_dropped_while_it_waits, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        struct late_actor a = {.act = DROP_SENDER, .tx = mpsc_move(tx)};
        int out = 0;
        mpsc_status st = timed_call_during(&a, NULL, rx, &out, 5000 * UNIT_MS, all_flavors[f].name);
        cr_assert_eq(st, MPSC_DISCONNECTED, "%s: %s", all_flavors[f].name, mpsc_status_str(st));
        mpsc_receiver_drop(rx);
    }
}

Test(timeout, send_timeout_succeeds_when_room_appears_in_time, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_BOUNDED(1), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        fill(tx, flavors[f].bound);
        struct late_actor a = {.act = RECEIVE, .rx = mpsc_share(rx)};
        int msg = 9;
        mpsc_status st = timed_call_during(&a, tx, NULL, &msg, 5000 * UNIT_MS, flavors[f].name);
        cr_assert_eq(st, MPSC_OK, "%s: %s", flavors[f].name, mpsc_status_str(st));
        cr_assert_eq(a.st, MPSC_OK);
        /* The receiver took the oldest message: the filler, or at a
         * rendezvous the timed send's own. */
        cr_assert_eq(a.out, flavors[f].bound > 0 ? 100 : 9, "%s", flavors[f].name);
        int out;
        if (flavors[f].bound > 0) {
            cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
            cr_assert_eq(out, 9);
        }
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(timeout, send_timeout_returns_disconnected_when_the_receiver_is_dropped_while_it_waits, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_BOUNDED(1), UNIT_RENDEZVOUS, UNIT_BOUNDED(UNIT_LARGE_BOUND)};
    for (size_t f = 0; f < sizeof flavors / sizeof flavors[0]; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        fill(tx, flavors[f].bound);
        mpsc_allow_disconnected_send(tx);
        struct late_actor a = {.act = DROP_RECEIVER, .rx = mpsc_move(rx)};
        int msg = 9;
        mpsc_status st = timed_call_during(&a, tx, NULL, &msg, 5000 * UNIT_MS, flavors[f].name);
        cr_assert_eq(st, MPSC_DISCONNECTED, "%s: %s", flavors[f].name, mpsc_status_str(st));
        cr_assert_eq(msg, 9);
        mpsc_sender_drop(tx);
    }
}

/* ---- a timeout of 0 -------------------------------------------------------- */

/* The shortest of five calls: a call that sleeps at all is slow every time,
 * while a preempted one is slow only now and then. */
#define FASTEST_OF_FIVE(expr, want, fastest)                                                                 \
    do {                                                                                                     \
        (fastest) = UINT64_MAX;                                                                              \
        for (int rep_ = 0; rep_ < 5; rep_++) {                                                               \
            uint64_t t0_ = unit_now_ns();                                                                    \
            mpsc_status st_ = (expr);                                                                        \
            uint64_t took_ = unit_now_ns() - t0_;                                                            \
            cr_assert_eq(st_, (want), "%s said %s", #expr, mpsc_status_str(st_));                            \
            if (took_ < (fastest))                                                                           \
                (fastest) = took_;                                                                           \
        }                                                                                                    \
    } while (0)

Test(timeout, zero_timeout_recv_never_blocks_and_says_timeout_where_try_recv_says_empty, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        int out = -1;
        cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
        uint64_t fastest;
        FASTEST_OF_FIVE(mpsc_recv_timeout(rx, &out, 0), MPSC_TIMEOUT, fastest);
        cr_assert_lt(fastest, UNIT_MS, "%s: a zero timeout took %llu ns", all_flavors[f].name,
                     (unsigned long long)fastest);
        cr_assert_eq(out, -1);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(timeout, zero_timeout_send_never_blocks_and_says_timeout_where_try_send_says_full, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_BOUNDED(2), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        fill(tx, flavors[f].bound);
        int msg = 1;
        cr_assert_eq(mpsc_try_send(tx, &msg), MPSC_FULL);
        uint64_t fastest;
        FASTEST_OF_FIVE(mpsc_send_timeout(tx, &msg, 0), MPSC_TIMEOUT, fastest);
        cr_assert_lt(fastest, UNIT_MS, "%s: a zero timeout took %llu ns", flavors[f].name,
                     (unsigned long long)fastest);
        cr_assert_eq(mpsc_len(rx), flavors[f].bound);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(timeout, zero_timeout_succeeds_when_the_operation_can_complete_now)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    int msg = 4, out = 0;
    cr_assert_eq(mpsc_send_timeout(tx, &msg, 0), MPSC_OK, "an unbounded send never times out");
    cr_assert_eq(mpsc_recv_timeout(rx, &out, 0), MPSC_OK);
    cr_assert_eq(out, 4);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);

    cr_assert_eq(mpsc_sync_channel(sizeof(int), 1, &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_send_timeout(tx, &msg, 0), MPSC_OK, "a bounded channel with room accepts at once");
    cr_assert_eq(mpsc_recv_timeout(rx, &out, 0), MPSC_OK);
    cr_assert_eq(out, 4);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(timeout, zero_timeout_reports_disconnection_rather_than_timeout)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        int msg = 1, out;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        mpsc_sender_drop(tx);
        cr_assert_eq(mpsc_recv_timeout(rx, &out, 0), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        mpsc_receiver_drop(rx);

        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        mpsc_allow_disconnected_send(tx);
        mpsc_receiver_drop(rx);
        cr_assert_eq(mpsc_send_timeout(tx, &msg, 0), MPSC_DISCONNECTED, "%s", all_flavors[f].name);
        mpsc_sender_drop(tx);
    }
}

/* ---- deadlines --------------------------------------------------------------- */

static struct timespec monotonic_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + ms * 1000000;
    ts.tv_sec += (time_t)(ns / 1000000000);
    ns %= 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        ts.tv_sec--;
    }
    ts.tv_nsec = (long)ns;
    return ts;
}

Test(timeout, recv_deadline_in_the_past_returns_timeout_without_blocking, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        int out = -1;
        const struct timespec past[] = {monotonic_in(-1000), monotonic_in(-1), {0, 0}, {0, 1}};
        for (size_t i = 0; i < sizeof past / sizeof past[0]; i++) {
            uint64_t fastest;
            FASTEST_OF_FIVE(mpsc_recv_deadline(rx, &out, &past[i]), MPSC_TIMEOUT, fastest);
            cr_assert_lt(fastest, UNIT_MS, "%s, past deadline %zu: took %llu ns", all_flavors[f].name, i,
                         (unsigned long long)fastest);
        }
        cr_assert_eq(out, -1);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(timeout, recv_deadline_in_the_past_still_takes_a_queued_message)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 1, &tx, &rx), MPSC_OK);
    int msg = 12, out = 0;
    cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
    struct timespec past = monotonic_in(-1000);
    cr_assert_eq(mpsc_recv_deadline(rx, &out, &past), MPSC_OK);
    cr_assert_eq(out, 12);
    mpsc_sender_drop(tx);
    cr_assert_eq(mpsc_recv_deadline(rx, &out, &past), MPSC_DISCONNECTED);
    mpsc_receiver_drop(rx);
}

Test(timeout, recv_deadline_is_read_on_the_monotonic_clock_and_never_returns_early, .timeout = 10)
{
    /* A deadline taken from CLOCK_MONOTONIC read on CLOCK_REALTIME would lie
     * decades in the past, and the call would return at once. */
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        int out;
        struct timespec deadline = monotonic_in(WAIT_MS);
        mpsc_status st = mpsc_recv_deadline(rx, &out, &deadline);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        cr_assert_eq(st, MPSC_TIMEOUT, "%s: %s", all_flavors[f].name, mpsc_status_str(st));
        cr_assert(now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec),
                  "%s: recv_deadline returned before its deadline", all_flavors[f].name);
        cr_assert_lt(now.tv_sec, deadline.tv_sec + 3, "%s: returned long after the deadline", all_flavors[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

/* ---- spurious wake-ups --------------------------------------------------- */

static void ignore_signal(int sig)
{
    (void)sig;
}

/* Sends SIGUSR1 to a thread every 2 ms until told to stop, so that every
 * sleep it is in is interrupted (the handler is installed without
 * SA_RESTART). */
struct interrupter {
    pthread_t target;
    atomic_int stop;
    int sent;
};

static void *interrupt_often(void *arg)
{
    struct interrupter *in = arg;
    while (!atomic_load(&in->stop)) {
        pthread_kill(in->target, SIGUSR1);
        in->sent++;
        unit_sleep_ms(2);
    }
    return NULL;
}

static pthread_t start_interrupting(struct interrupter *in)
{
    struct sigaction sa = {.sa_handler = ignore_signal};
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    in->target = pthread_self();
    atomic_init(&in->stop, 0);
    in->sent = 0;
    return unit_spawn(interrupt_often, in);
}

static void stop_interrupting(struct interrupter *in, pthread_t t)
{
    atomic_store(&in->stop, 1);
    unit_join(t);
    cr_assert_gt(in->sent, 3, "the waits were interrupted only %d times", in->sent);
}

Test(timeout, timed_waits_interrupted_by_signals_still_wait_the_whole_timeout, .timeout = 10)
{
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(all_flavors[f], sizeof(int), NULL, &tx, &rx);
        int msg = 1, out;
        struct interrupter in;
        pthread_t t = start_interrupting(&in);

        uint64_t t0 = unit_now_ns();
        mpsc_status st = mpsc_recv_timeout(rx, &out, 2 * WAIT_MS * UNIT_MS);
        uint64_t waited = unit_now_ns() - t0;
        cr_assert_eq(st, MPSC_TIMEOUT, "%s recv: %s", all_flavors[f].name, mpsc_status_str(st));
        cr_assert_geq(waited, 2 * WAIT_MS * UNIT_MS, "%s: recv_timeout returned %llu ns into a %d ms timeout",
                      all_flavors[f].name, (unsigned long long)waited, 2 * WAIT_MS);

        if (all_flavors[f].bounded) {
            fill(tx, all_flavors[f].bound);
            t0 = unit_now_ns();
            st = mpsc_send_timeout(tx, &msg, 2 * WAIT_MS * UNIT_MS);
            waited = unit_now_ns() - t0;
            cr_assert_eq(st, MPSC_TIMEOUT, "%s send: %s", all_flavors[f].name, mpsc_status_str(st));
            cr_assert_geq(waited, 2 * WAIT_MS * UNIT_MS, "%s: send_timeout returned %llu ns into a %d ms timeout",
                          all_flavors[f].name, (unsigned long long)waited, 2 * WAIT_MS);
        }
        stop_interrupting(&in, t);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

struct racing_sender {
    mpsc_sender *tx;
    int msg;
    atomic_int started;
    uint64_t waited;
    mpsc_status st;
};

static void *send_with_timeout(void *arg)
{
    struct racing_sender *r = arg;
    atomic_store(&r->started, 1);
    uint64_t t0 = unit_now_ns();
    r->st = mpsc_send_timeout(r->tx, &r->msg, 4 * WAIT_MS * UNIT_MS);
    r->waited = unit_now_ns() - t0;
    return NULL;
}

Test(timeout, a_send_timeout_that_loses_the_race_for_a_slot_waits_out_its_timeout, .timeout = 10)
{
    /* One slot frees up for two waiting senders: the winner sends, the loser
     * is woken (or not) but must keep waiting until its own deadline. */
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 1, &tx, &rx), MPSC_OK);
    fill(tx, 1);
    struct racing_sender r[2] = {{.tx = mpsc_share(tx), .msg = 1}, {.tx = mpsc_share(tx), .msg = 2}};
    pthread_t t[2] = {unit_spawn(send_with_timeout, &r[0]), unit_spawn(send_with_timeout, &r[1])};
    unit_wait_flag(&r[0].started);
    unit_wait_flag(&r[1].started);
    unit_sleep_ms(10);
    int out;
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 100);
    unit_join(t[0]);
    unit_join(t[1]);
    int winners = (r[0].st == MPSC_OK) + (r[1].st == MPSC_OK);
    cr_assert_eq(winners, 1, "%d senders got the one free slot", winners);
    const struct racing_sender *loser = r[0].st == MPSC_OK ? &r[1] : &r[0];
    cr_assert_eq(loser->st, MPSC_TIMEOUT, "the loser said %s", mpsc_status_str(loser->st));
    cr_assert_geq(loser->waited, 4 * WAIT_MS * UNIT_MS, "the loser gave up after %llu ns of %d ms",
                  (unsigned long long)loser->waited, 4 * WAIT_MS);
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_OK);
    cr_assert_neq(out, loser->msg);
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

/* ---- huge timeouts ------------------------------------------------------- */

Test(timeout, a_huge_timeout_waits_instead_of_wrapping_around, .timeout = 10)
{
    check_recv_timeout_gets_a_late_message(UINT64_MAX);
    const struct unit_flavor flavors[] = {UNIT_BOUNDED(1), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        fill(tx, flavors[f].bound);
        struct late_actor a = {.act = RECEIVE, .rx = mpsc_share(rx)};
        int msg = 3;
        mpsc_status st = timed_call_during(&a, tx, NULL, &msg, UINT64_MAX, flavors[f].name);
        cr_assert_eq(st, MPSC_OK, "%s: send_timeout(UINT64_MAX) said %s", flavors[f].name, mpsc_status_str(st));
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

struct far_waiter {
    mpsc_receiver *rx;
    struct timespec deadline;
    uint64_t returned_at;
    int out;
    mpsc_status st;
};

static void *recv_by_deadline(void *arg)
{
    struct far_waiter *w = arg;
    w->st = mpsc_recv_deadline(w->rx, &w->out, &w->deadline);
    w->returned_at = unit_now_ns();
    return NULL;
}

Test(timeout, a_far_future_deadline_waits_instead_of_overflowing, .timeout = 10)
{
    /* Seconds whose count of nanoseconds overflows 64 bits.  18446744074 s
     * (the year 2554) wraps to 0.29 s after boot, a deadline long past. */
    const struct timespec far[] = {
        {.tv_sec = (time_t)INT64_MAX, .tv_nsec = 999999999},
        {.tv_sec = (time_t)18446744074, .tv_nsec = 0},
        {.tv_sec = (time_t)1 << 40, .tv_nsec = 0},
    };
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(int), &tx, &rx), MPSC_OK);
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        struct far_waiter w = {.rx = mpsc_share(rx), .deadline = far[i]};
        pthread_t t = unit_spawn(recv_by_deadline, &w);
        unit_sleep_ms(WAIT_MS);
        uint64_t sent_at = unit_now_ns();
        int msg = 55;
        cr_assert_eq(mpsc_send(tx, &msg), MPSC_OK);
        unit_join(t);
        cr_assert_eq(w.st, MPSC_OK, "deadline of %lld s: %s", (long long)far[i].tv_sec, mpsc_status_str(w.st));
        cr_assert_geq(w.returned_at, sent_at, "deadline of %lld s: returned before the message was sent",
                      (long long)far[i].tv_sec);
        cr_assert_eq(w.out, 55);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}
