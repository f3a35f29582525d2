/* handlers/ledger.c — the delivery ledger; see ledger.h. Entries sit in one list in creation
 * order; a per-mapping count decides what to drop. Lookups are linear: the ledger is for
 * people and tests, bounded by LEDGER_KEEP per mapping. */
#include "handlers/ledger.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/emuclock.h"

struct attempt {
    int number;
    char request_id[40];
    char *result;
    double started, ended;
};

struct entry {
    struct entry *next;
    uint64_t id;
    char mapping[40];
    char *function;
    char *shard_id;
    int64_t first_seq, last_seq;
    int records, filtered;
    double batched;
    struct attempt *attempts;
    int n_attempts;
    int64_t checkpoint; /* -1 until done */
    double done;
};

static struct {
    pthread_mutex_t lock;
    struct entry *head, *tail;
    uint64_t next_id;
} lg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void entry_free(struct entry *e)
{
    for (int i = 0; i < e->n_attempts; i++)
        free(e->attempts[i].result);
    free(e->attempts);
    free(e->function);
    free(e->shard_id);
    free(e);
}

static struct entry *find(uint64_t id)
{
    for (struct entry *e = lg.head; e; e = e->next)
        if (e->id == id)
            return e;
    return NULL;
}

/* Drops the mapping's oldest entries beyond LEDGER_KEEP. */
static void trim(const char *mapping)
{
    int n = 0;
    for (struct entry *e = lg.head; e; e = e->next)
        n += strcmp(e->mapping, mapping) == 0;
    struct entry **p = &lg.head, *prev = NULL;
    while (*p && n > LEDGER_KEEP) {
        struct entry *e = *p;
        if (strcmp(e->mapping, mapping) == 0) {
            *p = e->next;
            if (lg.tail == e)
                lg.tail = prev;
            entry_free(e);
            n--;
            continue;
        }
        prev = e;
        p = &e->next;
    }
}

uint64_t ledger_batch_new(const char *mapping_uuid, const char *function, const char *shard_id,
                          int64_t first_seq, int64_t last_seq, int records, int filtered)
{
    struct entry *e = xcalloc(1, sizeof *e);
    snprintf(e->mapping, sizeof e->mapping, "%s", mapping_uuid);
    e->function = xstrdup(function ? function : "");
    e->shard_id = xstrdup(shard_id ? shard_id : "");
    e->first_seq = first_seq;
    e->last_seq = last_seq;
    e->records = records;
    e->filtered = filtered;
    e->batched = emuclock_now();
    e->checkpoint = -1;
    pthread_mutex_lock(&lg.lock);
    e->id = ++lg.next_id;
    if (lg.tail)
        lg.tail->next = e;
    else
        lg.head = e;
    lg.tail = e;
    trim(e->mapping);
    uint64_t id = e->id;
    pthread_mutex_unlock(&lg.lock);
    return id;
}

void ledger_invoked(uint64_t batch, int attempt, const char *request_id)
{
    pthread_mutex_lock(&lg.lock);
    struct entry *e = find(batch);
    if (e) {
        e->attempts = realloc(e->attempts, (size_t)(e->n_attempts + 1) * sizeof *e->attempts);
        if (!e->attempts)
            abort();
        struct attempt *a = &e->attempts[e->n_attempts++];
        memset(a, 0, sizeof *a);
        a->number = attempt;
        snprintf(a->request_id, sizeof a->request_id, "%s", request_id ? request_id : "");
        a->started = emuclock_now();
    }
    pthread_mutex_unlock(&lg.lock);
}

void ledger_result(uint64_t batch, const char *result)
{
    pthread_mutex_lock(&lg.lock);
    struct entry *e = find(batch);
    if (e && e->n_attempts) {
        struct attempt *a = &e->attempts[e->n_attempts - 1];
        if (a->result) { /* a second result for one attempt (e.g. given up after it) */
            size_t n = strlen(a->result) + strlen(result) + 3;
            char *joined = xmalloc(n);
            snprintf(joined, n, "%s; %s", a->result, result);
            free(a->result);
            a->result = joined;
        } else {
            a->result = xstrdup(result);
        }
        a->ended = emuclock_now();
    }
    pthread_mutex_unlock(&lg.lock);
}

void ledger_checkpoint(uint64_t batch, int64_t seq)
{
    pthread_mutex_lock(&lg.lock);
    struct entry *e = find(batch);
    if (e) {
        e->checkpoint = seq;
        e->done = emuclock_now();
    }
    pthread_mutex_unlock(&lg.lock);
}

void ledger_forget(const char *mapping_uuid)
{
    pthread_mutex_lock(&lg.lock);
    struct entry **p = &lg.head, *prev = NULL;
    while (*p) {
        struct entry *e = *p;
        if (strcmp(e->mapping, mapping_uuid) == 0) {
            *p = e->next;
            if (lg.tail == e)
                lg.tail = prev;
            entry_free(e);
            continue;
        }
        prev = e;
        p = &e->next;
    }
    pthread_mutex_unlock(&lg.lock);
}

static json_t *seq_json(int64_t seq)
{
    char text[32];
    snprintf(text, sizeof text, "1%020lld", (long long)seq); /* the wire form (streams.h) */
    return json_string(text);
}

json_t *ledger_describe(const char *mapping_uuid, const char *sequence)
{
    long long want = -1;
    if (sequence && strlen(sequence) == 21 && sequence[0] == '1')
        want = strtoll(sequence + 1, NULL, 10);
    else if (sequence)
        want = -2; /* matches nothing */
    json_t *list = json_array();
    pthread_mutex_lock(&lg.lock);
    for (struct entry *e = lg.head; e; e = e->next) {
        if (mapping_uuid && strcmp(mapping_uuid, e->mapping) != 0)
            continue;
        if (want != -1 && (want < e->first_seq || want > e->last_seq))
            continue;
        json_t *attempts = json_array();
        for (int i = 0; i < e->n_attempts; i++) {
            const struct attempt *a = &e->attempts[i];
            json_t *o = json_pack("{s:i, s:s, s:f}", "attempt", a->number, "request_id",
                                  a->request_id, "started", a->started);
            if (a->result) {
                json_object_set_new(o, "result", json_string(a->result));
                json_object_set_new(o, "ended", json_real(a->ended));
            }
            json_array_append_new(attempts, o);
        }
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:i, s:i, s:f, s:o}", "batch",
                              (json_int_t)e->id, "mapping", e->mapping, "function", e->function,
                              "shard", e->shard_id, "first_sequence", seq_json(e->first_seq),
                              "last_sequence", seq_json(e->last_seq), "records", e->records,
                              "filtered", e->filtered, "batched", e->batched, "invocations",
                              attempts);
        if (e->checkpoint >= 0) {
            json_object_set_new(o, "checkpoint", seq_json(e->checkpoint));
            json_object_set_new(o, "done", json_real(e->done));
        }
        json_array_append_new(list, o);
    }
    pthread_mutex_unlock(&lg.lock);
    return json_pack("{s:o}", "batches", list);
}

void ledger_clear(void)
{
    pthread_mutex_lock(&lg.lock);
    while (lg.head) {
        struct entry *e = lg.head;
        lg.head = e->next;
        entry_free(e);
    }
    lg.tail = NULL;
    pthread_mutex_unlock(&lg.lock);
}
