/*
 * alloc_fail.c - allocation failure, exhaustively: linked against the static
 * library with -Wl,--wrap=malloc,--wrap=calloc,--wrap=aligned_alloc and
 * --wrap=mpsc__pages_alloc (the unbounded queue's blocks, src/pages.c), it runs
 * one scenario (every flavor created with and without a name through each
 * creation call, sender clones, unbounded queues filled past several blocks
 * and drained, bounded and rendezvous traffic, receivers dropped with
 * messages queued) once for every N, making the N-th allocation fail, until
 * a run makes fewer than N allocations.  The call that met the failure must
 * report MPSC_ENOMEM (clone: NULL with errno ENOMEM) and change nothing: the
 * test retries it, and at the end every message must have been received
 * exactly once, in order, or handed to the drop function.  Under ASan/LSan
 * any memory the failure path forgets is reported at exit.
 */
#include <mpsc.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "alloc_fail.c:%d: failing allocation %ld: check failed: %s\n", __LINE__,  \
                    fail_at, #cond);                                                               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* ---- the failing allocator ---------------------------------------------- */

/* The linker sends the library's (and this file's) calls to these; the
 * names are fixed by ld's --wrap. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t n);
void *__real_mpsc__pages_alloc(size_t bytes, bool populate);
void *__wrap_mpsc__pages_alloc(size_t bytes, bool populate);

static long allocations; /* calls made in this run */
static long fail_at;     /* which one fails (1-based); 0: none */
static long failures;    /* failures injected in this run */

static bool fail_now(void)
{
    if (++allocations != fail_at)
        return false;
    failures++;
    return true;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return fail_now() ? NULL : __real_aligned_alloc(align, n);
}

void *__wrap_mpsc__pages_alloc(size_t bytes, bool populate)
{
    return fail_now() ? NULL : __real_mpsc__pages_alloc(bytes, populate);
}

/* ---- the scenario ------------------------------------------------------ */

static long enomem_seen; /* calls that reported the failure, this run */

/* Runs a status-returning call; after MPSC_ENOMEM checks that nothing
 * changed (`unchanged`, evaluated then) and runs it again, which must not
 * meet the same failure. */
#define RETRYING(st, call, unchanged)                                                              \
    do {                                                                                           \
        (st) = (call);                                                                             \
        if ((st) == MPSC_ENOMEM) {                                                                 \
            enomem_seen++;                                                                         \
            CHECK(unchanged);                                                                      \
            (st) = (call);                                                                         \
        }                                                                                          \
    } while (0)

static long dropped;

static void count_drop(void *msg)
{
    (void)msg;
    dropped++;
}

static mpsc_sender *const TX_UNTOUCHED = (mpsc_sender *)(uintptr_t)0x7e57;
static mpsc_receiver *const RX_UNTOUCHED = (mpsc_receiver *)(uintptr_t)0x7e58;

enum creator { WITH_CHANNEL, WITH_SYNC_CHANNEL, WITH_CONFIG };

static void create(enum creator how, bool bounded, size_t bound, size_t elem, const char *name, mpsc_sender **tx,
                   mpsc_receiver **rx)
{
    mpsc_config cfg = {.elem_size = elem, .bounded = bounded, .bound = bound, .drop = count_drop, .name = name};
    mpsc_status st;
    *tx = TX_UNTOUCHED;
    *rx = RX_UNTOUCHED;
    if (how == WITH_CONFIG)
        RETRYING(st, mpsc_channel_new(&cfg, tx, rx), *tx == TX_UNTOUCHED && *rx == RX_UNTOUCHED);
    else if (bounded)
        RETRYING(st, mpsc_sync_channel(elem, bound, tx, rx), *tx == TX_UNTOUCHED && *rx == RX_UNTOUCHED);
    else
        RETRYING(st, mpsc_channel(elem, tx, rx), *tx == TX_UNTOUCHED && *rx == RX_UNTOUCHED);
    CHECK(st == MPSC_OK);
}

static mpsc_sender *clone(mpsc_sender *tx)
{
    errno = 0;
    mpsc_sender *c = mpsc_sender_clone(tx);
    if (c == NULL) {
        CHECK(errno == ENOMEM);
        enomem_seen++;
        c = mpsc_sender_clone(tx);
    }
    CHECK(c != NULL);
    return c;
}

/* A message of elem bytes (at least 8) that says its sequence number. */
static void make(unsigned char *buf, size_t elem, uint64_t seq)
{
    memset(buf, (int)(seq & 0xff), elem);
    memcpy(buf, &seq, sizeof seq);
}

static uint64_t seq_of(const unsigned char *buf)
{
    uint64_t seq;
    memcpy(&seq, buf, sizeof seq);
    return seq;
}

/* Sends `count` numbered messages from `first` through the senders in turn,
 * with every send form; a send that meets the failure must leave the
 * queue's length as it was. */
static void send_many(mpsc_sender **txs, int ntx, mpsc_receiver *rx, size_t elem, uint64_t first, size_t count)
{
    unsigned char buf[256];
    for (size_t i = 0; i < count; i++) {
        mpsc_sender *tx = txs[i % (size_t)ntx];
        make(buf, elem, first + i);
        size_t before = mpsc_len(rx);
        mpsc_status st;
        switch (i % 3) {
        case 0: RETRYING(st, mpsc_send(tx, buf), mpsc_len(rx) == before); break;
        case 1: RETRYING(st, mpsc_try_send(tx, buf), mpsc_len(rx) == before); break;
        default: RETRYING(st, mpsc_send_timeout(tx, buf, 1000000), mpsc_len(rx) == before); break;
        }
        CHECK(st == MPSC_OK);
    }
}

static void recv_many(mpsc_receiver *rx, uint64_t first, size_t count)
{
    unsigned char buf[256];
    for (size_t i = 0; i < count; i++) {
        mpsc_status st;
        switch (i % 3) {
        case 0: RETRYING(st, mpsc_recv(rx, buf), true); break;
        case 1: RETRYING(st, mpsc_try_recv(rx, buf), true); break;
        default: RETRYING(st, mpsc_recv_timeout(rx, buf, 1000000), true); break;
        }
        CHECK(st == MPSC_OK);
        CHECK(seq_of(buf) == first + i);
    }
}

/* Unbounded, with elem-byte messages: three clones, enough messages to
 * cross several blocks, half drained, more sent (reusing the freed block),
 * then the receiver dropped with messages queued. */
static void unbounded(enum creator how, const char *name, size_t elem, size_t n)
{
    mpsc_sender *txs[4];
    mpsc_receiver *rx;
    create(how, false, 0, elem, name, &txs[0], &rx);
    for (int i = 1; i < 4; i++)
        txs[i] = clone(txs[i - 1]);
    send_many(txs, 4, rx, elem, 0, n);
    CHECK(mpsc_len(rx) == n);
    recv_many(rx, 0, n / 2);
    send_many(txs, 4, rx, elem, n, n);
    recv_many(rx, n / 2, n);
    for (int i = 0; i < 4; i++)
        mpsc_sender_drop(txs[i]);
    long before = dropped;
    size_t queued = mpsc_len(rx);
    CHECK(queued == n / 2);
    mpsc_receiver_drop(rx);
    if (how == WITH_CONFIG)
        CHECK(dropped - before == (long)queued);
}

/* Bounded(bound) and rendezvous (bound 0): traffic that never blocks. */
static void bounded(enum creator how, const char *name, size_t bound)
{
    mpsc_sender *tx, *tx2;
    mpsc_receiver *rx;
    create(how, true, bound, 16, name, &tx, &rx);
    tx2 = clone(tx);
    mpsc_sender *txs[2] = {tx, tx2};
    unsigned char buf[16];
    make(buf, sizeof buf, 99);
    mpsc_status st;
    if (bound == 0) {
        RETRYING(st, mpsc_try_send(tx, buf), true);
        CHECK(st == MPSC_FULL);
        RETRYING(st, mpsc_try_recv(rx, buf), true);
        CHECK(st == MPSC_EMPTY);
    } else {
        send_many(txs, 2, rx, 16, 0, bound);
        RETRYING(st, mpsc_try_send(tx2, buf), true);
        CHECK(st == MPSC_FULL);
        recv_many(rx, 0, bound);
        send_many(txs, 2, rx, 16, bound, bound);
    }
    mpsc_sender_drop(tx2);
    mpsc_sender_drop(tx);
    long before = dropped;
    mpsc_receiver_drop(rx);
    if (how == WITH_CONFIG)
        CHECK(dropped - before == (long)bound);
}

static void scenario(void)
{
    /* mpsc_channel and mpsc_sync_channel take no name; a name goes through
     * the configuration. */
    static const struct {
        enum creator how;
        const char *name;
    } ways[] = {{WITH_CHANNEL, NULL}, {WITH_CONFIG, NULL}, {WITH_CONFIG, "allocation test"}};
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        enum creator how = ways[w].how, bounded_how = how == WITH_CHANNEL ? WITH_SYNC_CHANNEL : how;
        unbounded(how, ways[w].name, 8, 3000);
        unbounded(how, ways[w].name, 200, 400);
        bounded(bounded_how, ways[w].name, 4);
        bounded(bounded_how, ways[w].name, 0);
    }
}

int main(void)
{
    long points = 0, reported = 0;
    for (fail_at = 1;; fail_at++) {
        allocations = failures = enomem_seen = 0;
        scenario();
        if (allocations < fail_at)
            break; /* this run reached no N-th allocation: every point done */
        points++;
        /* The injected failure was reported by exactly one call. */
        CHECK(failures == 1);
        CHECK(enomem_seen == 1);
        reported += enomem_seen;
    }
    printf("alloc_fail: %ld allocations per scenario run; %ld failure points tried, each reported as "
           "MPSC_ENOMEM (or NULL + ENOMEM) by the call that met it, nothing lost: ok\n",
           allocations, points);
    return reported == points && points > 0 ? 0 : 1;
}
