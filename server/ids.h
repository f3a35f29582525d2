/* server/ids.h — identifiers: request ids and UUIDs.
 * Threads: any; each thread keeps its own generator state, seeded from getrandom().
 * Ids are unique, not secret: a fast per-thread generator is enough for them. */
#ifndef AWSEMU_IDS_H
#define AWSEMU_IDS_H

#define IDS_UUID_LEN 36

/* Writes a random (version 4) UUID, lower-case, NUL-terminated, into out. */
void ids_uuid(char out[IDS_UUID_LEN + 1]);

#endif
