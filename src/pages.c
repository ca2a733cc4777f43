/*
 * pages.c - memory for the unbounded queue's blocks, taken from the
 * operating system and given back to it directly.  malloc keeps freed
 * blocks in its heap, below the block still in use, so a burst of millions
 * of queued messages would keep its memory after being received; a mapping
 * returns its pages the moment it is unmapped.  Where anonymous mappings do
 * not exist, calloc and free stand in.
 */
#include "pages.h"

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

#if defined(MAP_ANONYMOUS) && !defined(MPSC__PORTABLE) /* meson option `portable` */

void *mpsc__pages_alloc(size_t bytes, bool populate)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_POPULATE
    if (populate)
        flags |= MAP_POPULATE;
#else
    (void)populate;
#endif
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void mpsc__pages_free(void *p, size_t bytes)
{
    if (p != NULL)
        munmap(p, bytes);
}

void mpsc__pages_free_later(struct mpsc__pages_batch *b, void *p, size_t bytes)
{
    unsigned char *q = p;
    if (b->start != NULL && q + bytes == b->start) {
        b->start = q; /* Linux places consecutive mappings downwards */
    } else if (b->start == NULL || b->start + b->bytes != q) {
        mpsc__pages_flush(b);
        b->start = q;
    }
    b->bytes += bytes;
    if (b->bytes >= MPSC__PAGES_BATCH_BYTES)
        mpsc__pages_flush(b);
}

void mpsc__pages_flush(struct mpsc__pages_batch *b)
{
    mpsc__pages_free(b->start, b->bytes);
    *b = (struct mpsc__pages_batch){NULL, 0};
}

#else

void *mpsc__pages_alloc(size_t bytes, bool populate)
{
    (void)populate;
    return calloc(1, bytes);
}

void mpsc__pages_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}

void mpsc__pages_free_later(struct mpsc__pages_batch *b, void *p, size_t bytes)
{
    (void)b;
    mpsc__pages_free(p, bytes);
}

void mpsc__pages_flush(struct mpsc__pages_batch *b)
{
    (void)b;
}

#endif
