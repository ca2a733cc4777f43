/*
 * block_pages.c - which pages of the unbounded queue's blocks are present
 * (src/flavor_list.c, block_get; src/pages.c), asked of the kernel with
 * mincore: a new channel's first block has only the page its header lies
 * in, so that an idle channel costs one page; a later block has all its
 * pages at once, since it is filled from start to end.  Built against the
 * static library, with the sources' directory on the include path, to
 * reach the blocks.
 *
 * A receiver draining a backlog gives finished blocks back in batches
 * (src/pages.h, struct mpsc__pages_batch): never more than a batch's worth
 * held back, and nothing once it has caught up with the sender but the
 * one block a channel keeps as its spare.
 *
 * With every block populated, the first check fails; with none, the second;
 * with batches never given back when full, the third; never given back on
 * catching up, the fourth.
 * The `portable` build takes blocks from calloc, whose pages the heap
 * decides; there is nothing to check there.  Nor in the debug build, whose
 * handles are not the channel's (the blocks are the same code's).
 */
#include "chan.h"
#include "pages.h"
#include "stress.h"

#include <sys/mman.h>

#if defined(__linux__) && !defined(MPSC__PORTABLE) && !MPSC_DEBUG

/* Whether the block is still mapped (mincore fails on unmapped memory). */
static bool mapped(const void *block)
{
    unsigned char vec;
    return mincore((void *)block, mpsc__page_size(), &vec) == 0;
}

/* How many of the first n blocks are still mapped. */
static size_t mapped_blocks(struct mpsc__list_block *const *blocks, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += mapped(blocks[i]);
    return k;
}

/* How many of the block's pages are present. */
static size_t present_pages(const void *block, size_t bytes)
{
    size_t page = mpsc__page_size(), pages = bytes / page, n = 0;
    unsigned char *vec = malloc(pages);
    STRESS_CHECK(vec != NULL);
    STRESS_CHECK(mincore((void *)block, bytes, vec) == 0);
    for (size_t i = 0; i < pages; i++)
        n += vec[i] & 1;
    free(vec);
    return n;
}

int main(void)
{
    mpsc_sender *tx;
    mpsc_receiver *rx;
    STRESS_EXPECT(mpsc_channel(sizeof(uint64_t), &tx, &rx), MPSC_OK);
    struct mpsc__list *l = &tx->chan->q.list;
    size_t pages = l->block_bytes / mpsc__page_size();
    STRESS_CHECK(pages > 1);

    /* 1. A new channel: the first block's header page only. */
    struct mpsc__list_block *first = atomic_load(&l->tail_block);
    STRESS_CHECK(present_pages(first, l->block_bytes) == 1);

    /* 2. One message past the first block: the second is all present. */
    for (uint64_t i = 0; i <= l->block_cap; i++)
        STRESS_EXPECT(mpsc_send(tx, &i), MPSC_OK);
    struct mpsc__list_block *second = atomic_load(&l->tail_block);
    STRESS_CHECK(second != first);
    STRESS_CHECK(present_pages(second, l->block_bytes) == pages);

    for (uint64_t i = 0; i <= l->block_cap; i++) {
        uint64_t got;
        STRESS_EXPECT(mpsc_recv(rx, &got), MPSC_OK);
        STRESS_CHECK(got == i);
    }

    /* A backlog of BACKLOG blocks and one message more, the blocks recorded
     * as the sender installs them. */
    enum { BACKLOG = 12 };
    struct mpsc__list_block *blocks[BACKLOG + 1];
    size_t batch_blocks = MPSC__PAGES_BATCH_BYTES / l->block_bytes;
    STRESS_CHECK(batch_blocks >= 2);
    blocks[0] = atomic_load(&l->tail_block);
    uint64_t sent = 0;
    for (size_t b = 1; b <= BACKLOG; b++) {
        for (; atomic_load(&l->tail_block) == blocks[b - 1]; sent++)
            STRESS_EXPECT(mpsc_send(tx, &sent), MPSC_OK);
        blocks[b] = atomic_load(&l->tail_block);
    }
    STRESS_EXPECT(mpsc_send(tx, &sent), MPSC_OK);
    sent++;
    uint64_t received = 0;
    for (size_t b = 1; b <= BACKLOG; b++) {
        /* Receive until the receiver stands in block b: blocks before it
         * are finished. */
        while (l->head_block != blocks[b]) {
            uint64_t got;
            STRESS_EXPECT(mpsc_recv(rx, &got), MPSC_OK);
            STRESS_CHECK(got == received++);
        }
        /* 3. Finished: at most the spare and a batch short of full. */
        if (b < BACKLOG)
            STRESS_CHECK(mapped_blocks(blocks, b) <= 1 + (batch_blocks - 1));
    }
    /* 4. Caught up (the sender is in the receiver's block): the spare only. */
    STRESS_CHECK(mapped_blocks(blocks, BACKLOG) <= 1);
    while (received < sent) {
        uint64_t got;
        STRESS_EXPECT(mpsc_recv(rx, &got), MPSC_OK);
        STRESS_CHECK(got == received++);
    }
    mpsc_sender_drop(tx);
    mpsc_receiver_drop(rx);
    printf("block_pages: ok (%zu pages a block, batches of %zu blocks)\n", pages, batch_blocks);
    return 0;
}

#else

int main(void)
{
    printf("block_pages: not this build (portable, or debug); nothing to check\n");
    return 77; /* Meson's exit status for a skipped test */
}

#endif
