/*
 * rendezvous_timeout_race.c - a timed-out rendezvous call whose packet a
 * partner took just before the deadline must wait for the partner and
 * report MPSC_OK, never MPSC_DISCONNECTED while the other side is alive.
 * Large messages keep the partner copying for a while, so the deadline often
 * falls inside the copy: once with recv_timeout against a blocking sender,
 * once with send_timeout against a blocking receiver.  Every message must
 * also arrive intact and exactly once.
 *
 * A third round sends 8-byte messages to a receiver whose timeouts are
 * under half a microsecond: a sender then often claims, fills and completes
 * the receiver's packet between the receiver's last look at it and its
 * attempt to take it back, and the receiver must acquire the message it
 * finds completed there: under ThreadSanitizer a relaxed read of that
 * state showed as a race on the message in each of 8 runs at
 * MPSC_STRESS_SCALE=0.25.
 */
#include "stress.h"

#include <stdatomic.h>
#include <stdbool.h>

#define MSG_BYTES (256 * 1024)

struct side {
    mpsc_sender *tx;
    mpsc_receiver *rx;
    size_t messages;
    atomic_bool failed;
};

static unsigned char *new_buffer(void)
{
    unsigned char *b = malloc(MSG_BYTES);
    STRESS_CHECK(b != NULL);
    return b;
}

/* Message i: every byte is i's low byte, the first eight are i. */
static void fill(unsigned char *b, uint64_t i)
{
    memset(b, (int)(i & 0xff), MSG_BYTES);
    memcpy(b, &i, sizeof i);
}

static void expect(const unsigned char *b, uint64_t i)
{
    uint64_t got;
    memcpy(&got, b, sizeof got);
    if (got != i || b[MSG_BYTES - 1] != (unsigned char)(i & 0xff)) {
        fprintf(stderr, "rendezvous_timeout_race: got message %llu, expected %llu\n", (unsigned long long)got,
                (unsigned long long)i);
        exit(1);
    }
}

/* The blocking side arrives after a random pause, so that the timed side is
 * often asleep, close to its deadline, when the copy begins. */
static void pause_a_little(struct stress_rng *rng)
{
    stress_sleep_ns(stress_below(rng, 120000));
}

static void *blocking_sender(void *arg)
{
    struct side *s = arg;
    struct stress_rng rng = stress_rng_seeded(11);
    unsigned char *b = new_buffer();
    for (uint64_t i = 0; i < s->messages; i++) {
        fill(b, i);
        pause_a_little(&rng);
        STRESS_EXPECT(mpsc_send(s->tx, b), MPSC_OK);
    }
    free(b);
    mpsc_sender_drop(s->tx);
    return NULL;
}

static void *blocking_receiver(void *arg)
{
    struct side *s = arg;
    struct stress_rng rng = stress_rng_seeded(13);
    unsigned char *b = new_buffer();
    for (uint64_t i = 0; i < s->messages; i++) {
        pause_a_little(&rng);
        STRESS_EXPECT(mpsc_recv(s->rx, b), MPSC_OK);
        expect(b, i);
    }
    STRESS_EXPECT(mpsc_recv(s->rx, b), MPSC_DISCONNECTED);
    free(b);
    mpsc_receiver_drop(s->rx);
    return NULL;
}

/* A rendezvous channel of msg_bytes messages whose Sender runs `sender` on
 * thread *t; returns the Receiver. */
static mpsc_receiver *spawn_sender(struct side *s, size_t msg_bytes, void *(*sender)(void *), pthread_t *t)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_sync_channel(msg_bytes, 0, &tx, &rx), MPSC_OK);
    s->tx = mpsc_move(tx);
    STRESS_CHECK(pthread_create(t, NULL, sender, s) == 0);
    return rx;
}

/* recv_timeout with short timeouts against a sender that blocks. */
static size_t timed_receiver(size_t messages, struct stress_rng *rng)
{
    struct side s = {.messages = messages};
    pthread_t t;
    mpsc_receiver *rx = spawn_sender(&s, MSG_BYTES, blocking_sender, &t);
    unsigned char *b = new_buffer();
    size_t timeouts = 0;
    for (uint64_t i = 0; i < messages;) {
        mpsc_status st = mpsc_recv_timeout(rx, b, 1000 + stress_below(rng, 100000));
        if (st == MPSC_TIMEOUT) {
            timeouts++;
            continue;
        }
        if (st != MPSC_OK) {
            fprintf(stderr, "recv_timeout returned %s with the sender alive (message %llu)\n", mpsc_status_str(st),
                    (unsigned long long)i);
            exit(1);
        }
        expect(b, i++);
    }
    STRESS_EXPECT(mpsc_recv(rx, b), MPSC_DISCONNECTED);
    stress_join(t, 30.0);
    free(b);
    mpsc_receiver_drop(rx);
    return timeouts;
}

/* send_timeout with short timeouts against a receiver that blocks. */
static size_t timed_sender(size_t messages, struct stress_rng *rng)
{
    struct side s = {.messages = messages};
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_sync_channel(MSG_BYTES, 0, &tx, &rx), MPSC_OK);
    s.rx = mpsc_move(rx);
    pthread_t t;
    STRESS_CHECK(pthread_create(&t, NULL, blocking_receiver, &s) == 0);
    unsigned char *b = new_buffer();
    size_t timeouts = 0;
    for (uint64_t i = 0; i < messages;) {
        fill(b, i);
        mpsc_status st = mpsc_send_timeout(tx, b, 1000 + stress_below(rng, 100000));
        if (st == MPSC_TIMEOUT) {
            timeouts++;
            continue;
        }
        if (st != MPSC_OK) {
            fprintf(stderr, "send_timeout returned %s with the receiver alive (message %llu)\n", mpsc_status_str(st),
                    (unsigned long long)i);
            exit(1);
        }
        i++;
    }
    mpsc_sender_drop(tx);
    stress_join(t, 30.0);
    free(b);
    return timeouts;
}

static void *small_sender(void *arg)
{
    struct side *s = arg;
    for (uint64_t i = 0; i < s->messages; i++)
        STRESS_EXPECT(mpsc_send(s->tx, &i), MPSC_OK);
    mpsc_sender_drop(s->tx);
    return NULL;
}

/* recv_timeout with timeouts under 0.5 us against a sender of 8-byte
 * messages that blocks. */
static size_t timed_small_receiver(size_t messages, struct stress_rng *rng)
{
    struct side s = {.messages = messages};
    pthread_t t;
    mpsc_receiver *rx = spawn_sender(&s, sizeof(uint64_t), small_sender, &t);
    size_t timeouts = 0;
    for (uint64_t i = 0; i < messages;) {
        uint64_t got;
        mpsc_status st = mpsc_recv_timeout(rx, &got, 1 + stress_below(rng, 500));
        if (st == MPSC_TIMEOUT) {
            timeouts++;
            continue;
        }
        if (st != MPSC_OK || got != i) {
            fprintf(stderr, "recv_timeout returned %s, message %llu, expected %llu\n", mpsc_status_str(st),
                    (unsigned long long)got, (unsigned long long)i);
            exit(1);
        }
        i++;
    }
    STRESS_EXPECT(mpsc_recv(rx, &(uint64_t){0}), MPSC_DISCONNECTED);
    stress_join(t, 30.0);
    mpsc_receiver_drop(rx);
    return timeouts;
}

int main(void)
{
    stress_watchdog((unsigned)(120 * stress_scale()) + 60);
    struct stress_rng rng = stress_rng_seeded(7);
    size_t n = stress_scaled(2000, 100);
    size_t rt = timed_receiver(n, &rng);
    size_t st = timed_sender(n, &rng);
    size_t small = stress_scaled(4000000, 1000);
    size_t small_rt = timed_small_receiver(small, &rng);
    printf("rendezvous_timeout_race: %zu messages of %d KiB each way; %zu recv and %zu send timeouts, none "
           "misreported; %zu 8-byte messages, %zu recv timeouts under 0.5 us: ok\n",
           n, MSG_BYTES / 1024, rt, st, small, small_rt);
    return 0;
}
