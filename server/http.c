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
#include <uv.h>

#include "server/buf.h"
#include "server/engine.h"
#include "server/ids.h"
#include "server/req.h"
#include "server/route.h"

#define LOG_MODULE "http"
#include "server/log.h"

struct http_listener;

struct conn_state {
    struct req req;
    struct MHD_Connection *conn;
    struct http_listener *listener; /* NULL on the public port */
    struct conn_state *next_suspended, *prev_suspended; /* listener connections only */
    size_t body_limit;
    struct timespec started;
    bool dispatched; /* routed; a second call after a resume only sends the reply */
};

#define MAX_LISTENERS 16

static struct {
    struct MHD_Daemon *daemons[MAX_LISTENERS];
    MHD_socket listeners[MAX_LISTENERS]; /* ours once quiesced */
    size_t n_daemons;
    bool quiesced;
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

static size_t listener_body_limit(const struct http_listener *l);
static void listener_suspended(struct conn_state *cs, bool suspended);
static void listener_kick(struct http_listener *l);

/* req_resume(): called once, from whichever thread finished a deferred reply. */
static void resume(struct req *req)
{
    struct conn_state *cs = req->_front;
    struct http_listener *l = cs->listener;
    if (!l) { /* the worker may send and free cs as soon as this returns: touch it no more */
        MHD_resume_connection(cs->conn);
        return;
    }
    /* A listener connection lives on this (the engine) thread: nothing frees it meanwhile. */
    listener_suspended(cs, false);
    MHD_resume_connection(cs->conn);
    /* Without a thread of its own the daemon notices the resume only when it next runs: run
     * it on the next loop iteration (never from inside one of its own callbacks). */
    listener_kick(l);
}

static struct conn_state *state_new(struct MHD_Connection *conn, struct http_listener *l,
                                    const char *url, const char *method)
{
    struct conn_state *cs = xcalloc(1, sizeof *cs);
    cs->listener = l;
    clock_gettime(CLOCK_MONOTONIC, &cs->started);
    cs->conn = conn;
    cs->dispatched = false;
    struct req *req = &cs->req;
    req_init(req, srv.cfg);
    req->_resume = resume;
    req->_front = cs;
    ids_uuid(req->id);
    req->method = method;
    req->path = url;
    req->headers = collect(conn, req, MHD_HEADER_KIND, &req->n_headers);
    req->query = collect(conn, req, MHD_GET_ARGUMENT_KIND, &req->n_query);
    if (l) {
        cs->body_limit = listener_body_limit(l);
        return cs;
    }
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

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct conn_state *cs)
{
    struct req *req = &cs->req;
    log_request_id_set(req->id);
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

static void listener_dispatch(struct conn_state *cs);

/* Makes the reply of a req resumed with req_resume_then(), once. */
static void run_before_reply(struct req *req)
{
    void (*before)(struct req *, void *) = req->before_reply;
    if (!before)
        return;
    req->before_reply = NULL;
    log_request_id_set(req->id);
    before(req, req->before_reply_arg);
    log_request_id_set(NULL);
}

static enum MHD_Result respond(struct MHD_Connection *conn, struct conn_state *cs)
{
    struct req *req = &cs->req;
    if (cs->dispatched) { /* called again after req_resume(): the reply is ready, or made now */
        run_before_reply(req);
        return send_reply(conn, cs);
    }
    cs->dispatched = true;
    if (cs->listener) {
        listener_dispatch(cs);
    } else {
        log_request_id_set(req->id);
        route_dispatch(req);
        log_request_id_set(NULL);
    }
    if (req->suspend) {
        struct engine_job *job = req->deferred;
        req->deferred = NULL;
        MHD_suspend_connection(conn);
        if (cs->listener)
            listener_suspended(cs, true);
        if (job)
            engine_job_post(job); /* only now: the job may resume the connection at once */
        if (req->after_suspend) { /* the same rule: it may resume the connection at once */
            void (*after)(struct req *, void *) = req->after_suspend;
            req->after_suspend = NULL;
            after(req, req->after_suspend_arg);
        }
        return MHD_YES;
    }
    return send_reply(conn, cs);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct conn_state *cs = *con_cls;
    if (!cs) {
        *con_cls = state_new(conn, cls, url, method);
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
    /* Resumed to make its reply (req_resume_then) but closed first: the work it was handed
     * (a turn of the write runner) must still run, though no one will read it. */
    run_before_reply(&cs->req);
    bool counted = !cs->listener;
    req_free(&cs->req);
    free(cs);
    *con_cls = NULL;
    if (counted)
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

void http_quiesce(void)
{
    if (srv.quiesced)
        return;
    /* Stop accepting; connections keep being served. The listen sockets become ours, but
     * each is closed only after MHD_stop_daemon(): a worker drops its socket from its epoll
     * set asynchronously, and libmicrohttpd aborts if it is already closed by then. */
    for (size_t i = 0; i < srv.n_daemons; i++)
        srv.listeners[i] = MHD_quiesce_daemon(srv.daemons[i]);
    srv.quiesced = true;
}

bool http_drain(unsigned timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&srv.in_flight) > 0) {
        if (elapsed_ms(&start) >= timeout_ms)
            return false;
        struct timespec tick = {0, 2 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    return true;
}

void http_stop(void)
{
    if (!srv.n_daemons)
        return;
    http_quiesce();
    /* Let requests already received finish, within a bound so a stuck client can't hold
     * shutdown hostage. */
    http_drain(5000);
    for (size_t i = 0; i < srv.n_daemons; i++) {
        MHD_stop_daemon(srv.daemons[i]);
        if (srv.listeners[i] != MHD_INVALID_SOCKET)
            close(srv.listeners[i]);
    }
    srv.n_daemons = 0;
    srv.quiesced = false;
}

/* ---------------------------------------------------------------------------------------------
 * Listeners driven by the engine's libuv loop (Runtime API): one libuv-polled daemon each.
 *
 * DESIGN: libmicrohttpd runs without a thread of its own (external epoll): its epoll fd is a
 * uv_poll handle on the engine loop, and every readiness, and every deadline it asks for,
 * calls MHD_run(). So a listener's handler runs on the engine thread and shares the pool's
 * state without locks. libmicrohttpd aborts when a daemon stops with connections still
 * suspended, so closing resumes them first with a reply the client will never rely on. */

struct http_listener {
    struct MHD_Daemon *daemon;
    uv_poll_t poll;
    uv_timer_t timer;
    http_listener_cb handler;
    void *ctx;
    size_t body_limit;
    int handles_open;
    struct conn_state *suspended; /* list of connections waiting in the handler's hands */
};

static size_t listener_body_limit(const struct http_listener *l)
{
    return l->body_limit;
}

static void listener_suspended(struct conn_state *cs, bool suspended)
{
    struct http_listener *l = cs->listener;
    if (suspended) {
        cs->prev_suspended = NULL;
        cs->next_suspended = l->suspended;
        if (l->suspended)
            l->suspended->prev_suspended = cs;
        l->suspended = cs;
        return;
    }
    if (cs->prev_suspended)
        cs->prev_suspended->next_suspended = cs->next_suspended;
    else
        l->suspended = cs->next_suspended;
    if (cs->next_suspended)
        cs->next_suspended->prev_suspended = cs->prev_suspended;
    cs->next_suspended = cs->prev_suspended = NULL;
}

static void listener_dispatch(struct conn_state *cs)
{
    struct http_listener *l = cs->listener;
    cs->req.api = "runtime";
    l->handler(&cs->req, l->ctx);
}

static void listener_run(struct http_listener *l);

static void on_listener_timer(uv_timer_t *timer)
{
    listener_run(timer->data);
}

static void on_listener_poll(uv_poll_t *poll, int status, int events)
{
    (void)status, (void)events;
    listener_run(poll->data);
}

/* Lets libmicrohttpd do what is ready, then arms the timer for the next deadline it has. */
static void listener_run(struct http_listener *l)
{
    MHD_run(l->daemon);
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (MHD_get_timeout(l->daemon, &ms) == MHD_YES)
        uv_timer_start(&l->timer, on_listener_timer, ms, 0);
    else
        uv_timer_stop(&l->timer);
}

static void listener_kick(struct http_listener *l)
{
    uv_timer_start(&l->timer, on_listener_timer, 0, 0);
}

struct http_listener *http_listener_open(struct uv_loop_s *loop, size_t body_limit,
                                         http_listener_cb handler, void *ctx, int *port)
{
    struct http_listener *l = xcalloc(1, sizeof *l);
    l->handler = handler;
    l->ctx = ctx;
    l->body_limit = body_limit;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    l->daemon = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request,
        l, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(16 * 1024), MHD_OPTION_END);
    if (!l->daemon) {
        LOG_ERROR("cannot open a Runtime API listener on 127.0.0.1");
        free(l);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_BIND_PORT);
    const union MHD_DaemonInfo *efd = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    int rc = -1;
    if (info && efd && (rc = uv_poll_init(loop, &l->poll, efd->epoll_fd)) == 0) {
        l->poll.data = l;
        l->handles_open++;
        uv_timer_init(loop, &l->timer);
        l->timer.data = l;
        l->handles_open++;
        rc = uv_poll_start(&l->poll, UV_READABLE, on_listener_poll);
    }
    if (rc != 0) {
        LOG_ERROR("cannot poll a Runtime API listener: %s", rc < 0 ? uv_strerror(rc) : "no fd");
        http_listener_close(l);
        return NULL;
    }
    *port = info->port;
    return l;
}

static void on_listener_handle_closed(uv_handle_t *handle)
{
    struct http_listener *l = handle->data;
    if (--l->handles_open == 0)
        free(l);
}

void http_listener_close(struct http_listener *l)
{
    if (!l)
        return;
    while (l->suspended) {
        struct conn_state *cs = l->suspended;
        listener_suspended(cs, false);
        cs->req.status = 503;
        buf_free(&cs->req.out);
        MHD_resume_connection(cs->conn);
    }
    MHD_run(l->daemon); /* takes the resumed connections out of the suspended list */
    MHD_stop_daemon(l->daemon);
    l->daemon = NULL;
    if (!l->handles_open) {
        free(l);
        return;
    }
    int open = l->handles_open;
    if (open >= 1)
        uv_close((uv_handle_t *)&l->poll, on_listener_handle_closed);
    if (open >= 2)
        uv_close((uv_handle_t *)&l->timer, on_listener_handle_closed);
}
