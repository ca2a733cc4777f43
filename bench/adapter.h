/*
 * adapter.h - the interface between the C workload driver (driver.c) and one
 * channel implementation.  Copied from the project's benchmark anchors
 * (shared/anchors/c/bench_adapter.h) so that bench/ builds from a clone
 * alone; the one addition is the pair of move hooks at the end, which the
 * debug build of libmpsc needs to see a handle handed to another thread.
 *
 * To measure a C channel library, write one adapter file that implements the
 * functions below on top of it (see adapter_mpsc.c) and link it with driver.c:
 *
 *     cc -std=c11 -O3 -flto -pthread -Ibench bench/driver.c my_adapter.c \
 *        -lmylib -o build/bench_mylib
 *
 * The resulting binary has the same command line and output as every other
 * peer (see README.md), so bench/run.sh and the anchors' run.sh can
 * interleave it with them.
 *
 * Semantics expected (those of Rust's std::sync::mpsc):
 *   - a channel has any number of sender handles and exactly one receiver;
 *   - send blocks while a bounded channel is full; with capacity 0 it blocks
 *     until the receiver has taken the value (rendezvous);
 *   - recv blocks while the channel is empty and a sender is still alive;
 *   - once every sender handle is dropped and the buffer is drained, recv
 *     returns nonzero (disconnected).  The driver checks this after each
 *     threaded workload, outside the timed region.
 *
 * Threading: every sender handle is used by one thread at a time (the driver
 * clones one handle per producer thread before starting it); the receiver is
 * used by one thread.  Handles may be created on one thread and used/dropped
 * on another.
 */
#ifndef BENCH_ADAPTER_H
#define BENCH_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

/* Capacity value meaning "unbounded" (Rust's channel()). */
#define BENCH_UNBOUNDED SIZE_MAX

/* Opaque handles; each adapter defines (or just casts to) its own types. */
typedef struct bench_tx bench_tx;
typedef struct bench_rx bench_rx;

/* Name printed in the first output column: one word, no spaces. */
const char *bench_peer_name(void);

/* Nonzero if the adapter can run a channel of capacity `cap`
 * (BENCH_UNBOUNDED, or a bound where 0 means rendezvous) with `producers`
 * threads sending on it concurrently.  The driver prints `n/a` otherwise. */
int bench_supports(size_t cap, int producers);

/* Create a channel.  Returns 0 and sets *tx, *rx on success. */
int bench_channel(size_t cap, bench_tx **tx, bench_rx **rx);

/* Blocking send.  Returns 0 on success, nonzero if the receiver is gone. */
int bench_send(bench_tx *tx, uint64_t value);

/* Blocking receive.  Returns 0 and sets *out on success; nonzero once every
 * sender is dropped and the channel is empty. */
int bench_recv(bench_rx *rx, uint64_t *out);

/* A new sender handle for the same channel (Rust's Sender::clone). */
bench_tx *bench_clone_sender(bench_tx *tx);

/* Drop a sender handle.  Dropping the last one disconnects the channel. */
void bench_drop_sender(bench_tx *tx);

/* Drop the receiver.  The channel is freed once both sides are dropped. */
void bench_drop_receiver(bench_rx *rx);

/* Hand a handle to another thread, as a Rust `move` closure does: the driver
 * calls these where the Rust workloads move a handle into (or out of) a
 * thread, and uses only the returned handle from then on.  An adapter whose
 * library does not track ownership returns its argument. */
bench_tx *bench_move_sender(bench_tx *tx);
bench_rx *bench_move_receiver(bench_rx *rx);

#endif /* BENCH_ADAPTER_H */
