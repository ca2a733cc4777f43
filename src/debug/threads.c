/*
 * threads.c - a record for each thread that calls the library: its number,
 * its name as pthread_getname_np gives it (Linux gives a new thread its
 * creator's name, which is taken as "no name of its own"), and whether it
 * has exited, so that diagnostics can name threads the way Rust does
 * (`main`, a given name, or an unnamed thread's number).
 */
#include "debug.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Initial-exec here too: the model of the definition is the one its own
 * accesses use (debug.h says why). */
_Thread_local struct mpsc__dbg_thread *mpsc__dbg_self_record __attribute__((tls_model("initial-exec")));
static unsigned next_number = 1;
static pthread_key_t exit_key;
/* The process's name, which unnamed threads inherit. */
static char process_name[16];

static void on_thread_exit(void *record)
{
    mpsc__dbg_lock();
    mpsc__dbg_thread_exited(record);
    mpsc__dbg_unlock();
}

void mpsc__dbg_threads_init(void)
{
    pthread_key_create(&exit_key, on_thread_exit);
    int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, process_name, sizeof process_name - 1);
        close(fd);
        if (n > 0 && process_name[n - 1] == '\n')
            n--;
        process_name[n > 0 ? n : 0] = '\0';
    }
}

static bool is_main_thread(void)
{
#ifdef SYS_gettid
    return (pid_t)syscall(SYS_gettid) == getpid();
#else
    return false;
#endif
}

void mpsc__dbg_refresh_name(struct mpsc__dbg_thread *t)
{
    char name[16] = "";
    if (t->is_main || pthread_getname_np(pthread_self(), name, sizeof name) != 0 ||
        strcmp(name, process_name) == 0)
        name[0] = '\0';
    memcpy(t->name, name, sizeof name);
}

struct mpsc__dbg_thread *mpsc__dbg_self(void)
{
    struct mpsc__dbg_thread *t = mpsc__dbg_self_record;
    if (t != NULL)
        return t;
    t = mpsc__dbg_alloc_thread();
    if (t == NULL)
        mpsc__render_out_of_memory(NULL);
    t->is_main = is_main_thread();
    t->number = t->is_main ? 0 : next_number++;
    mpsc__dbg_refresh_name(t);
    mpsc__dbg_self_record = t;
    /* The key's destructor runs when this thread exits (not for the main
     * thread, whose exit ends the process). */
    pthread_setspecific(exit_key, t);
    return t;
}

const char *mpsc__dbg_thread_label(const struct mpsc__dbg_thread *t, char *buf, size_t size)
{
    if (t->is_main)
        return "main";
    if (t->name[0] != '\0')
        return t->name;
    snprintf(buf, size, "#%u", t->number);
    return buf;
}
