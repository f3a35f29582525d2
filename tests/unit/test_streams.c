/* tests/unit/test_streams.c — storage/streams.c on a real, temporary SQLite database (dense,
 * strictly increasing sequence numbers, shard lineage, retention, the invariant check, and
 * sequence numbers that continue after the database is closed and reopened), shard rollover
 * on the clock and the item comparison that decides MODIFY or nothing
 * (server/dynamodb_stream.c), and the wire forms of sequence numbers and shard iterators
 * (server/streams.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/buf.h"
#include "server/dynamodb_stream.h"
#include "server/dynamodb_value.h"
#include "server/streams.h"
#include "storage/db.h"
#include "storage/streams.h"

static char dir[] = "/tmp/awsemu-unit-streams-XXXXXX";

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    return db_open(dir, true);
}

static int teardown(void **state)
{
    (void)state;
    db_close();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Creates an enabled stream for table_id, in its own transaction. */
static struct st_stream make_stream(struct db *db, int64_t table_id, const char *label)
{
    struct st_stream s = {.table_id = table_id, .created = 1000.0};
    snprintf(s.arn, sizeof s.arn, "arn:aws:dynamodb:us-east-1:000000000000:table/t%lld/stream/%s",
             (long long)table_id, label);
    strcpy(s.account, "000000000000");
    strcpy(s.region, "us-east-1");
    snprintf(s.table_name, sizeof s.table_name, "t%lld", (long long)table_id);
    strcpy(s.label, label);
    strcpy(s.view_type, "KEYS_ONLY");
    strcpy(s.key_schema, "[]");
    assert_int_equal(db_write_begin(db), 0);
    assert_int_equal(st_streams_create(db, &s, "shardId-00000000000000001000-aaaaaaaa"), 0);
    assert_int_equal(db_write_commit(db), 0);
    return s;
}

static int64_t append(struct db *db, int64_t table_id, double created)
{
    struct st_stream_active a;
    assert_int_equal(st_streams_active(db, table_id, &a), 1);
    struct st_stream_record r = {.event = "INSERT", .created = created, .keys = "{}", .size = 1};
    assert_int_equal(db_write_begin(db), 0);
    assert_int_equal(st_streams_record_append(db, &a, &r), 0);
    assert_int_equal(db_write_commit(db), 0);
    return r.seq;
}

static void check_ok(struct db *db)
{
    struct buf problems = BUF_INIT;
    int rc = st_streams_check(db, &problems);
    if (rc != 0)
        print_error("%s", problems.data ? problems.data : "");
    assert_int_equal(rc, 0);
    buf_free(&problems);
}

static int count_cb(const struct st_stream_record *r, void *arg)
{
    int64_t *last = arg;
    assert_true(r->seq > *last); /* strictly increasing, in order */
    *last = r->seq;
    return 1;
}

static void test_sequence_numbers_increase(void **state)
{
    (void)state;
    struct db *db = db_thread();
    struct st_stream s = make_stream(db, 1, "L1");
    int64_t prev = 0;
    for (int i = 0; i < 100; i++) {
        int64_t seq = append(db, 1, 1000.0 + i);
        assert_true(seq == prev + 1 || prev == 0);
        prev = seq;
    }
    struct st_stream_active a;
    assert_int_equal(st_streams_active(db, 1, &a), 1);
    assert_int_equal(a.stream_id, s.id);
    int64_t last = 0;
    assert_int_equal(st_streams_records(db, a.shard.id, 0, 0, 1000, count_cb, &last), 100);
    assert_int_equal(last, a.shard.last_seq);
    check_ok(db);
}

static void test_rollover_and_lineage(void **state)
{
    (void)state;
    struct db *db = db_thread();
    make_stream(db, 2, "L2");
    int64_t before = append(db, 2, 2000.0);
    struct st_stream_active a;
    assert_int_equal(st_streams_active(db, 2, &a), 1);
    char parent[ST_SHARD_ID_MAX];
    strcpy(parent, a.shard.shard_id);
    assert_int_equal(db_write_begin(db), 0);
    assert_int_equal(st_streams_shard_roll(db, &a, 3000.0, "shardId-00000000000003000000-bbbbbbbb"), 0);
    assert_int_equal(db_write_commit(db), 0);
    assert_string_equal(a.shard.parent, parent);
    assert_int_equal(a.shard.start_seq, before + 1);
    int64_t after = append(db, 2, 3001.0);
    assert_int_equal(after, before + 1); /* the child continues its parent's numbers */
    struct st_shard closed;
    assert_int_equal(st_streams_shard_get(db, a.stream_id, parent, &closed), 1);
    assert_true(closed.closed > 0);
    assert_int_equal(closed.end_seq, before);
    check_ok(db);
}

static void test_disable_and_new_stream_never_reuse_numbers(void **state)
{
    (void)state;
    struct db *db = db_thread();
    make_stream(db, 3, "L3");
    int64_t first = append(db, 3, 4000.0);
    assert_int_equal(db_write_begin(db), 0);
    assert_int_equal(st_streams_disable_table(db, 3, 4001.0), 0);
    assert_int_equal(db_write_commit(db), 0);
    struct st_stream_active a;
    assert_int_equal(st_streams_active(db, 3, &a), 0);
    make_stream(db, 3, "L3b");
    assert_true(append(db, 3, 4002.0) > first);
    check_ok(db);
}

static void test_retention_trims_in_batches(void **state)
{
    (void)state;
    struct db *db = db_thread();
    make_stream(db, 4, "L4");
    for (int i = 0; i < 10; i++)
        append(db, 4, 10.0 + i); /* older than anything else in this database */
    struct st_stream_active a;
    assert_int_equal(st_streams_active(db, 4, &a), 1);
    int64_t oldest;
    assert_int_equal(st_streams_oldest(db, a.shard.id, 15.0, &oldest), 1);
    assert_int_equal(oldest, a.shard.last_seq - 4);
    assert_int_equal(db_write_begin(db), 0);
    assert_int_equal(st_streams_trim(db, 15.0, 3), 3);
    assert_int_equal(st_streams_trim(db, 15.0, 3), 2);
    assert_int_equal(st_streams_trim(db, 15.0, 3), 0);
    assert_int_equal(db_write_commit(db), 0);
    /* Trimming never lowers the next sequence number. */
    int64_t last = a.shard.last_seq;
    assert_int_equal(append(db, 4, 50.0), last + 1);
    check_ok(db);
}

static void test_check_finds_a_broken_shard(void **state)
{
    (void)state;
    struct db *db = db_thread();
    make_stream(db, 5, "L5");
    append(db, 5, 5000.0);
    append(db, 5, 4000.0); /* created before the record it follows */
    struct buf problems = BUF_INIT;
    assert_int_equal(st_streams_check(db, &problems), 1);
    assert_non_null(strstr(problems.data, "older than the record before it"));
    buf_free(&problems);
    assert_int_equal(db_write_begin(db), 0);
    assert_true(st_streams_trim(db, 1e12, 100000) > 0); /* leave a clean database behind */
    assert_int_equal(db_write_commit(db), 0);
}

static void test_sequence_continues_after_reopen(void **state)
{
    (void)state;
    struct db *db = db_thread();
    make_stream(db, 6, "L6");
    int64_t before = append(db, 6, 6000.0);
    db_close();
    assert_int_equal(db_open(dir, true), 0);
    db = db_thread();
    assert_int_equal(append(db, 6, 6001.0), before + 1);
    check_ok(db);
}

static void shard_ignore(const struct st_shard *s, void *arg)
{
    (void)s, (void)arg;
}

static struct st_stream_active roll(struct db *db, int64_t table_id, double now)
{
    struct st_stream_active a;
    assert_int_equal(st_streams_active(db, table_id, &a), 1);
    assert_int_equal(db_write_begin(db), 0);
    assert_int_equal(ddb__stream_roll_due(db, &a, now), 0);
    assert_int_equal(db_write_commit(db), 0);
    return a;
}

/* Rollover follows the clock: an idle shard closes at created + period (empty, its range is
 * its one unused StartingSequenceNumber) and each child is created on its own boundary. */
static void test_rollover_on_time_without_writes(void **state)
{
    (void)state;
    struct db *db = db_thread();
    ddb__stream_settings_set(86400.0, 100.0);
    struct st_stream s = make_stream(db, 7, "L7"); /* created at 1000 */
    struct st_stream_active a = roll(db, 7, 1099.999);
    assert_true(a.shard.created == 1000.0); /* not due yet */
    struct st_shard first = a.shard;
    a = roll(db, 7, 1100.0);
    assert_true(a.shard.created == 1100.0);
    assert_string_equal(a.shard.parent, first.shard_id);
    struct st_shard closed;
    assert_int_equal(st_streams_shard_get(db, s.id, first.shard_id, &closed), 1);
    assert_true(closed.closed == 1100.0);
    assert_int_equal(closed.end_seq, closed.start_seq); /* empty: ends at its start */
    assert_int_equal(a.shard.start_seq, closed.end_seq + 1);
    a = roll(db, 7, 1350.0); /* two more boundaries: 1200 and 1300 */
    assert_true(a.shard.created == 1300.0);
    assert_int_equal(st_streams_shards(db, s.id, shard_ignore, NULL), 4);
    int64_t seq = append(db, 7, 1350.0);
    assert_int_equal(seq, a.shard.start_seq);
    /* A huge jump with a short period makes a bounded number of (empty) shards. */
    a = roll(db, 7, 1350.0 + 1e7);
    assert_true(st_streams_shards(db, s.id, shard_ignore, NULL) <= 4 + 1 + 64);
    assert_true(a.shard.created <= 1350.0 + 1e7 && a.shard.created > 1350.0 + 1e7 - 100.0);
    check_ok(db);
    ddb__stream_settings_set(DDB_STREAM_RETENTION_DEFAULT, DDB_STREAM_ROLLOVER_DEFAULT);
}

/* A rewrite is a MODIFY only when a value changed: not for attributes, map keys or set
 * members in another order. */
static void test_items_equal_as_values(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool equal;
    } cases[] = {
        {"{}", "{}", true},
        {"{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"}}", "{\"b\":{\"N\":\"1\"},\"a\":{\"S\":\"x\"}}",
         true},
        {"{\"s\":{\"SS\":[\"a\",\"b\",\"c\"]}}", "{\"s\":{\"SS\":[\"c\",\"a\",\"b\"]}}", true},
        {"{\"s\":{\"NS\":[\"1\",\"2\",\"10\"]}}", "{\"s\":{\"NS\":[\"10\",\"1\",\"2\"]}}", true},
        {"{\"s\":{\"BS\":[\"AQ==\",\"Ag==\"]}}", "{\"s\":{\"BS\":[\"Ag==\",\"AQ==\"]}}", true},
        {"{\"m\":{\"M\":{\"x\":{\"SS\":[\"p\",\"q\"]},\"y\":{\"BOOL\":true}}}}",
         "{\"m\":{\"M\":{\"y\":{\"BOOL\":true},\"x\":{\"SS\":[\"q\",\"p\"]}}}}", true},
        {"{\"l\":{\"L\":[{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}}]}}",
         "{\"l\":{\"L\":[{\"M\":{\"b\":{\"N\":\"2\"},\"a\":{\"N\":\"1\"}}}]}}", true},
        {"{\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}}", "{\"l\":{\"L\":[{\"S\":\"b\"},{\"S\":\"a\"}]}}",
         false},
        {"{\"s\":{\"SS\":[\"a\",\"b\"]}}", "{\"s\":{\"SS\":[\"a\",\"c\"]}}", false},
        {"{\"s\":{\"SS\":[\"a\",\"b\"]}}", "{\"s\":{\"SS\":[\"a\",\"b\",\"c\"]}}", false},
        {"{\"s\":{\"SS\":[\"1\"]}}", "{\"s\":{\"NS\":[\"1\"]}}", false},
        {"{\"a\":{\"S\":\"x\"}}", "{\"a\":{\"S\":\"x\"},\"b\":{\"S\":\"x\"}}", false},
        {"{\"a\":{\"S\":\"x\"}}", "{\"b\":{\"S\":\"x\"}}", false},
        {"{\"a\":{\"N\":\"1\"}}", "{\"a\":{\"N\":\"2\"}}", false},
        {"{\"s\":{\"SS\":[\"a\\u0000b\",\"a\\u0000c\"]}}", "{\"s\":{\"SS\":[\"a\\u0000c\",\"a\\u0000b\"]}}",
         true},
        {"{\"s\":{\"SS\":[\"a\\u0000b\",\"a\"]}}", "{\"s\":{\"SS\":[\"a\\u0000c\",\"a\"]}}", false},
        {"{\"m\":{\"M\":{\"x\":{\"N\":\"1\"}}}}", "{\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"y\":{\"NULL\":true}}}}",
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *a = json_loads(cases[i].a, JSON_ALLOW_NUL, NULL);
        json_t *b = json_loads(cases[i].b, JSON_ALLOW_NUL, NULL);
        assert_non_null(a);
        assert_non_null(b);
        if (ddbval_item_equal(a, b) != cases[i].equal ||
            ddbval_item_equal(b, a) != cases[i].equal)
            fail_msg("case %zu: %s vs %s", i, cases[i].a, cases[i].b);
        json_decref(a);
        json_decref(b);
    }
}

static void test_sequence_number_wire_form(void **state)
{
    (void)state;
    char text[DDBS_SEQ_LEN + 1];
    int64_t back;
    const int64_t cases[] = {0, 1, 9, 10, 123456789, INT64_MAX};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddbs_seq_format(cases[i], text);
        assert_int_equal(strlen(text), 21); /* the model's minimum length */
        assert_true(ddbs_seq_parse(text, &back));
        assert_int_equal(back, cases[i]);
    }
    char a[DDBS_SEQ_LEN + 1], b[DDBS_SEQ_LEN + 1];
    ddbs_seq_format(9, a), ddbs_seq_format(10, b);
    assert_true(strcmp(a, b) < 0); /* string order is numeric order */
    const char *bad[] = {"", "1", "12345678901234567890", "200000000000000000001",
                         "10000000000000000000x", "1000000000000000000001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ddbs_seq_parse(bad[i], &back));
}

static void test_iterator_round_trip_and_damage(void **state)
{
    (void)state;
    struct ddbs_iterator it = {.pos = 42, .issued_ms = 1700000000123};
    strcpy(it.arn, "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000");
    strcpy(it.shard_id, "shardId-00000001700000000000-0123abcd");
    char text[2048];
    assert_true(ddbs_iterator_write(&it, text, sizeof text));
    struct ddbs_iterator back;
    assert_true(ddbs_iterator_parse(text, &back));
    assert_string_equal(back.arn, it.arn);
    assert_string_equal(back.shard_id, it.shard_id);
    assert_int_equal(back.pos, 42);
    assert_int_equal(back.issued_ms, it.issued_ms);
    for (size_t i = 0; i < strlen(text); i++) { /* any one changed character is refused */
        char copy[2048];
        strcpy(copy, text);
        copy[i] = copy[i] == '0' ? '1' : '0';
        assert_false(ddbs_iterator_parse(copy, &back));
    }
    assert_false(ddbs_iterator_parse("", &back));
    assert_false(ddbs_iterator_parse("garbage", &back));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence_numbers_increase),
        cmocka_unit_test(test_rollover_and_lineage),
        cmocka_unit_test(test_disable_and_new_stream_never_reuse_numbers),
        cmocka_unit_test(test_retention_trims_in_batches),
        cmocka_unit_test(test_check_finds_a_broken_shard),
        cmocka_unit_test(test_sequence_continues_after_reopen),
        cmocka_unit_test(test_rollover_on_time_without_writes),
        cmocka_unit_test(test_items_equal_as_values),
        cmocka_unit_test(test_sequence_number_wire_form),
        cmocka_unit_test(test_iterator_round_trip_and_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
