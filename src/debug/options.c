/*
 * options.c - MPSC_DEBUG_OPTIONS, read once at the first call, in the
 * sanitizers' `key=value:key=value` form.  docs/debug-build.md documents
 * every key.
 */
#include "debug.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mpsc__dbg_options mpsc__dbg_opt = {
    .allow_disconnected_send = false,
    .leaks = MPSC__DBG_LEAKS_WARN,
    .leak_exitcode = 23,
    .history = 10,
    .tombstones = 65536,
    .trace_fd = -1,
};

static bool is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* A decimal number in [0, max]. */
static bool parse_number(const char *s, size_t n, unsigned long max, unsigned long *out)
{
    if (n == 0 || n > 10)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
    if (is(s, n, "1") || is(s, n, "true")) {
        *out = true;
        return true;
    }
    if (is(s, n, "0") || is(s, n, "false")) {
        *out = false;
        return true;
    }
    return false;
}

/* One key=value item; false when the key or the value is not understood. */
static bool apply(const char *key, size_t klen, const char *val, size_t vlen)
{
    unsigned long n;
    if (is(key, klen, "allow_disconnected_send"))
        return parse_bool(val, vlen, &mpsc__dbg_opt.allow_disconnected_send);
    if (is(key, klen, "leaks")) {
        if (is(val, vlen, "0") || is(val, vlen, "off"))
            mpsc__dbg_opt.leaks = MPSC__DBG_LEAKS_OFF;
        else if (is(val, vlen, "1") || is(val, vlen, "warn"))
            mpsc__dbg_opt.leaks = MPSC__DBG_LEAKS_WARN;
        else if (is(val, vlen, "error"))
            mpsc__dbg_opt.leaks = MPSC__DBG_LEAKS_ERROR;
        else
            return false;
        return true;
    }
    if (is(key, klen, "leak_exitcode")) {
        if (!parse_number(val, vlen, 255, &n))
            return false;
        mpsc__dbg_opt.leak_exitcode = (int)n;
        return true;
    }
    if (is(key, klen, "history")) {
        if (!parse_number(val, vlen, MPSC__DBG_HISTORY_MAX, &n))
            return false;
        mpsc__dbg_opt.history = (unsigned)n;
        return true;
    }
    if (is(key, klen, "tombstones")) {
        if (!parse_number(val, vlen, 1000000000, &n))
            return false;
        mpsc__dbg_opt.tombstones = (unsigned)n;
        return true;
    }
    if (is(key, klen, "trace")) {
        char path[4096];
        if (vlen == 0 || vlen >= sizeof path)
            return false;
        memcpy(path, val, vlen);
        path[vlen] = '\0';
        /* O_APPEND: each event is one write(), so lines from several
         * processes sharing the file (a forking test runner) stay whole. */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            return false;
        mpsc__dbg_opt.trace_fd = fd;
        return true;
    }
    return false;
}

void mpsc__dbg_options_init(void)
{
    const char *s = getenv("MPSC_DEBUG_OPTIONS");
    if (s == NULL)
        return;
    while (*s != '\0') {
        const char *end = strchr(s, ':');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        if (len > 0 && (eq == NULL || !apply(s, (size_t)(eq - s), eq + 1, len - (size_t)(eq - s) - 1)))
            mpsc__render_option_warning(s, len);
        s += len;
        if (*s == ':')
            s++;
    }
}
