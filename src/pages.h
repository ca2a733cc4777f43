/*
 * pages.h - whole pages from the operating system (pages.c), for the
 * unbounded queue's blocks.
 */
#ifndef MPSC_PAGES_H
#define MPSC_PAGES_H

#include <stdbool.h>
#include <stddef.h>

size_t mpsc__page_size(void);
/* bytes (a multiple of the page size) of zeroed memory, or NULL; with
 * `populate`, its pages are made present at once where the system can (one
 * system call instead of a page fault per page), else at first touch. */
void *mpsc__pages_alloc(size_t bytes, bool populate);
/* Gives back what mpsc__pages_alloc returned; NULL is ignored. */
void mpsc__pages_free(void *p, size_t bytes);

/*
 * Pages given back later, together: one thread's run of freed blocks that
 * lie side by side (consecutive mappings of one size usually do), handed
 * to the system in one call once they reach MPSC__PAGES_BATCH_BYTES or
 * mpsc__pages_flush is called.  Unmapping makes the kernel flush the
 * unmapped pages from the TLB, page by page up to 33 pages (Linux's
 * tlb_single_page_flush_ceiling) and with one whole flush above: on the
 * Xeon host 64 KiB at a time cost 0.82 ns per 8-byte message of the
 * mapping, 256 KiB at a time 0.25.
 */
#define MPSC__PAGES_BATCH_BYTES ((size_t)256 * 1024)

struct mpsc__pages_batch {
    unsigned char *start; /* NULL while empty */
    size_t bytes;
};

/* Adds p (bytes, from mpsc__pages_alloc) to the batch.  A p that does not
 * adjoin the batch starts a new one, once the old one is given back; where
 * there are no mappings (pages.c), p is given back at once. */
void mpsc__pages_free_later(struct mpsc__pages_batch *b, void *p, size_t bytes);
/* Gives back what the batch holds. */
void mpsc__pages_flush(struct mpsc__pages_batch *b);

#endif /* MPSC_PAGES_H */
