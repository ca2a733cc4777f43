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
 *
 * The table is read without the lock too (mpsc__dbg_find, for use.c): its
 * chunks and slots are atomics, stored with release under the lock once
 * what they point to is ready, and a record's first word, its key, is
 * never written by the pool, so a stale token may be looked up at any
 * moment.
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
    size_t keep; /* leading bytes of an object the pool never writes */
    void *free_list;
    char *cur, *end;
};

/* A handle's key stays untouched: threads without the lock may read it. */
static struct pool handle_pool = {.size = (sizeof(struct mpsc__dbg_handle) + 63) & ~(size_t)63,
                                  .keep = sizeof(_Atomic uint64_t)};
static struct pool chan_pool = {.size = (sizeof(struct mpsc__dbg_chan) + 63) & ~(size_t)63};
static struct pool thread_pool = {.size = (sizeof(struct mpsc__dbg_thread) + 63) & ~(size_t)63};

static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void *pool_alloc(struct pool *p)
{
    char *x = p->free_list;
    if (x != NULL) {
        memcpy(&p->free_list, x + p->keep, sizeof(void *));
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
    memset(x + p->keep, 0, p->size - p->keep);
    return x;
}

static void pool_free(struct pool *p, void *x)
{
    memcpy((char *)x + p->keep, &p->free_list, sizeof(void *));
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

/* Set once, by registry_init; a thread reads it only after pthread_once
 * (the lock) or after getting a thread record, which it did under the lock. */
static char *token_base;
static uint32_t next_serial = 1; /* serial 0 would be the region's first byte: never used */
/* serial -> record pointer, or (low bit set) the summary of a dropped
 * tombstone, or 0 for a serial not handed out. */
static _Atomic uintptr_t *_Atomic table[TABLE_CHUNKS];

/* The slot of a serial, or NULL when its chunk does not exist (and create
 * is false, or the mapping failed: lock held then). */
static _Atomic uintptr_t *table_slot(uint32_t serial, bool create)
{
    _Atomic uintptr_t *_Atomic *entry = &table[serial >> TABLE_BITS];
    /* Acquire, pairing with the release store below: the chunk's zeroed
     * slots are seen as zero. */
    _Atomic uintptr_t *chunk = atomic_load_explicit(entry, memory_order_acquire);
    if (chunk == NULL) {
        if (!create)
            return NULL;
        chunk = map_zeroed(sizeof(uintptr_t) << TABLE_BITS);
        if (chunk == NULL)
            return NULL;
        atomic_store_explicit(entry, chunk, memory_order_release);
    }
    return &chunk[serial & (((uint32_t)1 << TABLE_BITS) - 1)];
}

void *mpsc__dbg_token(const struct mpsc__dbg_handle *h)
{
    return token_base + (uintptr_t)h->serial * TOKEN_STRIDE;
}

/* The token's slot value (0 for anything that is no token), and its serial. */
static uintptr_t token_slot(const void *token, uint32_t *serial)
{
    uintptr_t t = (uintptr_t)token, base = (uintptr_t)token_base;
    if (token_base == NULL || t < base || t - base >= TOKEN_SPACE || (t - base) % TOKEN_STRIDE != 0)
        return 0;
    *serial = (uint32_t)((t - base) / TOKEN_STRIDE);
    _Atomic uintptr_t *slot = table_slot(*serial, false);
    /* Acquire, pairing with the release stores of mpsc__dbg_handle_new and
     * mpsc__dbg_retire: the record, or the summary, is complete. */
    return slot == NULL ? 0 : atomic_load_explicit(slot, memory_order_acquire);
}

struct mpsc__dbg_handle *mpsc__dbg_find(const void *token, uint32_t *serial)
{
    uintptr_t v = token_slot(token, serial);
    return v == 0 || (v & 1) ? NULL : (struct mpsc__dbg_handle *)v;
}

struct mpsc__dbg_handle *mpsc__dbg_lookup(const void *token, uintptr_t *compact)
{
    uint32_t serial;
    uintptr_t v = token_slot(token, &serial);
    *compact = v & 1 ? v : 0;
    return v == 0 || (v & 1) ? NULL : (struct mpsc__dbg_handle *)v;
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

void mpsc__dbg_publish_key(struct mpsc__dbg_handle *h)
{
    uint64_t holder = !h->shared && h->owner != NULL ? (uint64_t)h->owner->number + 1 : 0;
    /* Release, pairing with the acquire load in mpsc__dbg_use: a thread
     * that finds the handle its own, or shared, by this key also sees the
     * record as the lock holder wrote it up to here. */
    atomic_store_explicit(&h->key, mpsc__dbg_key(h->serial, h->state, h->kind, h->shared, holder),
                          memory_order_release);
}

struct mpsc__dbg_handle *mpsc__dbg_handle_new(struct mpsc__dbg_chan *c, enum mpsc__dbg_kind kind, void *real,
                                              uint32_t id, uint32_t generation, struct mpsc__dbg_thread *owner,
                                              bool shared)
{
    if (token_base == NULL || next_serial >= TOKEN_SPACE / TOKEN_STRIDE)
        return NULL;
    _Atomic uintptr_t *slot = table_slot(next_serial, true);
    struct mpsc__dbg_handle *h = slot == NULL ? NULL : pool_alloc(&handle_pool);
    if (h == NULL)
        return NULL;
    h->serial = next_serial++;
    h->id = id;
    h->generation = generation;
    h->kind = kind;
    h->state = MPSC__DBG_LIVE;
    h->owner = owner;
    h->shared = shared;
    h->real = real;
    h->chan = c;
    h->bounded = c->bound != SIZE_MAX;
    mpsc__dbg_publish_key(h);
    /* Release, pairing with the acquire load of token_slot: the key above
     * is stored before the slot leads to the record. */
    atomic_store_explicit(slot, (uintptr_t)h, memory_order_release);
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
    mpsc__dbg_publish_key(h);
    list_remove(&live_head, &live_tail, h);
    if (h->kind == MPSC__DBG_SENDER) {
        c->retired_sends += mpsc__dbg_count(h);
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
        c->retired_receives += mpsc__dbg_count(h);
    }
    list_append(&tomb_head, &tomb_tail, h);
    tomb_count++;
    /* Past the limit, the oldest tombstone keeps only its summary. */
    while (tomb_count > mpsc__dbg_opt.tombstones && tomb_head != h) {
        struct mpsc__dbg_handle *old = tomb_head;
        list_remove(&tomb_head, &tomb_tail, old);
        tomb_count--;
        /* Release, as in mpsc__dbg_handle_new: the summary is the slot's
         * whole value; the record's memory may be reused from here on. */
        atomic_store_explicit(table_slot(old->serial, false), compact_encode(old), memory_order_release);
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
