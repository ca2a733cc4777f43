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

#endif /* MPSC_PAGES_H */
