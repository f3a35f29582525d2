/* server/dynamodb_value.h — DynamoDB AttributeValue rules: validation, canonical numbers,
 * item sizes and the order-preserving key encoding.
 *
 * Threads: any; pure functions over jansson values and caller-supplied buffers.
 * Ownership: functions that normalise do so in place on the caller's json_t (they replace
 *   string members with new json strings); nothing returned points into the input.
 * Errors: client mistakes raise DDB_VALIDATION (or DDB_SERIALIZATION where DynamoDB says so)
 *   with DynamoDB's wording (shared/docs/aws-wire-reference.md §2.3, §2.4) and return -1.
 *
 * The key encoding: for a key attribute of type S or B the encoding is its raw bytes (UTF-8
 * for S, decoded bytes for B), so memcmp order is DynamoDB's order. For N it is a byte string
 * whose memcmp order is numeric order (-10 < -2 < 0 < 1.5 < 10): a sign/class byte, then the
 * decimal exponent and the significant digits, complemented for negatives. Equal numbers
 * ("1.50", "1.5", "15E-1") encode identically. Decoding returns the canonical string. */
#ifndef AWSEMU_DYNAMODB_VALUE_H
#define AWSEMU_DYNAMODB_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/awserr.h"
#include "server/buf.h"

#define DDBVAL_MAX_ITEM_SIZE (400 * 1024)
#define DDBVAL_MAX_DEPTH 32
/* Room for any canonical number string, NUL included. Canonical numbers have no exponent, so
 * the longest is a negative 38-digit number at 1E-130: "-0." + 129 zeros + 38 digits + NUL. */
#define DDBVAL_NUMBER_MAX 171

/* Parses a DynamoDB number and writes its canonical form into out (size DDBVAL_NUMBER_MAX):
 * no exponent, no leading zeros, no trailing fractional zeros, "-" only for negatives, "0" for
 * zero ("1.50"→"1.5", "1E+2"→"100", "-0.0"→"0", "0.000123"→"0.000123").
 * Rejects: syntax ("The parameter cannot be converted to a numeric value: X"), more than 38
 * significant digits ("Attempting to store more than 38 significant digits in a Number"),
 * magnitude above 9.9999999999999999999999999999999999999E+125 ("Number overflow. Attempting
 * to store a number with magnitude larger than supported range") or non-zero below 1E-130
 * ("Number underflow. Attempting to store a number with magnitude smaller than supported range").
 * Returns 0, or -1 with *err raised (DDB_VALIDATION). */
int ddbval_number_normalize(const char *s, size_t len, char out[DDBVAL_NUMBER_MAX],
                            struct awserr *err);

/* Validates one AttributeValue (a JSON object with exactly one type member) and normalises it
 * in place: N and NS members become canonical; B and BS must be valid base64. Rejects empty or
 * several type members, wrong JSON types (e.g. S given a number), NULL other than true, empty
 * sets, duplicate set members (NS compared numerically), nesting deeper than DDBVAL_MAX_DEPTH.
 * depth is the nesting level of av (1 for a top-level attribute). */
int ddbval_value_check(json_t *av, int depth, struct awserr *err);

/* Validates every attribute of an item (a JSON object name → AttributeValue) in place, as
 * ddbval_value_check does, and rejects an item over DDBVAL_MAX_ITEM_SIZE ("Item size has
 * exceeded the maximum allowed size"). Attribute names must be 1..65535 bytes. */
int ddbval_item_check(json_t *item, struct awserr *err);

/* Size of an item (name → AttributeValue) by DynamoDB's rules (§2.4): names' UTF-8 bytes plus
 * each value's size. Assumes the item passed ddbval_item_check. */
size_t ddbval_item_size(const json_t *item);

/* Size of one AttributeValue by the same rules. */
size_t ddbval_value_size(const json_t *av);

/* Appends the order-preserving encoding of a key value to out (the N byte layout is described
 * above num_encode() in dynamodb_value.c). av must be a checked
 * AttributeValue whose type member is `type` ('S', 'N' or 'B'). Returns 0, or -1 with *err
 * raised when av is not of that type. */
int ddbval_key_encode(const json_t *av, char type, struct buf *out, struct awserr *err);

/* Appends to out the canonical number string that ddbval_key_encode encoded as type N
 * (bytes enc, length len). Returns 0, or -1 if enc is not a valid encoding. */
int ddbval_key_decode_number(const unsigned char *enc, size_t len, struct buf *out);

/* Decodes standard base64 (with padding) into out; returns 0 or -1 if the text is not valid
 * base64. Used for B/BS values. */
int ddbval_base64_decode(const char *s, size_t len, struct buf *out);

/* Whether two checked AttributeValues are the same value: sets whatever their members'
 * order, maps whatever their keys' order, lists element by element. Members are canonical
 * (numbers normalised, one accepted base64 spelling), so text equality is value equality. */
bool ddbval_value_equal(const json_t *a, const json_t *b);

/* The same for two items (attribute name → AttributeValue). */
bool ddbval_item_equal(const json_t *a, const json_t *b);

#endif
