/*
 * test_status.c - mpsc_status_str: Rust's Display texts where Rust has one,
 * a distinct non-empty text for every status, a disconnection text true for
 * both directions, and "unknown mpsc_status" for values outside the enum.
 */
#include "unit.h"

#include <string.h>

static const mpsc_status all_statuses[] = {MPSC_OK,           MPSC_EMPTY,  MPSC_FULL,  MPSC_TIMEOUT,
                                           MPSC_DISCONNECTED, MPSC_EINVAL, MPSC_ENOMEM};
enum { NSTATUS = sizeof all_statuses / sizeof all_statuses[0] };

Test(status, full_empty_and_timeout_read_as_rust_displays_them)
{
    cr_assert_str_eq(mpsc_status_str(MPSC_FULL), "sending on a full channel");
    cr_assert_str_eq(mpsc_status_str(MPSC_EMPTY), "receiving on an empty channel");
    cr_assert_str_eq(mpsc_status_str(MPSC_TIMEOUT), "timed out waiting on channel");
}

Test(status, every_status_has_its_own_non_empty_text)
{
    for (int i = 0; i < NSTATUS; i++) {
        const char *s = mpsc_status_str(all_statuses[i]);
        cr_assert_not_null(s, "status %d", (int)all_statuses[i]);
        cr_assert_gt(strlen(s), 0, "status %d has an empty text", (int)all_statuses[i]);
        cr_assert_str_neq(s, "unknown mpsc_status", "status %d is unknown to mpsc_status_str",
                          (int)all_statuses[i]);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(s, mpsc_status_str(all_statuses[j]), "statuses %d and %d share the text \"%s\"",
                              (int)all_statuses[j], (int)all_statuses[i], s);
    }
}

Test(status, the_disconnected_text_is_true_for_senders_and_receivers_alike)
{
    /* Rust has one text per direction ("sending on a closed channel",
     * "receiving on a closed channel"); one status serves both here, so its
     * text must name neither direction and must say what happened. */
    const char *s = mpsc_status_str(MPSC_DISCONNECTED);
    cr_assert_null(strstr(s, "sending"), "\"%s\" speaks only of senders", s);
    cr_assert_null(strstr(s, "receiving"), "\"%s\" speaks only of receivers", s);
    cr_assert(strstr(s, "disconnected") != NULL || strstr(s, "closed") != NULL,
              "\"%s\" does not say that the channel is disconnected", s);
}

Test(status, values_outside_the_enum_read_unknown_mpsc_status)
{
    const int outside[] = {-1, 7, 8, 100, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
        cr_assert_str_eq(mpsc_status_str((mpsc_status)outside[i]), "unknown mpsc_status", "value %d", outside[i]);
}

Test(status, the_numeric_values_are_fixed)
{
    /* Programs may store or log the numbers; they are part of the ABI. */
    cr_assert_eq(MPSC_OK, 0);
    cr_assert_eq(MPSC_EMPTY, 1);
    cr_assert_eq(MPSC_FULL, 2);
    cr_assert_eq(MPSC_TIMEOUT, 3);
    cr_assert_eq(MPSC_DISCONNECTED, 4);
    cr_assert_eq(MPSC_EINVAL, 5);
    cr_assert_eq(MPSC_ENOMEM, 6);
}
