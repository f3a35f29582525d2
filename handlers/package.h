/* handlers/package.h — Lambda code packages on disk: a .zip extracted into a directory the
 * instance pool starts handlers from.
 *
 * Threads: any; each call works on its own paths (callers choose unique destinations).
 * Safety: entries with absolute paths or `..` components, symlinks whose target leaves the
 *   package, and anything that is not a regular file, directory or symlink are refused; the
 *   unix mode in an entry's external attributes decides whether the file is executable
 *   (0755) or not (0644). Sizes come from the zip's central directory and are enforced again
 *   while writing, so a lying header cannot fill the disk.
 * Atomicity: extraction happens in a temporary directory beside dest, renamed into place
 *   only when everything succeeded; a failure leaves nothing behind.
 * Errors: results are an enum, not awserr: the caller (server/lambda*.c) picks Lambda's
 *   wording. I/O failures are logged here. */
#ifndef AWSEMU_HANDLERS_PACKAGE_H
#define AWSEMU_HANDLERS_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

/* AWS's limit on the unzipped size of a function's deployment package. */
#define PACKAGE_UNZIPPED_MAX 262144000ULL

enum package_result {
    PACKAGE_OK = 0,
    PACKAGE_BAD_ZIP,     /* not a zip, or a corrupt one */
    PACKAGE_UNSAFE,      /* absolute path, `..`, escaping symlink, special file */
    PACKAGE_TOO_LARGE,   /* unzipped total over PACKAGE_UNZIPPED_MAX */
    PACKAGE_IO_ERROR,    /* the disk refused (logged) */
};

/* Extracts the zip in zip[0..len) into the directory dest, which must not exist yet (its
 * parents are created). *unzipped gets the total size of the files written. */
enum package_result package_unpack(const void *zip, size_t len, const char *dest,
                                   uint64_t *unzipped);

/* Removes a directory tree (not following symlinks); a missing one is fine. */
void package_remove(const char *dir);

/* Creates dir and its missing parents with mode 0755. 0 or -1 (errno set). */
int package_mkdirs(const char *dir);

#endif
