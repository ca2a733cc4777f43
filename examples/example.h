/*
 * example.h - what the examples share: the C spelling of Rust's .unwrap() on
 * a channel call or a thread call, of `while let Ok(v) = rx.recv()`, and of
 * thread::sleep.  Every status an example gets goes through one of these, so
 * an unexpected one ends the program instead of being ignored.
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

/* nanosleep is POSIX, not C11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <mpsc.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* UNWRAP(call): Rust's call.unwrap() on a channel call: any status but
 * MPSC_OK ends the program, naming the call, the way a Rust panic does. */
#define UNWRAP(call) example_unwrap((call), #call, __FILE__, __LINE__)

static inline void example_unwrap(mpsc_status status, const char *call, const char *file, int line)
{
    if (status != MPSC_OK) {
        fprintf(stderr, "%s:%d: %s: called `Result::unwrap()` on an `Err` value: %s\n", file, line, call,
                mpsc_status_str(status));
        abort();
    }
}

/* UNWRAP_CLONE(call): a Sender clone that could not be made (Rust aborts on
 * out of memory; the C call returns NULL) ends the program. */
#define UNWRAP_CLONE(call) example_unwrap_clone((call), #call, __FILE__, __LINE__)

static inline void *example_unwrap_clone(void *handle, const char *call, const char *file, int line)
{
    if (handle == NULL) {
        fprintf(stderr, "%s:%d: %s failed: %s\n", file, line, call, strerror(errno));
        abort();
    }
    return handle;
}

/* UNWRAP_PTHREAD(call): thread::spawn panics when no thread can be started
 * and JoinHandle::join().unwrap() when the join fails; so do these. */
#define UNWRAP_PTHREAD(call) example_unwrap_pthread((call), #call, __FILE__, __LINE__)

static inline void example_unwrap_pthread(int err, const char *call, const char *file, int line)
{
    if (err != 0) {
        fprintf(stderr, "%s:%d: %s failed: %s\n", file, line, call, strerror(err));
        abort();
    }
}

/* RECEIVED(call): Rust's `while let Ok(v) = rx.recv()`: true when the
 * receive got a message, false when the channel is disconnected and drained
 * (the loop's normal end); any other status ends the program. */
#define RECEIVED(call) example_received((call), #call, __FILE__, __LINE__)

static inline bool example_received(mpsc_status status, const char *call, const char *file, int line)
{
    if (status == MPSC_DISCONNECTED)
        return false;
    example_unwrap(status, call, file, line);
    return true;
}

/* thread::sleep(Duration::from_millis(ms)), resumed after a signal. */
static inline void sleep_ms(unsigned ms)
{
    struct timespec left = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        continue;
}

#endif /* EXAMPLE_H */
