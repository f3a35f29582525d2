/* handlers/package.c — extracting Lambda deployment packages; see package.h.
 *
 * Every entry name is checked before anything is written for it: relative, no `..`
 * component, no backslash tricks. Symlink targets are resolved lexically against the link's
 * own directory and must stay inside the package; since every link stays inside, a path that
 * walks through links stays inside too. Files are opened with O_NOFOLLOW, so an entry cannot
 * write through a link planted by an earlier entry of the same name. */
#include "handlers/package.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "server/buf.h"

#define LOG_MODULE "package"
#include "server/log.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    if (remove(path) < 0 && errno != ENOENT)
        LOG_WARN("cannot remove '%s': %s", path, strerror(errno));
    return 0;
}

void package_remove(const char *dir)
{
    if (dir && *dir)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int package_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Checks an entry name: relative, no `..`, no backslash (Windows separators could turn into
 * `..\..` elsewhere). Sets *depth to the number of directories above the entry. */
static bool name_safe(const char *name, int *depth)
{
    if (name[0] == '/' || strchr(name, '\\'))
        return false;
    *depth = 0;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        bool last = p[n] == '\0';
        if (!last && !(n == 0 || (n == 1 && p[0] == '.')))
            (*depth)++;
        p += n + (last ? 0 : 1);
    }
    return true;
}

/* A symlink at a depth of `depth` directories may point anywhere that stays inside. */
static bool link_target_safe(const char *target, int depth)
{
    if (!*target || target[0] == '/')
        return false;
    for (const char *p = target; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0)
                return false;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            depth++;
        }
        p += n + (p[n] ? 1 : 0);
    }
    return true;
}

/* Creates the directories above root/name. */
static int parents_make(const char *root, const char *name)
{
    const char *slash = strrchr(name, '/');
    if (!slash)
        return 0;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/%.*s", root, (int)(slash - name), name) >= (int)sizeof dir)
        return -1;
    return package_mkdirs(dir);
}

struct unpack {
    zip_t *zip;
    const char *root;
    uint64_t written;
};

/* Reads entry i whole into a buf (only for symlinks: their content is the target). */
static enum package_result entry_read_small(struct unpack *u, zip_uint64_t i, char *out,
                                            size_t cap)
{
    zip_file_t *zf = zip_fopen_index(u->zip, i, 0);
    if (!zf)
        return PACKAGE_BAD_ZIP;
    zip_int64_t n = zip_fread(zf, out, cap - 1);
    char extra;
    bool more = n >= 0 && zip_fread(zf, &extra, 1) > 0;
    zip_fclose(zf);
    if (n < 0 || more)
        return PACKAGE_BAD_ZIP;
    out[n] = '\0';
    return strlen(out) == (size_t)n ? PACKAGE_OK : PACKAGE_UNSAFE;
}

static enum package_result file_write(struct unpack *u, zip_uint64_t i, const char *path,
                                      mode_t mode)
{
    zip_file_t *zf = zip_fopen_index(u->zip, i, 0);
    if (!zf)
        return PACKAGE_BAD_ZIP;
    enum package_result res = PACKAGE_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        /* A name clash with an earlier entry (a link, a directory) is the zip's fault. */
        res = errno == ELOOP || errno == EISDIR || errno == ENOTDIR ? PACKAGE_UNSAFE
                                                                     : PACKAGE_IO_ERROR;
        if (res == PACKAGE_IO_ERROR)
            LOG_ERROR("cannot create '%s': %s", path, strerror(errno));
        zip_fclose(zf);
        return res;
    }
    char chunk[64 * 1024];
    zip_int64_t n;
    while ((n = zip_fread(zf, chunk, sizeof chunk)) > 0) {
        u->written += (uint64_t)n;
        if (u->written > PACKAGE_UNZIPPED_MAX) {
            res = PACKAGE_TOO_LARGE;
            break;
        }
        for (zip_int64_t off = 0; off < n;) {
            ssize_t w = write(fd, chunk + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                LOG_ERROR("cannot write '%s': %s", path, strerror(errno));
                res = PACKAGE_IO_ERROR;
                break;
            }
            off += w;
        }
        if (res != PACKAGE_OK)
            break;
    }
    if (n < 0 && res == PACKAGE_OK)
        res = PACKAGE_BAD_ZIP; /* CRC mismatch, truncated data */
    zip_fclose(zf);
    /* The mode given to open() passed through the umask: set it as the zip says. */
    if (fchmod(fd, mode) < 0 && res == PACKAGE_OK)
        res = PACKAGE_IO_ERROR;
    close(fd);
    return res;
}

static enum package_result entry_extract(struct unpack *u, zip_uint64_t i)
{
    const char *name = zip_get_name(u->zip, i, ZIP_FL_ENC_RAW);
    int depth;
    if (!name)
        return PACKAGE_BAD_ZIP;
    if (!name_safe(name, &depth))
        return PACKAGE_UNSAFE;
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    if (zip_file_get_external_attributes(u->zip, i, 0, &opsys, &attr) < 0)
        return PACKAGE_BAD_ZIP;
    /* Only unix-made zips carry a mode; others get plain files and directories. */
    mode_t mode = opsys == ZIP_OPSYS_UNIX ? (mode_t)(attr >> 16) : 0;
    size_t len = strlen(name);
    bool is_dir = (len > 0 && name[len - 1] == '/') || S_ISDIR(mode);
    /* Some writers (Python's ZipFile.writestr) store permission bits without a file type:
     * those are regular files. */
    mode_t type = mode & S_IFMT;
    if (type && type != S_IFREG && type != S_IFDIR && type != S_IFLNK)
        return PACKAGE_UNSAFE; /* devices, fifos, sockets */
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", u->root, name) >= (int)sizeof path)
        return PACKAGE_BAD_ZIP;
    if (parents_make(u->root, name) < 0)
        return errno == ENOTDIR || errno == EEXIST ? PACKAGE_UNSAFE : PACKAGE_IO_ERROR;
    if (is_dir)
        return package_mkdirs(path) == 0 ? PACKAGE_OK : PACKAGE_UNSAFE;
    if (S_ISLNK(mode)) {
        char target[PATH_MAX];
        enum package_result res = entry_read_small(u, i, target, sizeof target);
        if (res != PACKAGE_OK)
            return res;
        if (!link_target_safe(target, depth))
            return PACKAGE_UNSAFE;
        return symlink(target, path) == 0 ? PACKAGE_OK : PACKAGE_UNSAFE;
    }
    return file_write(u, i, path, (mode & 0111) ? 0755 : 0644);
}

/* Sums the sizes the central directory declares, so an oversized package is refused before
 * a byte is written. */
static enum package_result sizes_check(zip_t *zip, zip_int64_t n)
{
    uint64_t total = 0;
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t sb;
        if (zip_stat_index(zip, (zip_uint64_t)i, 0, &sb) < 0 || !(sb.valid & ZIP_STAT_SIZE))
            return PACKAGE_BAD_ZIP;
        total += sb.size;
        if (total > PACKAGE_UNZIPPED_MAX)
            return PACKAGE_TOO_LARGE;
    }
    return PACKAGE_OK;
}

static enum package_result extract_all(zip_t *zip, const char *root, uint64_t *unzipped)
{
    zip_int64_t n = zip_get_num_entries(zip, 0);
    if (n < 0)
        return PACKAGE_BAD_ZIP;
    enum package_result res = sizes_check(zip, n);
    struct unpack u = {zip, root, 0};
    for (zip_int64_t i = 0; i < n && res == PACKAGE_OK; i++)
        res = entry_extract(&u, (zip_uint64_t)i);
    *unzipped = u.written;
    return res;
}

static zip_t *zip_from_memory(const void *data, size_t len)
{
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
    zip_t *zip = NULL;
    if (src && !(zip = zip_open_from_source(src, ZIP_RDONLY, &zerr)))
        zip_source_free(src);
    zip_error_fini(&zerr);
    return zip;
}

enum package_result package_unpack(const void *data, size_t len, const char *dest,
                                   uint64_t *unzipped)
{
    *unzipped = 0;
    zip_t *zip = len ? zip_from_memory(data, len) : NULL;
    if (!zip)
        return PACKAGE_BAD_ZIP;
    enum package_result res = PACKAGE_IO_ERROR;
    struct buf tmp = BUF_INIT;
    buf_addf(&tmp, "%s.tmp-XXXXXX", dest);
    char *slash = strrchr(tmp.data, '/');
    if (slash) { /* the parents of dest */
        *slash = '\0';
        int rc = package_mkdirs(tmp.data);
        *slash = '/';
        if (rc < 0) {
            LOG_ERROR("cannot create '%s': %s", tmp.data, strerror(errno));
            goto out;
        }
    }
    if (!mkdtemp(tmp.data)) {
        LOG_ERROR("cannot create a directory beside '%s': %s", dest, strerror(errno));
        buf_reset(&tmp);
        goto out;
    }
    chmod(tmp.data, 0755);
    res = extract_all(zip, tmp.data, unzipped);
    if (res == PACKAGE_OK && rename(tmp.data, dest) < 0) {
        LOG_ERROR("cannot rename '%s' to '%s': %s", tmp.data, dest, strerror(errno));
        res = PACKAGE_IO_ERROR;
    }
    if (res != PACKAGE_OK)
        package_remove(tmp.data);
out:
    buf_free(&tmp);
    zip_discard(zip);
    return res;
}
