/*
 * pages.h - whole pages from the operating system (pages.c), for the
 * unbounded queue's blocks.
 */
#ifndef MPSC_PAGES_H
#define MPSC_PAGES_H

#include <stddef.h>

size_t mpsc__page_size(void);
/* bytes (a multiple of the page size) of zeroed memory, or NULL. */
void *mpsc__pages_alloc(size_t bytes);
/* Gives back what mpsc__pages_alloc returned; NULL is ignored. */
void mpsc__pages_free(void *p, size_t bytes);

#endif /* MPSC_PAGES_H */
