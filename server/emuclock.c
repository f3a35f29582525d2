/* server/emuclock.c — the emulator's clock; see emuclock.h. */
#include "server/emuclock.h"

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* Microseconds, so the offset is exact and atomic as one integer. */
static _Atomic int64_t offset_us;

double emuclock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 +
           (double)atomic_load(&offset_us) / 1e6;
}

double emuclock_advance(double seconds)
{
    int64_t add = (int64_t)(seconds * 1e6);
    return (double)(atomic_fetch_add(&offset_us, add) + add) / 1e6;
}

double emuclock_offset(void)
{
    return (double)atomic_load(&offset_us) / 1e6;
}
