/* server/ids.c — identifiers; see ids.h. */
#include "server/ids.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

static _Thread_local uint64_t rng_state[2];

/* xorshift128+: fast and plenty for ids that need to be unique, not unpredictable. */
static uint64_t next_random(void)
{
    if (!rng_state[0] && !rng_state[1]) {
        if (getrandom(rng_state, sizeof rng_state, 0) != sizeof rng_state) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            rng_state[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
            rng_state[1] = (uint64_t)(uintptr_t)&ts;
        }
        rng_state[0] |= 1;
    }
    uint64_t s1 = rng_state[0];
    const uint64_t s0 = rng_state[1];
    rng_state[0] = s0;
    s1 ^= s1 << 23;
    rng_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return rng_state[1] + s0;
}

void ids_uuid(char out[IDS_UUID_LEN + 1])
{
    uint64_t hi = next_random(), lo = next_random();
    hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL; /* version 4 */
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* RFC 4122 variant */
    snprintf(out, IDS_UUID_LEN + 1, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32),
             (unsigned)((hi >> 16) & 0xffff), (unsigned)(hi & 0xffff), (unsigned)(lo >> 48),
             (unsigned long long)(lo & 0xffffffffffffULL));
}
