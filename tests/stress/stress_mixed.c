/*
 * stress_mixed.c - one flavor (argv[1]: unbounded, bounded(1000), bounded(1),
 * rendezvous or bounded(65537)) under 1, 2, 4 and 8 producers that mix
 * blocking, try_ and timeout sends and create and drop sender clones
 * mid-flight, against a receiver that mixes every receive form.  Every
 * message carries its producer and a per-producer sequence number that
 * advances only when a send returned MPSC_OK, so the receiver (and the
 * drop function, for the runs where the receiver is dropped early) can
 * check that every message sent successfully arrives exactly once and in
 * its producer's order.
 */
#include "stress.h"

#include <stdatomic.h>
#include <stdbool.h>

#define MAX_PRODUCERS 8

struct msg {
    uint32_t producer;
    uint32_t check; /* a function of producer and seq: catches torn or mixed-up copies */
    uint64_t seq;
};

static uint32_t msg_check(uint32_t producer, uint64_t seq)
{
    return (uint32_t)(seq * UINT64_C(2654435761)) ^ (producer * 0x9E3779B9u) ^ 0x5bd1e995u;
}

/* One run: a channel, its producers and its receiver.  The producers write
 * only their own slot of sent_ok and ops, read by main after joining them;
 * everything else is the receiving (main) thread's. */
struct run {
    const struct stress_flavor *flavor;
    int producers;
    size_t per_producer;      /* successful sends each producer aims for */
    bool early_drop;          /* the receiver is dropped after stop_after messages */
    size_t stop_after;
    size_t sent_ok[MAX_PRODUCERS];
    uint64_t ops[MAX_PRODUCERS];
    uint64_t next_seq[MAX_PRODUCERS]; /* the sequence number expected next, per producer */
    size_t received, dropped;
};

/* The drop function has no context argument: it finds the run here.  It is
 * called by the receiving thread from inside mpsc_receiver_drop. */
static struct run *current_run;

/* Accepts one message, received or dropped, or fails the program. */
static void account(struct run *r, const struct msg *m)
{
    STRESS_CHECK(m->producer < (uint32_t)r->producers);
    STRESS_CHECK(m->check == msg_check(m->producer, m->seq));
    if (m->seq != r->next_seq[m->producer]) {
        fprintf(stderr, "%s, %d producers: producer %u: got seq %llu, expected %llu (lost, duplicated or reordered)\n",
                r->flavor->name, r->producers, m->producer, (unsigned long long)m->seq,
                (unsigned long long)r->next_seq[m->producer]);
        exit(1);
    }
    r->next_seq[m->producer]++;
}

static void drop_msg(void *p)
{
    /* Copied out: this program checks delivery, and leaves the alignment of
     * the pointer the library passes to drop_alignment.c. */
    struct msg m;
    memcpy(&m, p, sizeof m);
    account(current_run, &m);
    current_run->dropped++;
}

struct producer {
    struct run *run;
    uint32_t id;
    mpsc_sender *tx;
};

/* Sends one message through tx with a randomly chosen form.  Returns the
 * status; MPSC_FULL and MPSC_TIMEOUT are only legal on bounded channels. */
static mpsc_status send_some_way(struct run *r, mpsc_sender *tx, const struct msg *m, struct stress_rng *rng)
{
    static const uint64_t timeouts[] = {0, 1000, 20000, 200000};
    uint64_t op = stress_below(rng, 100);
    mpsc_status st;
    if (op < 50)
        st = mpsc_send(tx, m);
    else if (op < 70)
        st = mpsc_try_send(tx, m);
    else
        st = mpsc_send_timeout(tx, m, timeouts[stress_below(rng, 4)]);
    if (!r->flavor->bounded)
        STRESS_CHECK(st == MPSC_OK || st == MPSC_DISCONNECTED);
    return st;
}

static void *producer_main(void *arg)
{
    struct producer *p = arg;
    struct run *r = p->run;
    struct stress_rng rng = stress_rng_seeded(p->id * 7919u + r->per_producer + (uint64_t)r->producers);
    mpsc_sender *tx = p->tx;
    mpsc_sender *burst = NULL; /* a short-lived clone, used for a few messages */
    size_t burst_left = 0;
    uint64_t seq = 0, ops = 0;
    while (seq < r->per_producer) {
        /* Now and then: a clone that replaces tx, or a clone for a burst. */
        if (burst == NULL && stress_below(&rng, 256) == 0) {
            mpsc_sender *c = mpsc_sender_clone(tx);
            STRESS_CHECK(c != NULL);
            ops++;
            if (stress_below(&rng, 2) == 0) {
                mpsc_sender_drop(tx);
                tx = c;
            } else {
                burst = c;
                burst_left = 1 + stress_below(&rng, 8);
            }
        }
        struct msg m = {.producer = p->id, .check = msg_check(p->id, seq), .seq = seq};
        mpsc_status st = send_some_way(r, burst != NULL ? burst : tx, &m, &rng);
        ops++;
        if (st == MPSC_DISCONNECTED) {
            /* Only a run whose receiver goes away early may see this. */
            STRESS_CHECK(r->early_drop);
            break;
        }
        STRESS_CHECK(st == MPSC_OK || st == MPSC_FULL || st == MPSC_TIMEOUT);
        if (st == MPSC_OK)
            seq++;
        if (burst != NULL && --burst_left == 0) {
            mpsc_sender_drop(burst);
            burst = NULL;
        }
    }
    mpsc_sender_drop(burst);
    mpsc_sender_drop(tx);
    r->sent_ok[p->id] = seq;
    r->ops[p->id] = ops;
    return NULL;
}

/* Receives with a randomly chosen form until disconnected, or until
 * stop_after messages in an early-drop run.  Returns the operations run. */
static uint64_t receive_all(struct run *r, mpsc_receiver *rx)
{
    static const uint64_t timeouts[] = {0, 1000, 50000, 500000};
    struct stress_rng rng = stress_rng_seeded(r->per_producer * 31u + (uint64_t)r->producers);
    size_t cap = r->flavor->bounded ? r->flavor->bound : SIZE_MAX;
    uint64_t ops = 0;
    for (;;) {
        if (r->early_drop && r->received == r->stop_after)
            return ops;
        struct msg m;
        mpsc_status st;
        uint64_t op = stress_below(&rng, 100);
        if (op < 55) {
            st = mpsc_recv(rx, &m);
        } else if (op < 75) {
            st = mpsc_try_recv(rx, &m);
            STRESS_CHECK(st != MPSC_TIMEOUT);
        } else if (op < 90) {
            st = mpsc_recv_timeout(rx, &m, timeouts[stress_below(&rng, 4)]);
            STRESS_CHECK(st != MPSC_EMPTY);
        } else if (op < 98) {
            struct timespec dl;
            clock_gettime(CLOCK_MONOTONIC, &dl);
            dl.tv_nsec += (long)stress_below(&rng, 100000);
            if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
            }
            st = mpsc_recv_deadline(rx, &m, &dl);
            STRESS_CHECK(st != MPSC_EMPTY);
        } else {
            STRESS_CHECK(mpsc_capacity(rx) == cap);
            STRESS_CHECK(mpsc_len(rx) <= (r->flavor->bounded ? r->flavor->bound : SIZE_MAX));
            ops += 2;
            continue;
        }
        ops++;
        if (st == MPSC_OK) {
            account(r, &m);
            r->received++;
        } else if (st == MPSC_DISCONNECTED) {
            return ops;
        } else {
            STRESS_CHECK(st == MPSC_EMPTY || st == MPSC_TIMEOUT);
        }
    }
}

/* One run; returns the operations it ran. */
static uint64_t run_once(struct run *r)
{
    mpsc_config cfg = {
        .elem_size = sizeof(struct msg),
        .bounded = r->flavor->bounded,
        .bound = r->flavor->bound,
        .drop = drop_msg,
        .name = "stress",
    };
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_channel_new(&cfg, &tx, &rx), MPSC_OK);
    if (r->early_drop)
        STRESS_ALLOW_DISCONNECTED_SEND(rx);
    current_run = r;

    struct producer prod[MAX_PRODUCERS];
    pthread_t threads[MAX_PRODUCERS];
    for (int i = 0; i < r->producers; i++) {
        prod[i].run = r;
        prod[i].id = (uint32_t)i;
        /* The last producer takes the original Sender; the others clones. */
        mpsc_sender *mine = i + 1 < r->producers ? mpsc_sender_clone(tx) : tx;
        STRESS_CHECK(mine != NULL);
        prod[i].tx = mpsc_move(mine);
    }
    for (int i = 0; i < r->producers; i++)
        STRESS_CHECK(pthread_create(&threads[i], NULL, producer_main, &prod[i]) == 0);

    uint64_t ops = receive_all(r, rx);
    mpsc_receiver_drop(rx);
    for (int i = 0; i < r->producers; i++)
        stress_join(threads[i], 60.0 * stress_scale() + 30.0);

    size_t sent = 0;
    for (int i = 0; i < r->producers; i++) {
        sent += r->sent_ok[i];
        ops += r->ops[i];
        /* Every message this producer sent was received or dropped. */
        STRESS_CHECK(r->next_seq[i] == r->sent_ok[i]);
        if (!r->early_drop)
            STRESS_CHECK(r->sent_ok[i] == r->per_producer);
    }
    STRESS_CHECK(r->received + r->dropped == sent);
    if (!r->early_drop)
        STRESS_CHECK(r->dropped == 0);
    /* A bounded channel never holds more than its bound (a rendezvous none). */
    if (r->flavor->bounded)
        STRESS_CHECK(r->dropped <= r->flavor->bound);
    return ops;
}

int main(int argc, char **argv)
{
    const struct stress_flavor *fl = NULL;
    for (size_t i = 0; argc == 2 && i < STRESS_NFLAVORS; i++)
        if (strcmp(argv[1], stress_flavors[i].name) == 0)
            fl = &stress_flavors[i];
    if (fl == NULL) {
        fprintf(stderr, "usage: %s unbounded|bounded(1000)|bounded(1)|rendezvous|bounded(65537)\n", argv[0]);
        return 2;
    }
    stress_watchdog((unsigned)(120 * stress_scale()) + 60);

    /* Messages per configuration at scale 1: the slow hand-off flavors get
     * fewer so that each program takes a few seconds on two cores. */
    size_t budget = !fl->bounded ? 3000000 : fl->bound >= 1000 ? 3000000 : fl->bound == 1 ? 600000 : 200000;
    static const int producer_counts[] = {1, 2, 4, 8};
    uint64_t ops = 0, messages = 0, dropped = 0;
    for (size_t pi = 0; pi < 4; pi++) {
        for (int early = 0; early < 2; early++) {
            static struct run r; /* large; zeroed for each run */
            memset(&r, 0, sizeof r);
            r.flavor = fl;
            r.producers = producer_counts[pi];
            r.per_producer = stress_scaled(budget / (size_t)r.producers, 50);
            r.early_drop = early != 0;
            /* Drop the receiver somewhere in the first half of the stream. */
            r.stop_after = r.per_producer * (size_t)r.producers / (2 + pi);
            uint64_t t0 = stress_now_ns();
            ops += run_once(&r);
            messages += r.received + r.dropped;
            dropped += r.dropped;
            printf("%-13s producers=%d %-14s received=%zu dropped=%zu in %.0f ms\n", fl->name, r.producers,
                   r.early_drop ? "early-drop" : "to-disconnect", r.received, r.dropped,
                   (double)(stress_now_ns() - t0) / 1e6);
        }
    }
    printf("stress_mixed %s: %llu operations, %llu messages accounted for (%llu by the drop function): ok\n",
           fl->name, (unsigned long long)ops, (unsigned long long)messages, (unsigned long long)dropped);
    return 0;
}
