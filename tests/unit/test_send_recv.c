/*
 * test_send_recv.c - the blocking send and recv: messages arrive whole, in
 * each sender's order, exactly once, on every flavor and for every message
 * size (0 bytes, a few bytes, 1000 bytes); an unbounded send never blocks; a
 * bounded send blocks while the buffer is full and wakes when there is room.
 */
#include "unit.h"

#include <string.h>

static const struct unit_flavor buffered[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(8)};

Test(send_recv, messages_arrive_in_the_order_they_were_sent, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], sizeof(int), NULL, &tx, &rx);
        for (int i = 0; i < 8; i++)
            cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
        for (int i = 0; i < 8; i++) {
            int out = -1;
            cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
            cr_assert_eq(out, i, "%s: message %d arrived as %d", buffered[f].name, i, out);
        }
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(send_recv, send_copies_the_message_so_the_caller_may_reuse_its_buffer, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], 16, NULL, &tx, &rx);
        char buf[16];
        memcpy(buf, "first message!!", 16);
        cr_assert_eq(mpsc_send(tx, buf), MPSC_OK);
        memcpy(buf, "second message!", 16);
        cr_assert_eq(mpsc_send(tx, buf), MPSC_OK);
        memset(buf, 0, sizeof buf);
        char out[16];
        cr_assert_eq(mpsc_recv(rx, out), MPSC_OK);
        cr_assert_str_eq(out, "first message!!", "%s", buffered[f].name);
        cr_assert_eq(mpsc_recv(rx, out), MPSC_OK);
        cr_assert_str_eq(out, "second message!", "%s", buffered[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

Test(send_recv, recv_copies_exactly_elem_size_bytes, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(3, &tx, &rx), MPSC_OK);
    cr_assert_eq(mpsc_send(tx, "abc"), MPSC_OK);
    char out[8];
    memset(out, '#', sizeof out);
    cr_assert_eq(mpsc_recv(rx, out), MPSC_OK);
    cr_assert_eq(memcmp(out, "abc#####", 8), 0, "got %.8s", out);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

/* A rendezvous needs a second thread on the other side; these send n
 * messages of the channel's size, message i filled with byte i. */
struct pattern_sender {
    mpsc_sender *tx;
    size_t elem_size;
    int n;
    mpsc_status st;
};

static void *send_patterns(void *arg)
{
    struct pattern_sender *p = arg;
    unsigned char *msg = malloc(p->elem_size > 0 ? p->elem_size : 1);
    p->st = MPSC_OK;
    for (int i = 0; i < p->n && p->st == MPSC_OK; i++) {
        memset(msg, i + 1, p->elem_size);
        p->st = mpsc_send(p->tx, p->elem_size > 0 ? msg : NULL);
    }
    free(msg);
    mpsc_sender_drop(p->tx);
    return NULL;
}

/* Sends n messages of elem_size bytes on a channel of each flavor from a
 * second thread, and checks that each arrives whole and in order, and that
 * the channel then reports the disconnection. */
static void round_trip(size_t elem_size, int n)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(2), UNIT_RENDEZVOUS};
    unsigned char *out = malloc(elem_size + 1);
    unsigned char *want = malloc(elem_size + 1);
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], elem_size, NULL, &tx, &rx);
        struct pattern_sender p = {.tx = mpsc_move(tx), .elem_size = elem_size, .n = n};
        pthread_t t = unit_spawn(send_patterns, &p);
        for (int i = 0; i < n; i++) {
            memset(out, 0, elem_size + 1);
            memset(want, i + 1, elem_size);
            want[elem_size] = 0;
            cr_assert_eq(mpsc_recv(rx, elem_size > 0 ? out : NULL), MPSC_OK, "%s: message %d", flavors[f].name, i);
            cr_assert_eq(memcmp(out, want, elem_size + 1), 0,
                         "%s, %zu-byte messages: message %d arrived changed (or with bytes past its end)",
                         flavors[f].name, elem_size, i);
        }
        cr_assert_eq(mpsc_recv(rx, out), MPSC_DISCONNECTED, "%s", flavors[f].name);
        unit_join(t);
        cr_assert_eq(p.st, MPSC_OK, "%s: send said %s", flavors[f].name, mpsc_status_str(p.st));
        mpsc_receiver_drop(rx);
    }
    free(out);
    free(want);
}

Test(send_recv, unit_messages_work_on_every_flavor, .timeout = 10)
{
    round_trip(0, 50);
}

Test(send_recv, small_messages_round_trip_on_every_flavor, .timeout = 10)
{
    round_trip(1, 50);
    round_trip(sizeof(uint64_t), 50);
    round_trip(13, 50);
    /* The largest message a rendezvous packet carries inside itself, and the
     * smallest that goes through a pointer (flavor_zero.c). */
    round_trip(16, 50);
    round_trip(17, 50);
}

Test(send_recv, thousand_byte_messages_round_trip_on_every_flavor, .timeout = 10)
{
    round_trip(1000, 50);
}

Test(send_recv, unit_messages_are_counted_one_by_one, .timeout = 10)
{
    for (size_t f = 0; f < 2; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(buffered[f], 0, NULL, &tx, &rx);
        for (int i = 0; i < 5; i++)
            cr_assert_eq(mpsc_send(tx, NULL), MPSC_OK);
        mpsc_sender_drop(tx);
        int got = 0;
        while (mpsc_recv(rx, NULL) == MPSC_OK)
            got++;
        cr_assert_eq(got, 5, "%s: %d unit messages received, 5 sent", buffered[f].name, got);
        mpsc_receiver_drop(rx);
    }
}

struct delayed_sender {
    mpsc_sender *tx;
    int msg;
    uint64_t sent_at;
    mpsc_status st;
};

static void *send_after_30ms(void *arg)
{
    struct delayed_sender *d = arg;
    unit_sleep_ms(30);
    d->sent_at = unit_now_ns();
    d->st = mpsc_send(d->tx, &d->msg);
    return NULL;
}

Test(send_recv, recv_blocks_until_a_message_arrives, .timeout = 10)
{
    const struct unit_flavor flavors[] = {UNIT_UNBOUNDED, UNIT_BOUNDED(2), UNIT_RENDEZVOUS};
    for (size_t f = 0; f < 3; f++) {
        mpsc_sender *tx;
        mpsc_receiver *rx;
        unit_open(flavors[f], sizeof(int), NULL, &tx, &rx);
        struct delayed_sender d = {.tx = mpsc_share(tx), .msg = 77};
        pthread_t t = unit_spawn(send_after_30ms, &d);
        int out = 0;
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        uint64_t got_at = unit_now_ns();
        unit_join(t);
        cr_assert_eq(d.st, MPSC_OK);
        cr_assert_eq(out, 77);
        cr_assert_geq(got_at, d.sent_at, "%s: recv returned before the message was sent", flavors[f].name);
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

/* ---- several senders: per-sender FIFO, nothing lost, nothing twice ------ */

struct tagged {
    uint32_t sender;
    uint32_t seq;
};

struct fifo_sender {
    mpsc_sender *tx;
    uint32_t id;
    uint32_t n;
    mpsc_status st;
};

static void *send_tagged(void *arg)
{
    struct fifo_sender *s = arg;
    s->st = MPSC_OK;
    for (uint32_t i = 0; i < s->n && s->st == MPSC_OK; i++) {
        struct tagged m = {s->id, i};
        s->st = mpsc_send(s->tx, &m);
    }
    mpsc_sender_drop(s->tx);
    return NULL;
}

enum { FIFO_SENDERS = 4 };

/* Four threads each send n tagged messages; the receiver checks that each
 * sender's messages arrive numbered 0, 1, 2, ... with no gap and no repeat,
 * and that the channel disconnects after the last one. */
static void check_per_sender_fifo(struct unit_flavor fl, uint32_t n)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    unit_open(fl, sizeof(struct tagged), NULL, &tx, &rx);
    struct fifo_sender s[FIFO_SENDERS];
    pthread_t t[FIFO_SENDERS];
    for (uint32_t i = 0; i < FIFO_SENDERS; i++) {
        mpsc_sender *clone = mpsc_sender_clone(tx);
        cr_assert_not_null(clone);
        s[i] = (struct fifo_sender){.tx = mpsc_move(clone), .id = i, .n = n};
        t[i] = unit_spawn(send_tagged, &s[i]);
    }
    mpsc_sender_drop(tx);

    uint32_t next[FIFO_SENDERS] = {0};
    struct tagged m;
    uint64_t total = 0;
    mpsc_status st;
    while ((st = mpsc_recv(rx, &m)) == MPSC_OK) {
        cr_assert_lt(m.sender, FIFO_SENDERS, "%s: a message from sender %u, who does not exist", fl.name, m.sender);
        cr_assert_eq(m.seq, next[m.sender], "%s: sender %u's message %u arrived when %u was due", fl.name, m.sender,
                     m.seq, next[m.sender]);
        next[m.sender]++;
        total++;
    }
    cr_assert_eq(st, MPSC_DISCONNECTED);
    for (uint32_t i = 0; i < FIFO_SENDERS; i++) {
        unit_join(t[i]);
        cr_assert_eq(s[i].st, MPSC_OK, "%s: sender %u: %s", fl.name, i, mpsc_status_str(s[i].st));
        cr_assert_eq(next[i], n, "%s: %u of sender %u's %u messages arrived", fl.name, next[i], i, n);
    }
    cr_assert_eq(total, (uint64_t)n * FIFO_SENDERS);
    mpsc_receiver_drop(rx);
}

Test(send_recv, each_senders_messages_arrive_in_order_exactly_once_on_an_unbounded_channel, .timeout = 20)
{
    check_per_sender_fifo(UNIT_UNBOUNDED, 20000);
}

Test(send_recv, each_senders_messages_arrive_in_order_exactly_once_on_a_bounded_channel, .timeout = 20)
{
    check_per_sender_fifo(UNIT_BOUNDED(1000), 20000);
    check_per_sender_fifo(UNIT_BOUNDED(64), 10000);
    check_per_sender_fifo(UNIT_BOUNDED(4), 5000);
    check_per_sender_fifo(UNIT_BOUNDED(1), 2000);
}

Test(send_recv, each_senders_messages_arrive_in_order_exactly_once_on_a_rendezvous_channel, .timeout = 20)
{
    check_per_sender_fifo(UNIT_RENDEZVOUS, 1000);
}

/* ---- unbounded ---------------------------------------------------------- */

Test(unbounded, send_never_blocks, .timeout = 10)
{
    /* One thread sends everything before receiving anything: a send that
     * blocked would never return. */
    enum { N = 100000 };
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(uint32_t), &tx, &rx), MPSC_OK);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(mpsc_send(tx, &i), MPSC_OK, "send %u", i);
    cr_assert_eq(mpsc_len(rx), N);
    for (uint32_t i = 0; i < N; i++) {
        uint32_t out;
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, i);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

Test(unbounded, sends_and_receives_interleaved_across_many_blocks_keep_order, .timeout = 10)
{
    /* Two sends for every receive: the queue keeps growing into new blocks
     * while the receiver frees old ones. */
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_channel(sizeof(uint32_t), &tx, &rx), MPSC_OK);
    uint32_t sent = 0, expect = 0, out;
    for (int round = 0; round < 5000; round++) {
        cr_assert_eq(mpsc_send(tx, &sent), MPSC_OK);
        sent++;
        cr_assert_eq(mpsc_send(tx, &sent), MPSC_OK);
        sent++;
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, expect++);
    }
    mpsc_sender_drop(tx);
    while (mpsc_recv(rx, &out) == MPSC_OK)
        cr_assert_eq(out, expect++);
    cr_assert_eq(expect, sent);
    mpsc_receiver_drop(rx);
}

Test(unbounded, a_reused_block_holds_no_message_before_one_is_sent, .timeout = 20)
{
    /* One send, one receive, one try_recv that must find nothing: the
     * receiver keeps up, so each block it finishes comes back as the next
     * block the sender needs (flavor_list.c, block_get), and every slot of
     * it is checked empty before it is written.  A slot whose ready flag
     * was not cleared would hand over the last lap's message.  For every
     * size of the group of ready flags (1 to 16) and an odd size; 100,000
     * messages cross at least three blocks of the largest. */
    static const size_t sizes[] = {1, 2, 4, 8, 16, 3, 24};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t size = sizes[k];
        mpsc_sender *tx;
        mpsc_receiver *rx;
        cr_assert_eq(mpsc_channel(size, &tx, &rx), MPSC_OK);
        unsigned char msg[24], out[24];
        for (uint32_t i = 0; i < 100000; i++) {
            for (size_t j = 0; j < size; j++)
                msg[j] = (unsigned char)(i + j);
            cr_assert_eq(mpsc_send(tx, msg), MPSC_OK);
            cr_assert_eq(mpsc_recv(rx, out), MPSC_OK);
            cr_assert_eq(memcmp(out, msg, size), 0, "size %zu: message %u arrived changed", size, i);
            cr_assert_eq(mpsc_try_recv(rx, out), MPSC_EMPTY, "size %zu: a message after message %u", size, i);
        }
        mpsc_sender_drop(tx);
        mpsc_receiver_drop(rx);
    }
}

/* ---- bounded ------------------------------------------------------------ */

Test(bounded, send_returns_at_once_while_there_is_room, .timeout = 10)
{
    /* A single thread fills the buffer with blocking sends: each must
     * return without a receiver. */
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 5, &tx, &rx), MPSC_OK);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
    cr_assert_eq(mpsc_len(rx), 5);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

/* Fills a ring of `cap` with 0 .. cap-1; a sender of cap then blocks
 * (long enough to fall asleep), and wakes once one message is received. */
static void check_send_blocks_while_full(size_t cap)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), cap, &tx, &rx), MPSC_OK);
    for (int i = 0; i < (int)cap; i++)
        cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);

    struct unit_sender b;
    pthread_t t = unit_spawn_sender(&b, mpsc_share(tx), (int)cap);
    unit_assert_still_blocked(&b, 30, "while the channel was full");
    cr_assert_eq(mpsc_len(rx), cap, "bounded(%zu): the blocked message was queued beyond the bound", cap);

    uint64_t room_at = unit_now_ns();
    int out;
    cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
    cr_assert_eq(out, 0);
    unit_join(t);
    cr_assert_eq(b.st, MPSC_OK);
    cr_assert_geq(b.returned_at, room_at, "bounded(%zu): send returned before there was room", cap);
    for (int i = 1; i <= (int)cap; i++) {
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert_eq(out, i, "bounded(%zu): message %d arrived as %d", cap, i, out);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

/* Rings of 64 slots and more slip their receiver and pair its head store
 * with a membarrier fence in the sleeping sender (flavor_array.c); smaller
 * ones do not; a large bound is no ring (flavor_list.c, wait_for_room). */
Test(bounded, send_blocks_while_full_and_wakes_when_there_is_room, .timeout = 10)
{
    check_send_blocks_while_full(2);
    check_send_blocks_while_full(64);
    check_send_blocks_while_full(1000);
    check_send_blocks_while_full(UNIT_LARGE_BOUND);
}

Test(bounded, several_blocked_senders_all_get_through_as_room_appears, .timeout = 10)
{
    enum { SENDERS = 3 };
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), 1, &tx, &rx), MPSC_OK);
    int zero = 0;
    cr_assert_eq(mpsc_send(tx, &zero), MPSC_OK);
    struct unit_sender b[SENDERS];
    pthread_t t[SENDERS];
    for (int i = 0; i < SENDERS; i++)
        t[i] = unit_spawn_sender(&b[i], mpsc_share(tx), i + 1);
    for (int i = 0; i < SENDERS; i++)
        unit_wait_flag(&b[i].started);
    unit_sleep_ms(30);
    for (int i = 0; i < SENDERS; i++)
        cr_assert_eq(atomic_load(&b[i].returned), 0, "sender %d returned while the channel was full", i);
    int seen = 0, out;
    for (int i = 0; i <= SENDERS; i++) {
        cr_assert_eq(mpsc_recv(rx, &out), MPSC_OK);
        cr_assert(out >= 0 && out <= SENDERS && !(seen & 1 << out), "message %d unexpected or repeated", out);
        seen |= 1 << out;
    }
    for (int i = 0; i < SENDERS; i++) {
        unit_join(t[i]);
        cr_assert_eq(b[i].st, MPSC_OK);
    }
    cr_assert_eq(mpsc_try_recv(rx, &out), MPSC_EMPTY);
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
}

static void check_blocked_send_sees_the_receiver_go(size_t cap)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(int), cap, &tx, &rx), MPSC_OK);
    mpsc_allow_disconnected_send(tx);
    for (int i = 0; i < (int)cap; i++)
        cr_assert_eq(mpsc_send(tx, &i), MPSC_OK);
    struct unit_sender b;
    pthread_t t = unit_spawn_sender(&b, mpsc_share(tx), -2);
    unit_assert_still_blocked(&b, 30, "while the channel was full");
    mpsc_receiver_drop(rx);
    unit_join(t);
    cr_assert_eq(b.st, MPSC_DISCONNECTED, "bounded(%zu): the woken send said %s", cap, mpsc_status_str(b.st));
    cr_assert_eq(b.msg, -2);
    mpsc_sender_drop(tx);
}

Test(bounded, send_blocked_on_a_full_channel_wakes_with_disconnected_when_the_receiver_is_dropped, .timeout = 10)
{
    check_blocked_send_sees_the_receiver_go(1);
    check_blocked_send_sees_the_receiver_go(UNIT_LARGE_BOUND);
}

struct ring_sender {
    mpsc_sender *tx;
    uint32_t n;
    mpsc_status st;
};

static void *send_counting(void *arg)
{
    struct ring_sender *r = arg;
    r->st = MPSC_OK;
    for (uint32_t i = 0; i < r->n && r->st == MPSC_OK; i++)
        r->st = mpsc_send(r->tx, &i);
    mpsc_sender_drop(r->tx);
    return NULL;
}

Test(bounded, a_small_ring_wrapped_many_times_keeps_order, .timeout = 10)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    cr_assert_eq(mpsc_sync_channel(sizeof(uint32_t), 3, &tx, &rx), MPSC_OK);
    struct ring_sender r = {.tx = mpsc_move(tx), .n = 10000};
    pthread_t t = unit_spawn(send_counting, &r);
    uint32_t out, expect = 0;
    while (mpsc_recv(rx, &out) == MPSC_OK) {
        cr_assert_eq(out, expect, "message %u arrived as %u", expect, out);
        expect++;
    }
    unit_join(t);
    cr_assert_eq(r.st, MPSC_OK);
    cr_assert_eq(expect, r.n);
    mpsc_receiver_drop(rx);
}
