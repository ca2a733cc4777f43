/*
 * adapter_mpsc.c - libmpsc behind the benchmark driver's adapter interface
 * (adapter.h): the peer "libmpsc", or "libmpsc_debug" when linked with the
 * debug build, so that both can stand side by side in one table.  Messages
 * are one uint64_t, as in the Rust and Go peers.
 */
#include "adapter.h"

#include <mpsc.h>

const char *bench_peer_name(void)
{
    return MPSC_DEBUG ? "libmpsc_debug" : "libmpsc";
}

int bench_supports(size_t cap, int producers)
{
    /* Every flavour, with any number of senders. */
    (void)cap;
    (void)producers;
    return 1;
}

int bench_channel(size_t cap, bench_tx **tx, bench_rx **rx)
{
    mpsc_sender *s;
    mpsc_receiver *r;
    mpsc_status st = cap == BENCH_UNBOUNDED ? mpsc_channel(sizeof(uint64_t), &s, &r)
                                            : mpsc_sync_channel(sizeof(uint64_t), cap, &s, &r);
    if (st != MPSC_OK)
        return -1;
    *tx = (bench_tx *)s;
    *rx = (bench_rx *)r;
    return 0;
}

int bench_send(bench_tx *tx, uint64_t value)
{
    mpsc_sender *s = (mpsc_sender *)tx;
    return mpsc_send(s, &value) != MPSC_OK;
}

int bench_recv(bench_rx *rx, uint64_t *out)
{
    mpsc_receiver *r = (mpsc_receiver *)rx;
    return mpsc_recv(r, out) != MPSC_OK;
}

bench_tx *bench_clone_sender(bench_tx *tx)
{
    mpsc_sender *s = (mpsc_sender *)tx;
    return (bench_tx *)mpsc_sender_clone(s);
}

void bench_drop_sender(bench_tx *tx)
{
    mpsc_sender *s = (mpsc_sender *)tx;
    mpsc_sender_drop(s);
}

void bench_drop_receiver(bench_rx *rx)
{
    mpsc_receiver *r = (mpsc_receiver *)rx;
    mpsc_receiver_drop(r);
}

bench_tx *bench_move_sender(bench_tx *tx)
{
    mpsc_sender *s = (mpsc_sender *)tx;
    return (bench_tx *)mpsc_move(s);
}

bench_rx *bench_move_receiver(bench_rx *rx)
{
    mpsc_receiver *r = (mpsc_receiver *)rx;
    return (bench_rx *)mpsc_move(r);
}
