/*
 * trace.c - MPSC_DEBUG_OPTIONS trace=PATH: every handle lifecycle event (and
 * every diagnostic) as one JSON object per line, written with one write()
 * so that tools can follow a program's handles; docs/debug-build.md lists
 * the fields.
 */
#include "debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct line {
    char text[4096];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...)
{
    if (l->len >= sizeof l->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n;
    if (l->len > sizeof l->text)
        l->len = sizeof l->text;
}

/* ,"key":"value" with JSON escapes; nothing when value is NULL. */
static void put_string(struct line *l, const char *key, const char *value)
{
    if (value == NULL)
        return;
    put(l, ",\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            put(l, "\\%c", *p);
        else if (*p < 0x20)
            put(l, "\\u%04x", *p);
        else
            put(l, "%c", *p);
    }
    put(l, "\"");
}

static void put_event(struct line *l, const struct mpsc__dbg_event *at)
{
    char name[24];
    if (at->thread != NULL) {
        put_string(l, "thread", mpsc__dbg_thread_label(at->thread, name, sizeof name));
        put(l, ",\"thread_number\":%u", at->thread->number);
    }
    if (at->site.file != NULL) {
        put_string(l, "file", at->site.file);
        put(l, ",\"line\":%d", at->site.line);
        put_string(l, "function", at->site.func);
        put_string(l, "call", at->site.call);
    }
}

static void finish(struct line *l)
{
    if (l->len >= sizeof l->text)
        l->len = sizeof l->text - 2;
    l->text[l->len++] = '}';
    l->text[l->len++] = '\n';
    /* One write: the file is opened with O_APPEND. */
    ssize_t unused = write(mpsc__dbg_opt.trace_fd, l->text, l->len);
    (void)unused;
}

static const char *const op_names[] = {
    [MPSC__EV_CREATED] = "created", [MPSC__EV_CLONED] = "cloned",   [MPSC__EV_MOVED] = "moved",
    [MPSC__EV_SHARED] = "shared",   [MPSC__EV_OWNED] = "owned",     [MPSC__EV_DROPPED] = "dropped",
    [MPSC__EV_DISCONNECTED] = "disconnected", [MPSC__EV_LEAKED] = "leaked",
};

void mpsc__trace_event(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_hist *ev)
{
    if (mpsc__dbg_opt.trace_fd < 0)
        return;
    static struct line l; /* the registry lock is held */
    l.len = 0;
    put(&l, "{\"time\":%llu.%09llu", (unsigned long long)(ev->time_ns / 1000000000u),
        (unsigned long long)(ev->time_ns % 1000000000u));
    put_string(&l, "op", op_names[ev->op]);
    put(&l, ",\"channel\":%u", (unsigned)c->id);
    if (c->name[0] != '\0')
        put_string(&l, "channel_name", c->name);
    if (ev->op != MPSC__EV_DISCONNECTED) {
        put_string(&l, "kind", ev->kind == MPSC__DBG_SENDER ? "sender" : "receiver");
        put(&l, ",\"handle\":%u,\"generation\":%u", (unsigned)ev->id, (unsigned)ev->generation);
        if (ev->expr != NULL) {
            char name[128];
            mpsc__render_name(name, sizeof name, ev->expr);
            put_string(&l, "name", name);
        }
    }
    switch (ev->op) {
    case MPSC__EV_CREATED:
        put(&l, ",\"receiver\":%u", (unsigned)ev->id2);
        if (ev->expr2 != NULL) {
            char name[128];
            mpsc__render_name(name, sizeof name, ev->expr2);
            put_string(&l, "receiver_name", name);
        }
        break;
    case MPSC__EV_CLONED: put(&l, ",\"clone\":%u", (unsigned)ev->id2); break;
    case MPSC__EV_MOVED: put(&l, ",\"new_generation\":%u", (unsigned)ev->generation + 1); break;
    case MPSC__EV_DROPPED:
        if (ev->kind == MPSC__DBG_RECEIVER)
            put(&l, ",\"queued\":%zu", ev->count);
        break;
    case MPSC__EV_DISCONNECTED:
        put_string(&l, "side", ev->kind == MPSC__DBG_SENDER ? "senders" : "receiver");
        break;
    default: break;
    }
    put_event(&l, &ev->at);
    finish(&l);
}

void mpsc__trace_error(const char *code, const struct mpsc__dbg_event *at)
{
    if (mpsc__dbg_opt.trace_fd < 0)
        return;
    static struct line l; /* the registry lock is held */
    l.len = 0;
    uint64_t t = mpsc__dbg_realtime_ns();
    put(&l, "{\"time\":%llu.%09llu", (unsigned long long)(t / 1000000000u), (unsigned long long)(t % 1000000000u));
    put_string(&l, "op", "error");
    put_string(&l, "code", code);
    if (at != NULL)
        put_event(&l, at);
    finish(&l);
}
