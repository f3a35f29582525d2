/* server/dynamodb_number.h — exact decimal arithmetic on DynamoDB numbers, for UpdateExpression's
 * `+`/`-` and ADD, and numeric ordering for comparisons.
 *
 * Threads: any; pure functions over caller-supplied strings and buffers.
 * Inputs: number strings as DynamoDB accepts them (canonical forms from ddbval_number_normalize
 *   are the usual case; exponent forms are accepted too). Nothing passes through a double.
 * Results: canonical strings written into out (size DDBVAL_NUMBER_MAX), made canonical and
 *   range-checked by ddbval_number_normalize, so a sum beyond 38 significant digits or outside
 *   1E-130 .. 9.99..E+125 raises the same ValidationException a stored number would.
 * Errors: -1 with *err raised (DDB_VALIDATION), 0 on success. */
#ifndef AWSEMU_DYNAMODB_NUMBER_H
#define AWSEMU_DYNAMODB_NUMBER_H

#include "server/awserr.h"
#include "server/dynamodb_value.h"

/* out = a + b. */
int ddbnum_add(const char *a, const char *b, char out[DDBVAL_NUMBER_MAX], struct awserr *err);

/* out = a - b. */
int ddbnum_sub(const char *a, const char *b, char out[DDBVAL_NUMBER_MAX], struct awserr *err);

/* Numeric order of two valid numbers: <0, 0 or >0. An invalid number orders as zero (callers
 * pass numbers that were checked when they entered the system). */
int ddbnum_compare(const char *a, const char *b);

#endif
