/*
 * pages.c - memory for the unbounded queue's blocks, taken from the
 * operating system and given back to it directly.  malloc keeps freed
 * blocks in its heap, below the block still in use, so a burst of millions
 * of queued messages would keep its memory after being received; a mapping
 * returns its pages the moment it is unmapped.  Where anonymous mappings do
 * not exist, calloc and free stand in.
 *
 * And the bounded queue's ring, which lives as long as its channel: calloc,
 * but a ring of HUGE_PAGE or more is mapped on huge-page boundaries and
 * offered to transparent huge pages (Linux, madvise mode), so that filling
 * it takes one page fault per 2 MiB instead of one per 4 KiB.  On this
 * project's machine a fault costs about 3 us, which is most of what filling
 * a ring of millions of messages costs (bench/README.md, seq boundedN).
 */
#include "pages.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

size_t mpsc__page_size(void)
{
#ifdef _SC_PAGESIZE
    long n = sysconf(_SC_PAGESIZE);
    if (n > 0)
        return (size_t)n;
#endif
    return 4096;
}

#ifdef MAP_ANONYMOUS

void *mpsc__pages_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void mpsc__pages_free(void *p, size_t bytes)
{
    if (p != NULL)
        munmap(p, bytes);
}

#else /* !MAP_ANONYMOUS */

void *mpsc__pages_alloc(size_t bytes)
{
    return calloc(1, bytes);
}

void mpsc__pages_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}

#endif

#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)

#define HUGE_PAGE ((size_t)2 << 20)

static size_t huge_round(size_t bytes)
{
    return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

/* bytes (at least HUGE_PAGE) on huge-page boundaries, or NULL. */
static void *huge_alloc(size_t bytes)
{
    size_t len = huge_round(bytes);
    if (len < bytes || len > SIZE_MAX - HUGE_PAGE)
        return NULL;
    /* Map one huge page more than needed, then unmap what lies before the
     * first boundary and after the ring, so the ring starts on one. */
    unsigned char *p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t lead = (HUGE_PAGE - (uintptr_t)p % HUGE_PAGE) % HUGE_PAGE;
    if (lead != 0)
        munmap(p, lead);
    munmap(p + lead + len, HUGE_PAGE - lead);
    /* Only advice: where huge pages are off, the ring gets small pages. */
    madvise(p + lead, len, MADV_HUGEPAGE);
    return p + lead;
}

#endif

void *mpsc__ring_alloc(size_t bytes)
{
#ifdef HUGE_PAGE
    if (bytes >= HUGE_PAGE)
        return huge_alloc(bytes);
#endif
    return calloc(1, bytes);
}

void mpsc__ring_free(void *p, size_t bytes)
{
#ifdef HUGE_PAGE
    if (bytes >= HUGE_PAGE) {
        if (p != NULL)
            munmap(p, huge_round(bytes));
        return;
    }
#endif
    free(p);
}
