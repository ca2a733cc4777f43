/*
 * render.c - every text the debug build prints, in rustc's layout (read off
 * rustc's own output and annotate-snippets): the `error[CODE]: title` line,
 * ` --> file:line:col`, a ` |` gutter with the source lines quoted when the
 * file can be read at run time, `^^^` and `---` labels under them, then
 * `= note:` / `= help:` lines and the channel's recent history.  Each
 * diagnostic is built in one buffer and written to stderr with one write;
 * the caller holds the registry lock, so diagnostics of several threads
 * never interleave, and an error ends in abort() so that a debugger or a
 * core dump stops at the fault.
 */
#include "debug.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the output buffer ------------------------------------------------- */

static char out[1 << 18];
static size_t out_len;

__attribute__((format(printf, 1, 2))) static void emitf(const char *fmt, ...)
{
    if (out_len >= sizeof out - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        out_len += (size_t)n;
    if (out_len > sizeof out - 1)
        out_len = sizeof out - 1;
}

static void emit_spaces(int n)
{
    for (int i = 0; i < n; i++)
        emitf(" ");
}

static void flush_out(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(STDERR_FILENO, out + done, out_len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    out_len = 0;
}

/* Formats into a fixed buffer; never fails, cuts long text short. */
__attribute__((format(printf, 3, 4))) static const char *fmt(char *buf, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(buf, size, format, ap);
    va_end(ap);
    return buf;
}

/* ---- names ------------------------------------------------------------- */

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The index of the parenthesis that closes the one at s[open], or -1. */
static int matching_paren(const char *s, int len, int open)
{
    int depth = 0;
    char quote = 0;
    for (int i = open; i < len; i++) {
        if (quote != 0) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == quote)
                quote = 0;
        } else if (s[i] == '"' || s[i] == '\'') {
            quote = s[i];
        } else if (s[i] == '(') {
            depth++;
        } else if (s[i] == ')' && --depth == 0) {
            return i;
        }
    }
    return -1;
}

/*
 * The handle's name as the program writes it, from the macro's expression
 * text: "&tx" (channel creation), "(rx)" (MPSC_FOR_EACH), casts and the
 * typed wrappers' "ints_sender_raw(tx)" all become "tx".
 */
void mpsc__render_name(char *outbuf, size_t size, const char *expr)
{
    char s[256];
    snprintf(s, sizeof s, "%s", expr != NULL ? expr : "?");
    int b = 0, e = (int)strlen(s);
    for (bool again = true; again;) {
        again = false;
        while (b < e && (s[b] == ' ' || s[b] == '&'))
            b++;
        while (e > b && s[e - 1] == ' ')
            e--;
        if (b < e && s[b] == '(') {
            int close = matching_paren(s, e, b);
            if (close == e - 1) { /* (x) */
                b++;
                e--;
                again = true;
            } else if (close > b && close + 1 < e && s[close + 1] != '-' && s[close + 1] != '.' &&
                       s[close + 1] != '[') { /* a cast: (T *)x */
                b = close + 1;
                again = true;
            }
        } else if (e - b > 6 && s[e - 1] == ')') {
            /* prefix_sender_raw(x) / prefix_receiver_raw(x) */
            char *raw = strstr(s + b, "_raw(");
            if (raw != NULL && matching_paren(s, e, (int)(raw - s) + 4) == e - 1) {
                b = (int)(raw - s) + 5;
                e--;
                again = true;
            }
        }
    }
    snprintf(outbuf, size, "%.*s", e - b, s + b);
}

static const char *name_of(char *buf, size_t size, const char *expr)
{
    mpsc__render_name(buf, size, expr);
    return buf;
}

static const char *thread_desc(char *buf, size_t size, const struct mpsc__dbg_thread *t)
{
    char label[24];
    if (t == NULL)
        return "an unknown thread";
    const char *l = mpsc__dbg_thread_label(t, label, sizeof label);
    if (l[0] == '#')
        return fmt(buf, size, "thread %s", l);
    return fmt(buf, size, "thread `%s`", l);
}

static const char *kind_name(enum mpsc__dbg_kind k)
{
    return k == MPSC__DBG_SENDER ? "Sender" : "Receiver";
}

static const char *type_name(enum mpsc__dbg_kind k)
{
    return k == MPSC__DBG_SENDER ? "mpsc_sender *" : "mpsc_receiver *";
}

static const char *chan_desc(char *buf, size_t size, const struct mpsc__dbg_chan *c)
{
    if (c->name[0] != '\0')
        return fmt(buf, size, "channel #%u (`%s`)", (unsigned)c->id, c->name);
    return fmt(buf, size, "channel #%u", (unsigned)c->id);
}

/* ---- source files ------------------------------------------------------ */

/* Opens a call site's file: as compiled (relative to the build directory,
 * for Meson "../src/x.c"), or with the leading "../" taken off, which finds
 * it from the source tree.  *shown is the path that opened. */
static int open_source(const char *file, const char **shown)
{
    *shown = file;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 || file[0] == '/')
        return fd;
    const char *p = file;
    while (strncmp(p, "../", 3) == 0)
        p += 3;
    if (p == file)
        return -1;
    fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        *shown = p;
    return fd;
}

static const char *shown_path(const char *file)
{
    const char *shown;
    int fd = open_source(file, &shown);
    if (fd >= 0)
        close(fd);
    return shown;
}

/* Line `line` (1-based) of the file, without its newline; false when the
 * file cannot be read or is shorter. */
static bool source_line(const char *file, int line, char *buf, size_t size)
{
    const char *shown;
    int fd = open_source(file, &shown);
    if (fd < 0)
        return false;
    static char chunk[1 << 16];
    int at = 1;
    size_t len = 0;
    bool found = false;
    ssize_t n;
    while (!found && (n = read(fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (at == line) {
                if (chunk[i] == '\n') {
                    found = true;
                    break;
                }
                if (len + 1 < size)
                    buf[len++] = chunk[i];
            } else if (chunk[i] == '\n') {
                at++;
            }
        }
    }
    close(fd);
    if (at != line)
        return false;
    buf[len] = '\0';
    /* A line that ends the file without a newline is still a line. */
    return found || len > 0;
}

/* ---- a diagnostic ------------------------------------------------------ */

#define MAX_LABELS 24
#define MAX_NOTES 10
#define LINE_MAX_BYTES 1024

struct label {
    struct mpsc__site site;
    bool primary;
    bool arg_only; /* underline the handle argument, not the whole call */
    char text[320];
    /* Filled in by emit(). */
    bool have_source;
    const char *path;
    int col;          /* 1-based byte column in the source line */
    int dcol, dwidth; /* display column (tabs expanded) and width */
    char source[LINE_MAX_BYTES];
};

struct note {
    const char *kind; /* "note" or "help" */
    char text[4096];
};

static struct {
    const char *level;
    const char *code;
    char title[512];
    struct label labels[MAX_LABELS];
    unsigned nlabels;
    struct note notes[MAX_NOTES];
    unsigned nnotes;
    const struct mpsc__dbg_chan *history;
} d;

__attribute__((format(printf, 3, 4))) static void begin(const char *level, const char *code, const char *format, ...)
{
    memset(&d, 0, sizeof d);
    d.level = level;
    d.code = code;
    va_list ap;
    va_start(ap, format);
    vsnprintf(d.title, sizeof d.title, format, ap);
    va_end(ap);
}

__attribute__((format(printf, 4, 0))) static void add_label(const struct mpsc__site *site, bool primary,
                                                            bool arg_only, const char *format, va_list ap)
{
    if (site == NULL || site->file == NULL || d.nlabels == MAX_LABELS)
        return;
    struct label *l = &d.labels[d.nlabels++];
    l->site = *site;
    l->primary = primary;
    l->arg_only = arg_only;
    vsnprintf(l->text, sizeof l->text, format, ap);
}

__attribute__((format(printf, 3, 4))) static void label(const struct mpsc__site *site, bool primary,
                                                        const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    add_label(site, primary, false, format, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void note(const char *kind, const char *format, ...)
{
    if (d.nnotes == MAX_NOTES)
        return;
    struct note *n = &d.notes[d.nnotes++];
    n->kind = kind;
    va_list ap;
    va_start(ap, format);
    vsnprintf(n->text, sizeof n->text, format, ap);
    va_end(ap);
}

/* Finds `name(` as a whole identifier in line; [*start, *end) spans the call up
 * to its closing parenthesis (or the end of the line).  With a non-NULL
 * want, a call whose arguments contain it is preferred. */
static bool find_call(const char *line, const char *name, const char *want, int *start, int *end)
{
    int len = (int)strlen(line), nlen = (int)strlen(name);
    bool found = false;
    for (const char *p = strstr(line, name); p != NULL; p = strstr(p + 1, name)) {
        int s = (int)(p - line), i = s + nlen;
        if ((s > 0 && is_ident(line[s - 1])) || is_ident(line[i]))
            continue;
        while (line[i] == ' ')
            i++;
        if (line[i] != '(')
            continue;
        int close = matching_paren(line, len, i);
        int e = close >= 0 ? close + 1 : len;
        bool wanted = want == NULL;
        if (!wanted) {
            char args[LINE_MAX_BYTES];
            snprintf(args, sizeof args, "%.*s", e - i, line + i);
            wanted = strstr(args, want) != NULL;
        }
        if (!found || wanted) {
            *start = s;
            *end = e;
            found = true;
            if (wanted)
                return true;
        }
    }
    return found;
}

/* Finds `word` as a whole identifier (or expression) in line. */
static bool find_word(const char *line, const char *word, int *start, int *end)
{
    int wlen = (int)strlen(word);
    if (wlen == 0)
        return false;
    for (const char *p = strstr(line, word); p != NULL; p = strstr(p + 1, word)) {
        int s = (int)(p - line);
        if ((s > 0 && is_ident(line[s - 1]) && is_ident(word[0])) ||
            (is_ident(line[s + wlen]) && is_ident(word[wlen - 1])))
            continue;
        *start = s;
        *end = s + wlen;
        return true;
    }
    return false;
}

/* Where in the source line a label points: [start, end) in bytes. */
static void locate(const struct label *l, const char *line, int *start, int *end)
{
    char name[128];
    mpsc__render_name(name, sizeof name, l->site.expr);
    const char *raw = l->site.expr;
    if (l->site.call != NULL && find_call(line, l->site.call, l->site.expr ? name : NULL, start, end)) {
        if (l->arg_only && raw != NULL) {
            char call[LINE_MAX_BYTES];
            snprintf(call, sizeof call, "%.*s", *end - *start, line + *start);
            const char *a = strstr(call, raw);
            int s, e;
            if (a != NULL) {
                s = *start + (int)(a - call);
                e = s + (int)strlen(raw);
                while (s < e && (line[s] == '&' || line[s] == ' ' || line[s] == '('))
                    s++;
                *start = s;
                *end = e;
            }
        }
        return;
    }
    if (l->site.call != NULL && strcmp(l->site.call, "mpsc_recv") == 0 &&
        find_call(line, "MPSC_FOR_EACH", name, start, end))
        return;
    if (raw != NULL && find_word(line, name, start, end))
        return;
    /* A typed wrapper's call (the MPSC_DEFINE_CHANNEL line) or a macro of
     * the program's own: the whole line. */
    int len = (int)strlen(line);
    *start = 0;
    while (*start < len && (line[*start] == ' ' || line[*start] == '\t'))
        (*start)++;
    *end = len;
    while (*end > *start && (line[*end - 1] == ' ' || line[*end - 1] == '\t' || line[*end - 1] == '\r'))
        (*end)--;
    if (*end == *start)
        *end = *start + 1;
}

/* Tabs become four spaces, as rustc shows them; *dcol is the display
 * column of byte `col`. */
static void expand_tabs(const char *line, char *shown, size_t size, int byte, int *dcol)
{
    size_t o = 0;
    *dcol = -1;
    for (int i = 0;; i++) {
        if (i == byte)
            *dcol = (int)o;
        if (line[i] == '\0')
            break;
        int reps = line[i] == '\t' ? 4 : 1;
        for (int r = 0; r < reps && o + 1 < size; r++)
            shown[o++] = line[i] == '\t' ? ' ' : line[i];
    }
    shown[o] = '\0';
    if (*dcol < 0)
        *dcol = (int)o;
}

static int digits(int n)
{
    int k = 1;
    while (n >= 10) {
        n /= 10;
        k++;
    }
    return k;
}

static void resolve(struct label *l)
{
    char raw[LINE_MAX_BYTES];
    l->path = shown_path(l->site.file);
    l->have_source = source_line(l->site.file, l->site.line, raw, sizeof raw);
    if (!l->have_source)
        return;
    int start, end, dend;
    locate(l, raw, &start, &end);
    l->col = start + 1;
    expand_tabs(raw, l->source, sizeof l->source, end, &dend);
    expand_tabs(raw, l->source, sizeof l->source, start, &l->dcol);
    l->dwidth = dend > l->dcol ? dend - l->dcol : 1;
}

/* The label's text, with continuation lines aligned under its first. */
static void emit_label_row(int width, const struct label *l)
{
    emit_spaces(width + 1);
    emitf("| ");
    emit_spaces(l->dcol);
    for (int i = 0; i < l->dwidth; i++)
        emitf("%c", l->primary ? '^' : '-');
    const char *t = l->text;
    emitf(" ");
    for (const char *nl; (nl = strchr(t, '\n')) != NULL; t = nl + 1) {
        emitf("%.*s\n", (int)(nl - t), t);
        emit_spaces(width + 1);
        emitf("| ");
        emit_spaces(l->dcol + l->dwidth + 1);
    }
    emitf("%s\n", t);
}

static void emit_note(int width, const struct note *n)
{
    emit_spaces(width + 1);
    emitf("= %s: ", n->kind);
    int indent = width + 1 + 2 + (int)strlen(n->kind) + 2;
    const char *t = n->text;
    for (const char *nl; (nl = strchr(t, '\n')) != NULL; t = nl + 1) {
        emitf("%.*s\n", (int)(nl - t), t);
        emit_spaces(indent);
    }
    emitf("%s\n", t);
}

static int label_order(const void *a, const void *b)
{
    const struct label *x = *(const struct label *const *)a, *y = *(const struct label *const *)b;
    if (x->site.line != y->site.line)
        return x->site.line < y->site.line ? -1 : 1;
    return x->dcol < y->dcol ? -1 : x->dcol > y->dcol;
}

static void history_note(const struct mpsc__dbg_chan *c);

static void emit_labels(int width)
{
    /* Files in order: the primary label's first, then as they come. */
    unsigned first = 0;
    for (unsigned i = 0; i < d.nlabels; i++)
        if (d.labels[i].primary) {
            first = i;
            break;
        }
    bool done[MAX_LABELS] = {false};
    for (unsigned pass = 0; pass <= d.nlabels; pass++) {
        unsigned lead = pass == 0 ? first : pass - 1;
        if (lead >= d.nlabels || done[lead])
            continue;
        const char *file = d.labels[lead].site.file;
        struct label *group[MAX_LABELS];
        unsigned n = 0;
        for (unsigned i = 0; i < d.nlabels; i++)
            if (!done[i] && strcmp(d.labels[i].site.file, file) == 0) {
                group[n++] = &d.labels[i];
                done[i] = true;
            }
        qsort(group, n, sizeof group[0], label_order);
        const struct label *head = pass == 0 ? &d.labels[first] : group[0];
        emit_spaces(width);
        emitf("%s %s:%d", pass == 0 ? "-->" : ":::", head->path, head->site.line);
        if (!head->have_source) {
            /* No source to quote: the gutter keeps the line numbers. */
            emitf("\n");
            emit_spaces(width + 1);
            emitf("|\n");
            for (unsigned i = 0; i < n; i++) {
                emitf("%-*d | %c ", width, group[i]->site.line, group[i]->primary ? '^' : '-');
                for (const char *t = group[i]->text; *t != '\0'; t++)
                    emitf("%c", *t == '\n' ? ' ' : *t);
                emitf("\n");
            }
            continue;
        }
        emitf(":%d\n", head->col);
        emit_spaces(width + 1);
        emitf("|\n");
        int prev = 0;
        for (unsigned i = 0; i < n; i++) {
            const struct label *l = group[i];
            if (l->site.line != prev) {
                char between[LINE_MAX_BYTES], shown[LINE_MAX_BYTES];
                int unused;
                if (prev != 0 && l->site.line == prev + 2 &&
                    source_line(l->site.file, prev + 1, between, sizeof between)) {
                    expand_tabs(between, shown, sizeof shown, 0, &unused);
                    emitf("%-*d | %s\n", width, prev + 1, shown);
                } else if (prev != 0 && l->site.line > prev + 2) {
                    emitf("...\n");
                }
                emitf("%-*d | %s\n", width, l->site.line, l->source);
                prev = l->site.line;
            }
            emit_label_row(width, l);
        }
    }
}

/* Writes the diagnostic to stderr in one piece. */
static void emit(void)
{
    int width = 1;
    for (unsigned i = 0; i < d.nlabels; i++) {
        resolve(&d.labels[i]);
        int w = digits(d.labels[i].site.line);
        if (w > width)
            width = w;
    }
    if (d.code != NULL)
        emitf("%s[%s]: %s\n", d.level, d.code, d.title);
    else
        emitf("%s: %s\n", d.level, d.title);
    emit_labels(width);
    if (d.history != NULL)
        history_note(d.history);
    if (d.nnotes > 0) {
        if (d.nlabels > 0) {
            emit_spaces(width + 1);
            emitf("|\n");
        }
        for (unsigned i = 0; i < d.nnotes; i++)
            emit_note(width, &d.notes[i]);
    }
    emitf("\n");
    flush_out();
}

_Noreturn static void fail(void)
{
    const struct label *primary = NULL;
    for (unsigned i = 0; i < d.nlabels; i++)
        if (d.labels[i].primary)
            primary = &d.labels[i];
    struct mpsc__dbg_event at = {{0}, mpsc__dbg_self()};
    if (primary != NULL)
        at.site = primary->site;
    mpsc__trace_error(d.code != NULL ? d.code : "error", &at);
    emit();
    abort();
}

/* ---- history ----------------------------------------------------------- */

/* A handle in the history: "Sender#3 `tx2`", with its generation after the
 * first. */
static const char *handle_ref(char *buf, size_t size, enum mpsc__dbg_kind kind, uint32_t id, uint32_t gen,
                              const char *expr)
{
    char name[128], g[32] = "";
    if (gen > 1)
        fmt(g, sizeof g, " (generation %u)", (unsigned)gen);
    if (expr == NULL)
        return fmt(buf, size, "%s#%u%s", kind_name(kind), (unsigned)id, g);
    return fmt(buf, size, "%s#%u `%s`%s", kind_name(kind), (unsigned)id, name_of(name, sizeof name, expr), g);
}

/* The channel's last lifecycle events as a note, in columns. */
static void history_note(const struct mpsc__dbg_chan *c)
{
    unsigned n = mpsc__dbg_history_count(c);
    if (n == 0)
        return;
    static char who[MPSC__DBG_HISTORY_MAX][24], what[MPSC__DBG_HISTORY_MAX][200],
        where[MPSC__DBG_HISTORY_MAX][300];
    static const char *verb[MPSC__DBG_HISTORY_MAX];
    int wwho = 0, wverb = 0, wwhat = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct mpsc__dbg_hist *e = mpsc__dbg_history_at(c, i);
        char a[160], b[160];
        if (e->at.thread != NULL)
            fmt(who[i], sizeof who[i], "%s", mpsc__dbg_thread_label(e->at.thread, a, sizeof a));
        else
            fmt(who[i], sizeof who[i], "?");
        const char *h = handle_ref(a, sizeof a, e->kind, e->id, e->generation, e->expr);
        switch (e->op) {
        case MPSC__EV_CREATED:
            verb[i] = "created";
            fmt(what[i], sizeof what[i], "%s, %s", h,
                handle_ref(b, sizeof b, MPSC__DBG_RECEIVER, e->id2, 1, e->expr2));
            break;
        case MPSC__EV_CLONED:
            verb[i] = "cloned";
            fmt(what[i], sizeof what[i], "%s into Sender#%u", h, (unsigned)e->id2);
            break;
        case MPSC__EV_MOVED:
            verb[i] = "moved";
            fmt(what[i], sizeof what[i], "%s#%u `%s`, generation %u -> %u", kind_name(e->kind), (unsigned)e->id,
                name_of(b, sizeof b, e->expr), (unsigned)e->generation, (unsigned)e->generation + 1);
            break;
        case MPSC__EV_SHARED: verb[i] = "shared"; fmt(what[i], sizeof what[i], "%s", h); break;
        case MPSC__EV_OWNED: verb[i] = "took"; fmt(what[i], sizeof what[i], "%s", h); break;
        case MPSC__EV_DROPPED:
            verb[i] = "dropped";
            if (e->kind == MPSC__DBG_RECEIVER)
                fmt(what[i], sizeof what[i], "%s with %zu message%s queued", h, e->count, e->count == 1 ? "" : "s");
            else
                fmt(what[i], sizeof what[i], "%s", h);
            break;
        case MPSC__EV_DISCONNECTED:
            verb[i] = "disconnected";
            fmt(what[i], sizeof what[i], "%s", e->kind == MPSC__DBG_SENDER ? "(no Sender left)" : "(no Receiver left)");
            break;
        case MPSC__EV_LEAKED: verb[i] = "leaked"; fmt(what[i], sizeof what[i], "%s", h); break;
        }
        if (e->at.site.file != NULL)
            fmt(where[i], sizeof where[i], "%s:%d", shown_path(e->at.site.file), e->at.site.line);
        else
            where[i][0] = '\0';
        int l1 = (int)strlen(who[i]), l2 = (int)strlen(verb[i]), l3 = (int)strlen(what[i]);
        wwho = l1 > wwho ? l1 : wwho;
        wverb = l2 > wverb ? l2 : wverb;
        wwhat = l3 > wwhat ? l3 : wwhat;
    }
    char cd[96];
    struct note *nt = d.nnotes < MAX_NOTES ? &d.notes[d.nnotes++] : NULL;
    if (nt == NULL)
        return;
    nt->kind = "note";
    size_t len = (size_t)snprintf(nt->text, sizeof nt->text, "last %u event%s of %s, oldest first:", n,
                                  n == 1 ? "" : "s", chan_desc(cd, sizeof cd, c));
    for (unsigned i = 0; i < n && len < sizeof nt->text; i++)
        len += (size_t)snprintf(nt->text + len, sizeof nt->text - len, "\n  %-*s  %-*s  %-*s  %s", wwho, who[i],
                                wverb, verb[i], wwhat, what[i], where[i]);
}

/* ---- the diagnostics --------------------------------------------------- */

/* A clone's name: the variable it is assigned to on its creation line
 * (`tx2 = mpsc_sender_clone(tx)`), or its number. */
static const char *handle_name(char *buf, size_t size, const struct mpsc__dbg_handle *h)
{
    const char *expr = mpsc__dbg_name(h);
    if (expr != NULL)
        return name_of(buf, size, expr);
    char line[LINE_MAX_BYTES];
    int start, end;
    if (h->origin.site.file != NULL && source_line(h->origin.site.file, h->origin.site.line, line, sizeof line) &&
        find_call(line, h->origin.site.call, NULL, &start, &end)) {
        int i = start - 1;
        while (i >= 0 && line[i] == ' ')
            i--;
        if (i > 0 && line[i] == '=' && strchr("=!<>+-*/%&|^", line[i - 1]) == NULL) {
            i--;
            while (i >= 0 && line[i] == ' ')
                i--;
            int e = i + 1;
            while (i >= 0 && is_ident(line[i]))
                i--;
            if (e > i + 1)
                return fmt(buf, size, "%.*s", e - i - 1, line + i + 1);
        }
    }
    return fmt(buf, size, "%s#%u", kind_name(h->kind), (unsigned)h->id);
}

static const char *identity(char *buf, size_t size, const struct mpsc__dbg_handle *h)
{
    return fmt(buf, size, "%s#%u (generation %u)", kind_name(h->kind), (unsigned)h->id, (unsigned)h->generation);
}

/* The creation of generation 1: the handle argument of mpsc_channel*, or
 * the whole mpsc_sender_clone call. */
__attribute__((format(printf, 3, 4))) static void origin_label(const struct mpsc__dbg_handle *h, bool primary,
                                                               const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    add_label(&h->origin.site, primary, !h->from_clone, format, ap);
    va_end(ap);
}

static bool same_place(const struct mpsc__site *a, const struct mpsc__site *b)
{
    return a->file != NULL && b->file != NULL && a->line == b->line && strcmp(a->file, b->file) == 0 &&
           a->call != NULL && b->call != NULL && strcmp(a->call, b->call) == 0;
}

static bool same_line(const struct mpsc__site *a, const struct mpsc__site *b)
{
    return a->file != NULL && b->file != NULL && a->line == b->line && strcmp(a->file, b->file) == 0;
}

/* A call inside a typed wrapper of MPSC_DEFINE_CHANNEL: every such call has
 * the same line, so two of them cannot be told apart. */
static bool generated(const struct mpsc__site *s)
{
    return s->expr != NULL && strstr(s->expr, "_raw(") != NULL;
}

void mpsc__render_not_a_handle(const void *token, const struct mpsc__site *site)
{
    char name[128];
    name_of(name, sizeof name, site->expr);
    begin("error", "E0381", "used binding `%s` isn't a channel handle", name);
    label(site, true, "`%s` is %p, which no mpsc_channel, mpsc_sync_channel, mpsc_channel_new,\n"
                             "mpsc_sender_clone or mpsc_move call ever returned", name, token);
    note("note", "an uninitialised variable, a pointer to something else, or memory that was overwritten");
    note("help", "set `%s` with mpsc_channel(sizeof(T), &tx, &rx) (or keep what mpsc_move returns) before using it",
         name);
    fail();
}

void mpsc__render_wrong_kind(const struct mpsc__dbg_handle *h, enum mpsc__dbg_kind want,
                             const struct mpsc__site *site)
{
    char name[128], id[64];
    name_of(name, sizeof name, site->expr);
    begin("error", "E0308", "mismatched types: expected `%s`, found %s", type_name(want),
          identity(id, sizeof id, h));
    label(site, true, "expected a %s, `%s` is a %s", kind_name(want), name, kind_name(h->kind));
    note("note", "a cast turned one kind of handle into the other; a production build would misread its memory");
    d.history = h->chan;
    fail();
}

void mpsc__render_use_after_retire(const struct mpsc__dbg_handle *h, uintptr_t compact,
                                   const struct mpsc__dbg_handle *reused_by, const struct mpsc__site *site)
{
    char name[128], id[64], t1[64], cd[96];
    name_of(name, sizeof name, site->expr);
    begin("error", "E0382", "use of moved value: `%s`", name);
    struct mpsc__dbg_thread *self = mpsc__dbg_self();
    if (h == NULL) {
        enum mpsc__dbg_kind kind;
        enum mpsc__dbg_state state;
        uint32_t hid, gen;
        mpsc__dbg_compact_decode(compact, &kind, &state, &hid, &gen);
        bool moved = state == MPSC__DBG_MOVED;
        label(site, true, "value used here after %s", moved ? "move" : "drop");
        note("note", "`%s` was %s#%u (generation %u), %s; where and by whom was forgotten after %u newer\n"
                     "retirements (MPSC_DEBUG_OPTIONS=tombstones=N keeps more)",
             name, kind_name(kind), (unsigned)hid, (unsigned)gen, moved ? "moved" : "dropped",
             mpsc__dbg_opt.tombstones);
        fail();
    }
    bool moved = h->state == MPSC__DBG_MOVED;
    const char *how = moved ? "moved" : "dropped";
    bool loop = same_place(&h->retired.site, site) && h->retired.thread == self && !generated(site);
    if (!same_line(&h->origin.site, site) && !same_line(&h->origin.site, &h->retired.site))
        origin_label(h, false, "move occurs because `%s` has type `%s`,\na handle that is moved, not copied", name,
                     type_name(h->kind));
    if (loop) {
        label(site, true, "value %s here, in previous iteration of loop", how);
    } else {
        if (h->retired.thread == self)
            label(&h->retired.site, false, "value %s here", how);
        else
            label(&h->retired.site, false, "value %s here by %s", how, thread_desc(t1, sizeof t1, h->retired.thread));
        label(site, true, "value used here after %s", moved ? "move" : "drop");
    }
    if (moved)
        note("note", "`%s` is %s of %s; the move retired it\nand handed generation %u to the next owner",
             name, identity(id, sizeof id, h), chan_desc(cd, sizeof cd, h->chan), (unsigned)h->generation + 1);
    else
        note("note", "`%s` is %s of %s, dropped by %s", name, identity(id, sizeof id, h),
             chan_desc(cd, sizeof cd, h->chan), thread_desc(t1, sizeof t1, h->retired.thread));
    if (reused_by != NULL) {
        char other[128], oid[64], ocd[96];
        note("note", "the memory behind `%s` now belongs to `%s`, %s of %s:\n"
                     "a production build would have used that handle here without a word",
             name, handle_name(other, sizeof other, reused_by), identity(oid, sizeof oid, reused_by),
             chan_desc(ocd, sizeof ocd, reused_by->chan));
    }
    if (moved && h->kind == MPSC__DBG_SENDER) {
        /* The clone's suggested name: tx2 for tx, or for an expression. */
        bool plain = name[0] != '\0';
        for (const char *p = name; *p != '\0'; p++)
            plain &= is_ident(*p);
        note("help", "clone the Sender before moving it, and move the clone:\n"
                     "`mpsc_sender *%s2 = mpsc_sender_clone(%s);`",
             plain ? name : "tx", name);
    }
    else if (moved && loop)
        note("help", "a channel has one Receiver: to let several threads take turns, mark it with\n"
                     "mpsc_share(%s) and lock a mutex around each receive (Rust: Arc<Mutex<Receiver<T>>>)",
             name);
    else if (moved)
        note("help", "a channel has one Receiver: receive in the thread it was moved to");
    else if (site->call != NULL && strstr(site->call, "_drop") != NULL)
        note("help", "drop each handle exactly once");
    else
        note("help", "drop a handle only after its last use");
    d.history = h->chan;
    fail();
}

void mpsc__render_not_owner(const struct mpsc__dbg_handle *h, const struct mpsc__site *site)
{
    char name[128], t1[64], t2[64];
    struct mpsc__dbg_thread *self = mpsc__dbg_self();
    name_of(name, sizeof name, site->expr);
    const char *owner = thread_desc(t1, sizeof t1, h->owner), *user = thread_desc(t2, sizeof t2, self);
    struct mpsc__dbg_event last_use = mpsc__dbg_last_use(h);
    begin("error", "E0373", "`%s` is used by %s, but it is owned by %s", name, user, owner);
    if (last_use.site.file != NULL && last_use.thread == h->owner)
        label(&last_use.site, false, "`%s` last used here by its owner, %s", name, owner);
    else if (same_place(&h->owned.site, &h->origin.site))
        origin_label(h, false, "owned by the thread that created it here");
    else
        label(&h->owned.site, false, "owned by %s since its first use here", owner);
    label(site, true, "`%s` used here by %s", name, user);
    if (h->owner != NULL && h->owner->exited)
        note("note", "%s has exited without dropping `%s`", owner, name);
    note("note", "a handle has one owner thread, as a Rust value has one owner: a raw handle passed\n"
                 "to a thread is Rust's `thread::spawn(|| tx.send(..))` without `move`");
    note("help", "hand it to the thread with mpsc_move(%s), or mark it with mpsc_share(%s) if several threads use "
                 "it on purpose",
         name, name);
    d.history = h->chan;
    fail();
}

void mpsc__render_moved_while_in_use(const struct mpsc__dbg_handle *h, const struct mpsc__site *site)
{
    char name[128], t1[64];
    struct mpsc__dbg_event entered = mpsc__dbg_entered(h);
    name_of(name, sizeof name, site->expr);
    begin("error", "E0505", "cannot move out of `%s` because it is borrowed", name);
    label(&entered.site, false, "borrow of `%s` occurs here: %s is inside this call", name,
          thread_desc(t1, sizeof t1, entered.thread));
    label(site, true, "move out of `%s` occurs here", name);
    note("note", "a handle shared between threads must outlive every call on it: the production\n"
                 "library would free it under the other thread");
    note("help", "wait for (join) the threads that use `%s` before dropping or moving it", name);
    d.history = h->chan;
    fail();
}

void mpsc__render_concurrent_recv(const struct mpsc__dbg_handle *rx, struct mpsc__dbg_thread *other,
                                  const struct mpsc__site *other_site, const struct mpsc__site *site)
{
    char name[128], t1[64], t2[64];
    name_of(name, sizeof name, site->expr);
    begin("error", "E0277", "`mpsc_receiver` cannot be shared between threads safely");
    label(other_site, false, "%s is receiving on `%s` here", thread_desc(t1, sizeof t1, other), name);
    label(site, true, "%s receives on `%s` at the same time",
          thread_desc(t2, sizeof t2, mpsc__dbg_self()), name);
    note("help", "the trait `Sync` is not implemented for `mpsc_receiver`: one thread at a time may be\n"
                 "inside a receive, even on a handle marked with mpsc_share(%s)",
         name);
    note("help", "lock a mutex around each receive, as the Rust book's thread pool does with\n"
                 "Arc<Mutex<Receiver<Job>>>");
    d.history = rx->chan;
    fail();
}

void mpsc__render_disconnected_send(const struct mpsc__dbg_handle *tx, const struct mpsc__site *site)
{
    const struct mpsc__dbg_chan *c = tx->chan;
    char name[128], t1[64], cd[96];
    name_of(name, sizeof name, site->expr);
    begin("error", "M0001", "sending on a disconnected channel: the Receiver of %s was dropped",
          chan_desc(cd, sizeof cd, c));
    if (c->rx_dropped)
        label(&c->rx_drop.site, false, "the Receiver was dropped here by %s, with %zu message%s still queued",
              thread_desc(t1, sizeof t1, c->rx_drop.thread), c->queued_at_drop, c->queued_at_drop == 1 ? "" : "s");
    label(site, true, "`%s` sends here", name);
    note("note", "the send returned MPSC_DISCONNECTED and the message is still the caller's;\n"
                 "Rust's `tx.send(x).unwrap()` panics here with SendError");
    note("help", "if the receiver goes away on purpose, call mpsc_allow_disconnected_send(%s) once\n"
                 "for this channel, or run with MPSC_DEBUG_OPTIONS=allow_disconnected_send=1",
         name);
    d.history = c;
    fail();
}

/* Senders that one label describes: those with the same name, made at the
 * same place, in the same state. */
struct sender_group {
    const struct mpsc__dbg_handle *first;
    const struct mpsc__site *at;
    bool held;
    unsigned n;
    char ids[160];
};

void mpsc__render_recv_deadlock(const struct mpsc__dbg_chan *c, const struct mpsc__dbg_event *recv,
                                const struct mpsc__dbg_event *trigger)
{
    char name[128], t1[64], t2[64], sname[128], gname[128], fix[1024];
    static struct sender_group groups[MAX_LABELS - 2];
    static struct mpsc__dbg_event last_uses[MAX_LABELS - 2 + 1];
    unsigned ngroups = 0;
    bool orphans = false;
    /* Oldest first: the list is newest first. */
    const struct mpsc__dbg_handle *oldest = c->senders;
    while (oldest != NULL && oldest->chan_next != NULL)
        oldest = oldest->chan_next;
    for (const struct mpsc__dbg_handle *s = oldest; s != NULL; s = s->chan_prev) {
        bool held = s->owner == recv->thread;
        orphans |= !held;
        /* A group made for this Sender takes the same index, and so keeps
         * the site it points to. */
        last_uses[ngroups] = mpsc__dbg_last_use(s);
        const struct mpsc__site *at =
            held || last_uses[ngroups].site.file == NULL ? &s->origin.site : &last_uses[ngroups].site;
        handle_name(sname, sizeof sname, s);
        struct sender_group *g = NULL;
        for (unsigned i = 0; i < ngroups && g == NULL; i++)
            if (groups[i].held == held && groups[i].first->owner == s->owner && same_place(groups[i].at, at) &&
                strcmp(handle_name(gname, sizeof gname, groups[i].first), sname) == 0)
                g = &groups[i];
        if (g == NULL && ngroups < sizeof groups / sizeof groups[0]) {
            g = &groups[ngroups++];
            *g = (struct sender_group){.first = s, .at = at, .held = held};
            fmt(g->ids, sizeof g->ids, "Sender#%u", (unsigned)s->id);
        } else if (g != NULL) {
            size_t len = strlen(g->ids);
            snprintf(g->ids + len, sizeof g->ids - len, ", #%u", (unsigned)s->id);
        }
        if (g != NULL)
            g->n++;
    }
    name_of(name, sizeof name, recv->site.expr);
    begin("error", "M0002", "receive on `%s` can never finish: every live Sender is held by the receiving thread%s",
          name, orphans ? " or by threads that have exited" : "");
    label(&recv->site, true, "%s waits here for ever", thread_desc(t1, sizeof t1, recv->thread));
    size_t flen = 0, held = 0;
    fix[0] = '\0';
    for (unsigned i = 0; i < ngroups; i++) {
        const struct sender_group *g = &groups[i];
        handle_name(sname, sizeof sname, g->first);
        /* "`tx`, Sender#1 (generation 1), is" or "`tx` (Sender#3, #4) are" */
        char who[256];
        if (g->n == 1)
            fmt(who, sizeof who, "`%s`, %s, is", sname, identity(t2, sizeof t2, g->first));
        else
            fmt(who, sizeof who, "`%s` (%s) are", sname, g->ids);
        if (!g->held) {
            label(g->at, false, "%s still alive: %s exited without dropping %s", who,
                  thread_desc(t1, sizeof t1, g->first->owner), g->n == 1 ? "it" : "them");
            continue;
        }
        held += g->n;
        origin_label(g->first, false, "%s still alive, held by this thread", who);
        char call[160];
        fmt(call, sizeof call, "mpsc_sender_drop(%s);", sname);
        if (strstr(fix, call) == NULL && flen < sizeof fix)
            flen += (size_t)snprintf(fix + flen, sizeof fix - flen, "%s%s", flen > 0 ? " " : "", call);
    }
    if (trigger != NULL)
        label(&trigger->site, false, "the last Sender held by another thread is dropped here by %s",
              thread_desc(t2, sizeof t2, trigger->thread));
    note("note", "mpsc_recv and MPSC_FOR_EACH return only when a message comes or every Sender is gone\n"
                 "(Rust: `for received in rx` ends when all senders are dropped)");
    if (held > 0)
        note("help", "drop %s before receiving: `%s`", held == 1 ? "it" : "them", fix);
    if (orphans)
        note("help", "a thread drops the Senders it owns before it returns");
    d.history = c;
    fail();
}

void mpsc__render_send_deadlock(const struct mpsc__dbg_handle *tx, const struct mpsc__site *site)
{
    const struct mpsc__dbg_chan *c = tx->chan;
    const struct mpsc__dbg_handle *r = c->receiver;
    char name[128], rname[128], rid[64], t1[64], cd[96];
    name_of(name, sizeof name, site->expr);
    handle_name(rname, sizeof rname, r);
    identity(rid, sizeof rid, r);
    const char *who = thread_desc(t1, sizeof t1, mpsc__dbg_self());
    if (c->bound == 0)
        begin("error", "M0003", "send on `%s` can never finish: no other thread can take the message", name);
    else
        begin("error", "M0003", "send on `%s` can never finish: the channel is full and no other thread can receive",
              name);
    struct mpsc__dbg_event last_use = mpsc__dbg_last_use(r);
    if (last_use.site.file != NULL && last_use.thread == r->owner)
        label(&last_use.site, false, "`%s`, %s, is held by this thread, which last used it here", rname, rid);
    else
        origin_label(r, false, "`%s`, %s, is held by this thread", rname, rid);
    label(site, true, "%s waits here for ever", who);
    if (c->bound == 0)
        note("note", "%s is a rendezvous channel, sync_channel(0): a send waits until a receiver takes\n"
                     "the message",
             chan_desc(cd, sizeof cd, c));
    else
        note("note", "%s is a sync_channel(%zu): a send waits while %zu message%s queued, until a\n"
                     "receive makes room",
             chan_desc(cd, sizeof cd, c), c->bound, c->bound, c->bound == 1 ? " is" : "s are");
    note("help", "receive in another thread (hand it the Receiver with mpsc_move(%s)), or use\nmpsc_try_send here",
         rname);
    d.history = c;
    fail();
}

void mpsc__render_library_bug(const struct mpsc__dbg_chan *c, const struct mpsc__site *site, bool sending)
{
    char cd[96];
    chan_desc(cd, sizeof cd, c);
    if (sending)
        begin("error", NULL, "internal error in libmpsc: %s returned MPSC_DISCONNECTED while the Receiver of %s "
                             "is alive", site->call, cd);
    else
        begin("error", NULL, "internal error in libmpsc: %s returned MPSC_DISCONNECTED while Senders of %s are "
                             "alive", site->call, cd);
    label(site, true, "%s alive when this call returned", sending ? "the Receiver is" : "Senders are");
    note("note", "the debug build checks the library's answers too: this is a bug in libmpsc, not in\n"
                 "this program");
    note("help", "please report it with this message and a trace (MPSC_DEBUG_OPTIONS=trace=PATH)");
    d.history = c;
    fail();
}

void mpsc__render_out_of_memory(const struct mpsc__site *site)
{
    begin("error", NULL, "the debug build ran out of memory (or of handle numbers) for its records");
    if (site != NULL)
        label(site, true, "while handling this call");
    fail();
}

void mpsc__render_leaks(struct mpsc__dbg_handle *const *leaked, size_t n, size_t total)
{
    char name[128], id[64], t1[64], cd[96], verb[32];
    for (size_t i = 0; i < n; i++) {
        const struct mpsc__dbg_handle *h = leaked[i];
        handle_name(name, sizeof name, h);
        begin("warning", "M0004", "`%s`, %s of %s, was never dropped", name, identity(id, sizeof id, h),
              chan_desc(cd, sizeof cd, h->chan));
        origin_label(h, true, "`%s` created here", name);
        if (h->generation > 1)
            label(&h->created.site, false, "moved here (generation %u)", (unsigned)h->generation);
        struct mpsc__dbg_event last_use = mpsc__dbg_last_use(h);
        if (last_use.site.file != NULL && !same_place(&last_use.site, &h->origin.site))
            label(&last_use.site, false, "last used here by %s", thread_desc(t1, sizeof t1, last_use.thread));
        if (h->shared)
            note("note", "it is shared (mpsc_share), so any thread could have dropped it");
        else if (h->owner == NULL)
            note("note", "it was moved and no thread used it since");
        else
            note("note", "its owner is %s%s", thread_desc(t1, sizeof t1, h->owner),
                 h->owner->exited ? ", which has exited" : "");
        fmt(verb, sizeof verb, "%s", h->kind == MPSC__DBG_SENDER ? "mpsc_sender_drop" : "mpsc_receiver_drop");
        note("help", "drop it with %s(%s) after its last use", verb, name);
        emit();
    }
    if (total > n)
        emitf("warning: %zu more channel handles were never dropped\n", total - n);
    emitf("warning: %zu channel handle%s never dropped (MPSC_DEBUG_OPTIONS=leaks=0 silences this)\n", total,
          total == 1 ? " was" : "s were");
    if (mpsc__dbg_opt.leaks == MPSC__DBG_LEAKS_ERROR)
        emitf("error: exiting with status %d because of leaked channel handles (MPSC_DEBUG_OPTIONS=leaks=error)\n",
              mpsc__dbg_opt.leak_exitcode);
    emitf("\n");
    flush_out();
}

void mpsc__render_option_warning(const char *item, size_t len)
{
    emitf("warning: MPSC_DEBUG_OPTIONS: `%.*s` is not understood; the keys are allow_disconnected_send,\n"
          "         leaks, leak_exitcode, history, tombstones and trace (see docs/debug-build.md)\n\n",
          (int)len, item);
    flush_out();
}
