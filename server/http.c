/* server/http.c — libmicrohttpd front door; see http.h.
 *
 * DESIGN: one libmicrohttpd daemon per worker thread, each with epoll and its own
 * SO_REUSEPORT listening socket on the same port, so the kernel balances connections; each
 * worker serves its own connections, with suspend/resume allowed for requests that must
 * wait. The access handler is called once with the
 * headers, then once per chunk of body, then once more: we build a struct req on the first
 * call, append (bounded) body chunks, and dispatch on the last. No MHD type leaves this
 * file. */
#include "server/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/buf.h"
#include "server/ids.h"
#include "server/req.h"
#include "server/route.h"

#define LOG_MODULE "http"
#include "server/log.h"

struct conn_state {
    struct req req;
    size_t body_limit;
    struct timespec started;
};

#define MAX_LISTENERS 16

static struct {
    struct MHD_Daemon *daemons[MAX_LISTENERS];
    size_t n_daemons;
    const struct config *cfg;
    atomic_int in_flight; /* requests between first call and completion */
} srv;

static enum MHD_Result count_pair(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind, (void)key, (void)value;
    (*(size_t *)cls)++;
    return MHD_YES;
}

struct pair_fill {
    struct req_pair *pairs;
    size_t n;
};

static enum MHD_Result fill_pair(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct pair_fill *f = cls;
    f->pairs[f->n].name = key;
    f->pairs[f->n].value = value;
    f->n++;
    return MHD_YES;
}

static struct req_pair *collect(struct MHD_Connection *conn, struct req *req,
                                enum MHD_ValueKind kind, size_t *n)
{
    size_t count = 0;
    MHD_get_connection_values(conn, kind, count_pair, &count);
    struct pair_fill f = {req_alloc(req, (count ? count : 1) * sizeof(struct req_pair)), 0};
    MHD_get_connection_values(conn, kind, fill_pair, &f);
    *n = f.n;
    return f.pairs;
}

static struct conn_state *state_new(struct MHD_Connection *conn, const char *url,
                                    const char *method)
{
    struct conn_state *cs = xmalloc(sizeof *cs);
    clock_gettime(CLOCK_MONOTONIC, &cs->started);
    struct req *req = &cs->req;
    req_init(req, srv.cfg);
    ids_uuid(req->id);
    req->method = method;
    req->path = url;
    req->headers = collect(conn, req, MHD_HEADER_KIND, &req->n_headers);
    req->query = collect(conn, req, MHD_GET_ARGUMENT_KIND, &req->n_query);
    cs->body_limit = route_body_limit(req);
    atomic_fetch_add(&srv.in_flight, 1);
    return cs;
}

static void body_append(struct conn_state *cs, const char *data, size_t size)
{
    struct req *req = &cs->req;
    if (req->body_too_large || req->body.len + size > cs->body_limit) {
        req->body_too_large = true; /* keep reading, but drop the bytes */
        buf_free(&req->body);
        return;
    }
    buf_add(&req->body, data, size);
}

static double elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 +
           (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static enum MHD_Result respond(struct MHD_Connection *conn, struct conn_state *cs)
{
    struct req *req = &cs->req;
    log_request_id_set(req->id);
    route_dispatch(req);
    size_t len = req->out.len;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, len ? buf_take(&req->out) : (void *)"",
                                        len ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    if (req->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    MHD_add_response_header(resp, "x-amzn-RequestId", req->id);
    for (size_t i = 0; i < req->n_out_headers; i++)
        MHD_add_response_header(resp, req->out_headers[i].name, req->out_headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    if (LOG_LEVEL_INFO <= log_level_current)
        LOG_INFO("%s.%s %d %s %.3fms", req->api ? req->api : "-",
                 req->operation ? req->operation : "-", req->status,
                 req->err.kind ? req->err.kind->code : "-", elapsed_ms(&cs->started));
    log_request_id_set(NULL);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls, (void)version;
    struct conn_state *cs = *con_cls;
    if (!cs) {
        *con_cls = state_new(conn, url, method);
        return MHD_YES;
    }
    if (*upload_data_size) {
        body_append(cs, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return respond(conn, cs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct conn_state *cs = *con_cls;
    if (!cs)
        return;
    req_free(&cs->req);
    free(cs);
    *con_cls = NULL;
    atomic_fetch_sub(&srv.in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    LOG_WARN("libmicrohttpd: %s", msg);
}

static int resolve(const char *host, int port, struct sockaddr_storage *addr)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        LOG_ERROR("cannot resolve listen address '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

static unsigned pool_size(const struct config *cfg)
{
    if (cfg->threads > 0)
        return (unsigned)cfg->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

/* One single-threaded daemon per worker, each with its own listening socket on the same
 * port (SO_REUSEPORT): the kernel spreads new connections over the sockets. With one shared
 * socket and a thread pool, whichever worker woke first took every connection, and 16
 * keep-alive connections often all landed on one worker, leaving a core idle. */
static struct MHD_Daemon *daemon_start(const struct sockaddr_storage *addr)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (addr->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The logger goes first so that it also receives messages about the other options. */
    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr, MHD_OPTION_LISTENING_ADDRESS_REUSE,
        (unsigned)1, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(16 * 1024), MHD_OPTION_END);
}

static void set_port(struct sockaddr_storage *addr, int port)
{
    if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
}

int http_start(const struct config *cfg, int *port)
{
    struct sockaddr_storage addr;
    if (resolve(cfg->host, cfg->port, &addr) < 0)
        return -1;
    srv.cfg = cfg;
    unsigned n = pool_size(cfg);
    if (n > MAX_LISTENERS)
        n = MAX_LISTENERS;
    for (unsigned i = 0; i < n; i++) {
        struct MHD_Daemon *d = daemon_start(&addr);
        if (!d) {
            LOG_ERROR("cannot listen on %s:%d (address in use or not available?)", cfg->host,
                      i ? *port : cfg->port);
            http_stop();
            return -1;
        }
        srv.daemons[srv.n_daemons++] = d;
        if (i == 0) { /* the others share the port the first one got (port 0: a free one) */
            const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
            *port = info ? info->port : cfg->port;
            set_port(&addr, *port);
        }
    }
    return 0;
}

void http_stop(void)
{
    if (!srv.n_daemons)
        return;
    /* Stop accepting; connections keep being served. The listen sockets become ours, but
     * each is closed only after MHD_stop_daemon(): a worker drops its socket from its epoll
     * set asynchronously, and libmicrohttpd aborts if it is already closed by then. */
    MHD_socket listeners[MAX_LISTENERS];
    for (size_t i = 0; i < srv.n_daemons; i++)
        listeners[i] = MHD_quiesce_daemon(srv.daemons[i]);
    /* Let requests already received finish, within a bound so a stuck client can't hold
     * shutdown hostage. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&srv.in_flight) > 0 && elapsed_ms(&start) < 5000) {
        struct timespec tick = {0, 2 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    for (size_t i = 0; i < srv.n_daemons; i++) {
        MHD_stop_daemon(srv.daemons[i]);
        if (listeners[i] != MHD_INVALID_SOCKET)
            close(listeners[i]);
    }
    srv.n_daemons = 0;
}
