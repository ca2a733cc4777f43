/*
 * registry.c - the debug build's records: every handle generation, every
 * channel, their tokens and the one lock that guards them all.
 *
 * A token (what the program holds as mpsc_sender * or mpsc_receiver *) is
 * an address inside a reserved, inaccessible region: base + serial * 8, with
 * a serial that is never reused.  So a stale handle can never be taken for a
 * live one, whatever the allocator does with the memory of the production
 * handle it used to stand for, and a pointer that is not a token at all is
 * recognised too.  The table from serials to records costs 8 bytes per
 * handle ever made; full records of retired handles are kept in a bounded
 * queue (MPSC_DEBUG_OPTIONS tombstones=N), after which the table entry
 * keeps a one-word summary.  The records live in memory mapped here, not in
 * malloc's, so that tests which count or fail malloc calls see the library's
 * own allocations only.
 */
#include "debug.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

/* ---- memory: fixed-size pools carved from mapped chunks ---------------- */

#define CHUNK_BYTES ((size_t)1 << 20)

struct pool {
    size_t size;
    void *free_list;
    char *cur, *end;
};

static struct pool handle_pool = {.size = (sizeof(struct mpsc__dbg_handle) + 63) & ~(size_t)63};
static struct pool chan_pool = {.size = (sizeof(struct mpsc__dbg_chan) + 63) & ~(size_t)63};
static struct pool thread_pool = {.size = (sizeof(struct mpsc__dbg_thread) + 15) & ~(size_t)15};

static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void *pool_alloc(struct pool *p)
{
    void *x = p->free_list;
    if (x != NULL) {
        memcpy(&p->free_list, x, sizeof(void *));
    } else {
        if (p->cur == NULL || (size_t)(p->end - p->cur) < p->size) {
            char *chunk = map_zeroed(CHUNK_BYTES);
            if (chunk == NULL)
                return NULL;
            p->cur = chunk;
            p->end = chunk + CHUNK_BYTES;
        }
        x = p->cur;
        p->cur += p->size;
    }
    memset(x, 0, p->size);
    return x;
}

static void pool_free(struct pool *p, void *x)
{
    memcpy(x, &p->free_list, sizeof(void *));
    p->free_list = x;
}

void *mpsc__dbg_alloc_thread(void)
{
    return pool_alloc(&thread_pool);
}

/* ---- tokens ------------------------------------------------------------ */

/* 2^27 serials: 128 Mi handle generations per process. */
#define TOKEN_STRIDE ((uintptr_t)8)
#define TOKEN_SPACE ((size_t)1 << 30)
#define TABLE_BITS 16
#define TABLE_CHUNKS ((TOKEN_SPACE / TOKEN_STRIDE) >> TABLE_BITS)

static char *token_base;
static uint32_t next_serial = 1; /* serial 0 would be the region's first byte: never used */
/* serial -> record pointer, or (low bit set) the summary of a dropped tombstone. */
static uintptr_t *table[TABLE_CHUNKS];

static uintptr_t *table_slot(uint32_t serial, bool create)
{
    uintptr_t **chunk = &table[serial >> TABLE_BITS];
    if (*chunk == NULL) {
        if (!create)
            return NULL;
        *chunk = map_zeroed(sizeof(uintptr_t) << TABLE_BITS);
        if (*chunk == NULL)
            return NULL;
    }
    return &(*chunk)[serial & (((uint32_t)1 << TABLE_BITS) - 1)];
}

void *mpsc__dbg_token(const struct mpsc__dbg_handle *h)
{
    return token_base + (uintptr_t)h->serial * TOKEN_STRIDE;
}

struct mpsc__dbg_handle *mpsc__dbg_lookup(const void *token, uintptr_t *compact)
{
    *compact = 0;
    uintptr_t t = (uintptr_t)token, base = (uintptr_t)token_base;
    if (token_base == NULL || t < base || t - base >= TOKEN_SPACE || (t - base) % TOKEN_STRIDE != 0)
        return NULL;
    uintptr_t serial = (t - base) / TOKEN_STRIDE;
    if (serial == 0 || serial >= next_serial)
        return NULL;
    uintptr_t *slot = table_slot((uint32_t)serial, false);
    if (slot == NULL || *slot == 0)
        return NULL;
    if (*slot & 1) {
        *compact = *slot;
        return NULL;
    }
    return (struct mpsc__dbg_handle *)*slot;
}

/* A dropped tombstone's summary: bit 0 set, bit 1 the kind, bits 2-3 the
 * state, bits 4-31 the generation, bits 32-63 the identity. */
static uintptr_t compact_encode(const struct mpsc__dbg_handle *h)
{
    uint64_t gen = h->generation < ((uint32_t)1 << 28) ? h->generation : ((uint32_t)1 << 28) - 1;
    return (uintptr_t)(1u | (unsigned)h->kind << 1 | (unsigned)h->state << 2 | gen << 4 | (uint64_t)h->id << 32);
}

void mpsc__dbg_compact_decode(uintptr_t compact, enum mpsc__dbg_kind *kind, enum mpsc__dbg_state *state,
                              uint32_t *id, uint32_t *generation)
{
    uint64_t v = compact;
    *kind = (enum mpsc__dbg_kind)(v >> 1 & 1);
    *state = (enum mpsc__dbg_state)(v >> 2 & 3);
    *generation = (uint32_t)(v >> 4 & (((uint64_t)1 << 28) - 1));
    *id = (uint32_t)(v >> 32);
}

/* ---- the lock and start-up --------------------------------------------- */

static void registry_init(void)
{
    mpsc__dbg_options_init();
    mpsc__dbg_threads_init();
    /* Reserved, never accessible: a token is never dereferenced, and a
     * program that does so crashes at once instead of reading garbage. */
    void *p = mmap(NULL, TOKEN_SPACE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    token_base = p == MAP_FAILED ? NULL : p;
    atexit(mpsc__dbg_report_leaks);
}

void mpsc__dbg_lock(void)
{
    pthread_once(&registry_once, registry_init);
    pthread_mutex_lock(&registry_lock);
}

void mpsc__dbg_unlock(void)
{
    pthread_mutex_unlock(&registry_lock);
}

/* ---- channels and handles ---------------------------------------------- */

static uint32_t next_id = 1, next_chan = 1;
static struct mpsc__dbg_handle *live_head, *live_tail; /* oldest first */
static struct mpsc__dbg_handle *tomb_head, *tomb_tail; /* oldest first */
static unsigned tomb_count;

uint32_t mpsc__dbg_next_id(void)
{
    return next_id++;
}

struct mpsc__dbg_chan *mpsc__dbg_chan_new(const mpsc_config *cfg)
{
    struct mpsc__dbg_chan *c = pool_alloc(&chan_pool);
    if (c == NULL)
        return NULL;
    c->id = next_chan++;
    if (cfg->name != NULL) {
        size_t n = strlen(cfg->name);
        if (n >= sizeof c->name)
            n = sizeof c->name - 1;
        memcpy(c->name, cfg->name, n);
        c->name[n] = '\0';
    }
    c->bound = cfg->bounded ? cfg->bound : SIZE_MAX;
    atomic_init(&c->sends_ok, 0);
    atomic_init(&c->in_flight, 0);
    return c;
}

void mpsc__dbg_chan_release(struct mpsc__dbg_chan *c)
{
    if (--c->refs == 0)
        pool_free(&chan_pool, c);
}

static void list_append(struct mpsc__dbg_handle **head, struct mpsc__dbg_handle **tail, struct mpsc__dbg_handle *h)
{
    h->next = NULL;
    h->prev = *tail;
    if (*tail != NULL)
        (*tail)->next = h;
    else
        *head = h;
    *tail = h;
}

static void list_remove(struct mpsc__dbg_handle **head, struct mpsc__dbg_handle **tail, struct mpsc__dbg_handle *h)
{
    if (h->prev != NULL)
        h->prev->next = h->next;
    else
        *head = h->next;
    if (h->next != NULL)
        h->next->prev = h->prev;
    else
        *tail = h->prev;
    h->prev = h->next = NULL;
}

struct mpsc__dbg_handle *mpsc__dbg_handle_new(struct mpsc__dbg_chan *c, enum mpsc__dbg_kind kind, void *real,
                                              uint32_t id, uint32_t generation)
{
    if (token_base == NULL || next_serial >= TOKEN_SPACE / TOKEN_STRIDE)
        return NULL;
    uintptr_t *slot = table_slot(next_serial, true);
    struct mpsc__dbg_handle *h = slot == NULL ? NULL : pool_alloc(&handle_pool);
    if (h == NULL)
        return NULL;
    h->serial = next_serial++;
    *slot = (uintptr_t)h;
    h->id = id;
    h->generation = generation;
    h->kind = kind;
    h->state = MPSC__DBG_LIVE;
    h->real = real;
    h->chan = c;
    atomic_init(&h->in_use, 0);
    atomic_init(&h->receiving, NULL);
    c->refs++;
    list_append(&live_head, &live_tail, h);
    if (kind == MPSC__DBG_SENDER) {
        h->chan_next = c->senders;
        if (c->senders != NULL)
            c->senders->chan_prev = h;
        c->senders = h;
        c->live_senders++;
    } else {
        c->receiver = h;
    }
    return h;
}

void mpsc__dbg_retire(struct mpsc__dbg_handle *h, enum mpsc__dbg_state how, const struct mpsc__dbg_event *at)
{
    struct mpsc__dbg_chan *c = h->chan;
    h->state = how;
    h->retired = *at;
    list_remove(&live_head, &live_tail, h);
    if (h->kind == MPSC__DBG_SENDER) {
        if (h->chan_prev != NULL)
            h->chan_prev->chan_next = h->chan_next;
        else
            c->senders = h->chan_next;
        if (h->chan_next != NULL)
            h->chan_next->chan_prev = h->chan_prev;
        h->chan_prev = h->chan_next = NULL;
        c->live_senders--;
    } else if (c->receiver == h) {
        c->receiver = NULL;
    }
    list_append(&tomb_head, &tomb_tail, h);
    tomb_count++;
    /* Past the limit, the oldest tombstone keeps only its summary. */
    while (tomb_count > mpsc__dbg_opt.tombstones && tomb_head != h) {
        struct mpsc__dbg_handle *old = tomb_head;
        list_remove(&tomb_head, &tomb_tail, old);
        tomb_count--;
        *table_slot(old->serial, false) = compact_encode(old);
        mpsc__dbg_chan_release(old->chan);
        pool_free(&handle_pool, old);
    }
}

struct mpsc__dbg_handle *mpsc__dbg_live_first(void)
{
    return live_head;
}

/* ---- history ----------------------------------------------------------- */

void mpsc__dbg_history(struct mpsc__dbg_chan *c, const struct mpsc__dbg_hist *ev)
{
    unsigned cap = mpsc__dbg_opt.history;
    if (cap > 0) {
        c->hist[c->hist_next] = *ev;
        c->hist_next = (c->hist_next + 1) % cap;
        if (c->hist_count < cap)
            c->hist_count++;
    }
    mpsc__trace_event(c, ev);
}

unsigned mpsc__dbg_history_count(const struct mpsc__dbg_chan *c)
{
    return c->hist_count;
}

const struct mpsc__dbg_hist *mpsc__dbg_history_at(const struct mpsc__dbg_chan *c, unsigned i)
{
    unsigned cap = mpsc__dbg_opt.history;
    unsigned oldest = c->hist_count < cap ? 0 : c->hist_next;
    return &c->hist[(oldest + i) % cap];
}

uint64_t mpsc__dbg_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}
