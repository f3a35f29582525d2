/* server/emuclock.h — the emulator's notion of "now": the system clock plus a server-wide
 * offset that the test clock (POST /_awsemu/clock) only ever moves forward, so 24-hour
 * behaviour (stream retention, iterator expiry, shard rollover, later TTL) can be tested in
 * a second.
 * Threads: any; the offset is one atomic, so readers never lock.
 * The offset lives in memory only: a restart starts again from the system clock. */
#ifndef AWSEMU_EMUCLOCK_H
#define AWSEMU_EMUCLOCK_H

/* Epoch seconds (with sub-second precision) as the emulator sees them. */
double emuclock_now(void);

/* Moves now forward by seconds (>= 0, checked by the caller); returns the total offset. */
double emuclock_advance(double seconds);

/* The total offset added so far, in seconds. */
double emuclock_offset(void);

#endif
