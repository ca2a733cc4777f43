/*
 * fuzz_api.c - libFuzzer target: reads its input as a sequence of API calls
 * on up to four channels (create any flavor and message size, clone, drop,
 * every send and receive form with zero, 1 us and the longest timeouts and
 * deadlines, len/capacity, and calls with NULL or overflowing arguments that
 * must return MPSC_EINVAL) and checks every result against a reference
 * model: a FIFO of message ids per channel.
 * Single-threaded, so every result is determined: a blocking call is made
 * only where the model says it returns at once.  Message buffers are
 * allocated at exactly elem_size bytes, so AddressSanitizer catches any copy
 * that reads or writes past a message.
 */
#include <mpsc.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHANS 4
#define SENDERS 4
#define MODEL_CAP 4096 /* messages the model keeps per channel; sends beyond are skipped */

/* Stops the fuzzer with a message; libFuzzer saves the input that did it. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_api.c:%d: model mismatch: %s\n", __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input, consumed a byte at a time; zeros once exhausted. */
struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t next_byte(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* One channel as the model sees it.  A slot is free when rx and every
 * sender are gone (the library has freed the channel). */
struct chan {
    bool live;
    bool bounded;
    size_t bound, elem_size;
    bool has_drop;
    mpsc_receiver *rx; /* NULL once dropped */
    mpsc_sender *tx[SENDERS];
    int senders;       /* live entries of tx */
    uint64_t queue[MODEL_CAP]; /* ids of queued messages, a ring */
    size_t head, len;
};

static struct chan chans[CHANS];
static uint64_t next_id;

/* The bytes of message `id`: distinct for distinct ids when elem_size >= 8. */
static void fill(unsigned char *buf, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)((id >> (8 * (i % 8))) ^ (i / 8 * 0x3b));
}

static bool same(const unsigned char *buf, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != (unsigned char)((id >> (8 * (i % 8))) ^ (i / 8 * 0x3b)))
            return false;
    return true;
}

/* The drop function checks that it gets the queued messages, oldest first. */
static struct chan *dropping;
static size_t drops_seen;

static void drop_msg(void *msg)
{
    FUZZ_CHECK(dropping != NULL && dropping->len > 0);
    /* The library's pointer may be unaligned for larger types; bytes only. */
    FUZZ_CHECK(same(msg, dropping->elem_size, dropping->queue[dropping->head]));
    dropping->head = (dropping->head + 1) % MODEL_CAP;
    dropping->len--;
    drops_seen++;
}

static struct chan *pick_chan(struct input *in)
{
    struct chan *c = &chans[next_byte(in) % CHANS];
    return c->live ? c : NULL;
}

static int pick_sender(struct input *in, struct chan *c)
{
    int i = next_byte(in) % SENDERS;
    return c->tx[i] != NULL ? i : -1;
}

static void maybe_free_slot(struct chan *c)
{
    if (c->rx == NULL && c->senders == 0)
        memset(c, 0, sizeof *c);
}

static void op_create(struct input *in)
{
    static const size_t sizes[] = {0, 1, 3, 8, 16, 33};
    static const size_t bounds[] = {0, 1, 2, 3, 8, 100};
    int slot = next_byte(in) % CHANS;
    struct chan *c = &chans[slot];
    if (c->live)
        return;
    uint8_t kind = next_byte(in);
    size_t elem = sizes[next_byte(in) % 6];
    bool bounded = kind & 1;
    size_t bound = bounded ? bounds[(kind >> 1) % 6] : 0;
    bool with_cfg = kind & 0x10, with_drop = with_cfg && (kind & 0x20), with_name = with_cfg && (kind & 0x40);
    mpsc_sender *tx = NULL;
    mpsc_receiver *rx = NULL;
    mpsc_status st;
    if (with_cfg) {
        mpsc_config cfg = {.elem_size = elem, .bounded = bounded, .bound = bound,
                           .drop = with_drop ? drop_msg : NULL, .name = with_name ? "fuzzed" : NULL};
        st = mpsc_channel_new(&cfg, &tx, &rx);
    } else if (bounded) {
        st = mpsc_sync_channel(elem, bound, &tx, &rx);
    } else {
        st = mpsc_channel(elem, &tx, &rx);
    }
    FUZZ_CHECK(st == MPSC_OK && tx != NULL && rx != NULL);
    *c = (struct chan){.live = true, .bounded = bounded, .bound = bound, .elem_size = elem,
                       .has_drop = with_drop, .rx = rx, .senders = 1};
    c->tx[0] = tx;
}

static void op_clone(struct input *in)
{
    struct chan *c = pick_chan(in);
    if (c == NULL)
        return;
    int from = pick_sender(in, c), to = next_byte(in) % SENDERS;
    if (from < 0 || c->tx[to] != NULL)
        return;
    c->tx[to] = mpsc_sender_clone(c->tx[from]);
    FUZZ_CHECK(c->tx[to] != NULL);
    c->senders++;
}

static void op_drop_sender(struct input *in)
{
    struct chan *c = pick_chan(in);
    if (c == NULL)
        return;
    int i = pick_sender(in, c);
    if (i < 0)
        return;
    mpsc_sender_drop(c->tx[i]);
    c->tx[i] = NULL;
    c->senders--;
    maybe_free_slot(c);
}

/* Drops c's receiver: with a drop function every queued message goes
 * through it, oldest first; without one they are simply discarded. */
static void drop_receiver(struct chan *c)
{
    size_t queued = c->len;
    dropping = c;
    drops_seen = 0;
    mpsc_receiver_drop(c->rx);
    dropping = NULL;
    FUZZ_CHECK(drops_seen == (c->has_drop ? queued : 0));
    c->rx = NULL;
    c->head = c->len = 0;
}

static void op_drop_receiver(struct input *in)
{
    struct chan *c = pick_chan(in);
    if (c == NULL || c->rx == NULL)
        return;
    drop_receiver(c);
    maybe_free_slot(c);
}

/* What a send returns now, by the model; *blocks says whether the blocking
 * form would block. */
static mpsc_status model_send(const struct chan *c, bool *blocks)
{
    *blocks = false;
    if (c->rx == NULL)
        return MPSC_DISCONNECTED;
    if (!c->bounded || c->len < c->bound)
        return MPSC_OK;
    *blocks = true; /* full, or a rendezvous with no receiver waiting */
    return MPSC_FULL;
}

static void send_one(struct chan *c, int i, int form)
{
    bool blocks;
    mpsc_status want = model_send(c, &blocks);
    if (want == MPSC_OK && c->len == MODEL_CAP)
        return;
    if (form == 0 && blocks)
        return;
    uint64_t id = next_id++;
    /* A NULL message is valid for zero-size messages. */
    unsigned char *msg = c->elem_size ? malloc(c->elem_size) : NULL;
    FUZZ_CHECK(c->elem_size == 0 || msg != NULL);
    fill(msg, c->elem_size, id);
    mpsc_status st;
    switch (form) {
    case 0: st = mpsc_send(c->tx[i], msg); break;
    case 1: st = mpsc_try_send(c->tx[i], msg); break;
    case 2:
        st = mpsc_send_timeout(c->tx[i], msg, 0);
        if (want == MPSC_FULL)
            want = MPSC_TIMEOUT;
        break;
    default:
        /* A short real wait where it would block, else the longest timeout
         * there is, which must not overflow the deadline or wait at all. */
        st = mpsc_send_timeout(c->tx[i], msg, blocks ? 1000 : UINT64_MAX);
        if (want == MPSC_FULL)
            want = MPSC_TIMEOUT;
        break;
    }
    FUZZ_CHECK(st == want);
    /* The library copied the message: ours to change and free. */
    free(msg);
    if (st == MPSC_OK) {
        c->queue[(c->head + c->len) % MODEL_CAP] = id;
        c->len++;
    }
}

static void op_send(struct input *in, int form, size_t count)
{
    struct chan *c = pick_chan(in);
    if (c == NULL)
        return;
    int i = pick_sender(in, c);
    if (i < 0)
        return;
    for (size_t k = 0; k < count; k++)
        send_one(c, i, form);
}

/* What a receive returns now, by the model. */
static mpsc_status model_recv(const struct chan *c, bool *blocks)
{
    *blocks = false;
    if (c->len > 0)
        return MPSC_OK;
    if (c->senders == 0)
        return MPSC_DISCONNECTED;
    *blocks = true;
    return MPSC_EMPTY;
}

static void recv_one(struct chan *c, int form)
{
    bool blocks;
    mpsc_status want = model_recv(c, &blocks);
    if (form == 0 && blocks)
        return;
    unsigned char *out = c->elem_size ? malloc(c->elem_size) : NULL;
    FUZZ_CHECK(c->elem_size == 0 || out != NULL);
    mpsc_status st;
    switch (form) {
    case 0: st = mpsc_recv(c->rx, out); break;
    case 1: st = mpsc_try_recv(c->rx, out); break;
    case 2:
        st = mpsc_recv_timeout(c->rx, out, 0);
        if (want == MPSC_EMPTY)
            want = MPSC_TIMEOUT;
        break;
    case 3:
    case 4: {
        /* A deadline already past: the epoch of CLOCK_MONOTONIC, or now. */
        struct timespec dl = {0, 0};
        if (form == 4)
            clock_gettime(CLOCK_MONOTONIC, &dl);
        st = mpsc_recv_deadline(c->rx, out, &dl);
        if (want == MPSC_EMPTY)
            want = MPSC_TIMEOUT;
        break;
    }
    case 5:
        /* As in send_one: a short real wait, or the longest timeout. */
        st = mpsc_recv_timeout(c->rx, out, blocks ? 1000 : UINT64_MAX);
        if (want == MPSC_EMPTY)
            want = MPSC_TIMEOUT;
        break;
    default: {
        /* A deadline 1 us ahead, or the farthest one a timespec holds. */
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        if (blocks) {
            dl.tv_nsec += 1000;
            if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
            }
        } else {
            dl.tv_sec = (time_t)(((uint64_t)1 << (sizeof(time_t) * 8 - 1)) - 1);
            dl.tv_nsec = 999999999L;
        }
        st = mpsc_recv_deadline(c->rx, out, &dl);
        if (want == MPSC_EMPTY)
            want = MPSC_TIMEOUT;
        break;
    }
    }
    FUZZ_CHECK(st == want);
    if (st == MPSC_OK) {
        FUZZ_CHECK(same(out, c->elem_size, c->queue[c->head]));
        c->head = (c->head + 1) % MODEL_CAP;
        c->len--;
    }
    free(out);
}

static void op_recv(struct input *in, int form, size_t count)
{
    struct chan *c = pick_chan(in);
    if (c == NULL || c->rx == NULL)
        return;
    for (size_t k = 0; k < count; k++)
        recv_one(c, form);
}

static void op_len(struct input *in)
{
    struct chan *c = pick_chan(in);
    if (c == NULL || c->rx == NULL)
        return;
    FUZZ_CHECK(mpsc_len(c->rx) == c->len);
    FUZZ_CHECK(mpsc_capacity(c->rx) == (c->bounded ? c->bound : SIZE_MAX));
}

/* Calls the API must reject with MPSC_EINVAL (or the documented NULL /
 * no-op), changing nothing: the model is left as it was. */
static void op_invalid(struct input *in)
{
    uint8_t which = next_byte(in);
    struct chan *c = &chans[next_byte(in) % CHANS];
    int i = c->live ? pick_sender(in, c) : -1;
    mpsc_sender *tx = i >= 0 ? c->tx[i] : NULL;
    mpsc_receiver *rx = c->live ? c->rx : NULL;
    mpsc_sender *otx = NULL;
    mpsc_receiver *orx = NULL;
    unsigned char buf[64];
    struct timespec dl = {0, 0};
    switch (which % 20) {
    case 0: FUZZ_CHECK(mpsc_channel(8, NULL, &orx) == MPSC_EINVAL && orx == NULL); break;
    case 1: FUZZ_CHECK(mpsc_channel(8, &otx, NULL) == MPSC_EINVAL && otx == NULL); break;
    case 2: FUZZ_CHECK(mpsc_sync_channel(8, 4, NULL, NULL) == MPSC_EINVAL); break;
    case 3: FUZZ_CHECK(mpsc_channel_new(NULL, &otx, &orx) == MPSC_EINVAL && otx == NULL && orx == NULL); break;
    case 4: /* bound * elem_size overflows */
        FUZZ_CHECK(mpsc_sync_channel(2, SIZE_MAX / 2 + 1, &otx, &orx) == MPSC_EINVAL && otx == NULL);
        break;
    case 5: FUZZ_CHECK(mpsc_sync_channel(SIZE_MAX, 2, &otx, &orx) == MPSC_EINVAL && otx == NULL); break;
    case 6: FUZZ_CHECK(mpsc_channel(SIZE_MAX, &otx, &orx) == MPSC_EINVAL && otx == NULL); break;
    case 7: FUZZ_CHECK(mpsc_send(NULL, buf) == MPSC_EINVAL); break;
    case 8: FUZZ_CHECK(mpsc_try_send(NULL, buf) == MPSC_EINVAL); break;
    case 9: FUZZ_CHECK(mpsc_send_timeout(NULL, buf, 0) == MPSC_EINVAL); break;
    case 10: FUZZ_CHECK(mpsc_recv(NULL, buf) == MPSC_EINVAL); break;
    case 11: FUZZ_CHECK(mpsc_try_recv(NULL, buf) == MPSC_EINVAL); break;
    case 12: FUZZ_CHECK(mpsc_recv_timeout(NULL, buf, 0) == MPSC_EINVAL); break;
    case 13: FUZZ_CHECK(mpsc_recv_deadline(NULL, buf, &dl) == MPSC_EINVAL); break;
    case 14:
        errno = 0;
        FUZZ_CHECK(mpsc_sender_clone(NULL) == NULL && errno == EINVAL);
        break;
    case 15:
        mpsc_sender_drop(NULL);
        mpsc_receiver_drop(NULL);
        FUZZ_CHECK(mpsc_len(NULL) == 0 && mpsc_capacity(NULL) == SIZE_MAX);
        break;
    case 16: /* a NULL message where there are bytes to copy */
        if (tx != NULL && c->elem_size > 0) {
            FUZZ_CHECK(mpsc_send(tx, NULL) == MPSC_EINVAL);
            FUZZ_CHECK(mpsc_try_send(tx, NULL) == MPSC_EINVAL);
            FUZZ_CHECK(mpsc_send_timeout(tx, NULL, 0) == MPSC_EINVAL);
        }
        break;
    case 17: /* a NULL out buffer where there are bytes to copy */
        if (rx != NULL && c->elem_size > 0) {
            FUZZ_CHECK(mpsc_recv(rx, NULL) == MPSC_EINVAL);
            FUZZ_CHECK(mpsc_try_recv(rx, NULL) == MPSC_EINVAL);
            FUZZ_CHECK(mpsc_recv_timeout(rx, NULL, 0) == MPSC_EINVAL);
            FUZZ_CHECK(mpsc_recv_deadline(rx, NULL, &dl) == MPSC_EINVAL);
        }
        break;
    case 18: /* a NULL or malformed deadline */
        if (rx != NULL) {
            FUZZ_CHECK(mpsc_recv_deadline(rx, buf, NULL) == MPSC_EINVAL);
            struct timespec bad = {0, 1000000000L};
            FUZZ_CHECK(mpsc_recv_deadline(rx, buf, &bad) == MPSC_EINVAL);
            bad.tv_nsec = -1;
            FUZZ_CHECK(mpsc_recv_deadline(rx, buf, &bad) == MPSC_EINVAL);
        }
        break;
    default:
        for (int s = -1; s < 10; s++)
            FUZZ_CHECK(mpsc_status_str((mpsc_status)s) != NULL);
        break;
    }
}

/* Drops every handle still alive, checking the drop function once more, so
 * that LeakSanitizer sees a clean end to every input. */
static void drop_everything(void)
{
    for (int k = 0; k < CHANS; k++) {
        struct chan *c = &chans[k];
        if (!c->live)
            continue;
        if (c->rx != NULL)
            drop_receiver(c);
        for (int i = 0; i < SENDERS; i++)
            mpsc_sender_drop(c->tx[i]);
        memset(c, 0, sizeof *c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    next_id = 0;
    while (in.n > 0) {
        uint8_t op = next_byte(&in);
        switch (op % 24) {
        case 0: case 1: op_create(&in); break;
        case 2: op_clone(&in); break;
        case 3: op_drop_sender(&in); break;
        case 4: op_drop_receiver(&in); break;
        case 5: case 6: op_send(&in, 0, 1); break;
        case 7: op_send(&in, 1, 1); break;
        case 8: op_send(&in, 2, 1); break;
        /* A burst of try_sends fills unbounded queues past block boundaries. */
        case 9: op_send(&in, 1, 8 * (size_t)next_byte(&in)); break;
        case 10: case 11: op_recv(&in, 0, 1); break;
        case 12: op_recv(&in, 1, 1); break;
        case 13: op_recv(&in, 2, 1); break;
        case 14: op_recv(&in, 3, 1); break;
        case 15: op_recv(&in, 4, 1); break;
        case 16: op_recv(&in, 1, 8 * (size_t)next_byte(&in)); break;
        case 17: op_len(&in); break;
        case 18: op_invalid(&in); break;
        case 19: op_send(&in, 3, 1); break;
        case 20: op_recv(&in, 5, 1); break;
        case 21: op_recv(&in, 6, 1); break;
        default: op_send(&in, (op >> 5) % 3, 1); break;
        }
    }
    drop_everything();
    return 0;
}
