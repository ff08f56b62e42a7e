/* Saturating int64 arithmetic for sample values: a sum, product or scaled
 * value that leaves the int64 range sticks at INT64_MAX or INT64_MIN instead
 * of overflowing (undefined behaviour in C; go tool pprof wraps around). */
#ifndef PGOKIT_SAT_H
#define PGOKIT_SAT_H

#include <math.h>
#include <stdint.h>

/* sat_add is a + b, clamped to [INT64_MIN, INT64_MAX]. */
static inline int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* sat_mul is a * b, clamped. */
static inline int64_t
sat_mul(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

/* sat_abs is |a|, with |INT64_MIN| clamped to INT64_MAX. */
static inline int64_t
sat_abs(int64_t a)
{
	return a >= 0 ? a : a == INT64_MIN ? INT64_MAX : -a;
}

/* sat_add_carry adds b to *sum exactly as 128-bit arithmetic would, split
 * into the low word (*sum, wrapped) and a carry out of it: +1, -1 or 0, for
 * the caller to add to a high word. Unlike sat_add it can be undone exactly
 * (sat_sub_carry), whatever was added between. */
static inline int
sat_add_carry(int64_t *sum, int64_t b)
{
	int64_t r;
	int carry = __builtin_add_overflow(*sum, b, &r) ? (b > 0 ? 1 : -1) : 0;

	*sum = r;
	return carry;
}

/* sat_sub_carry takes b from *sum, as sat_add_carry adds it: it undoes
 * sat_add_carry(sum, b) exactly, b == INT64_MIN included. */
static inline int
sat_sub_carry(int64_t *sum, int64_t b)
{
	int64_t r;
	int carry = __builtin_sub_overflow(*sum, b, &r) ? (b > 0 ? -1 : 1) : 0;

	*sum = r;
	return carry;
}

/* sat_wide is the int64 nearest the 128-bit value high:low of
 * sat_add_carry. */
static inline int64_t
sat_wide(int64_t high, int64_t low)
{
	/* low is the sum wrapped: high +1 means the sum is low + 2^64 */
	if (high > 0)
		return INT64_MAX;
	if (high < 0)
		return INT64_MIN;
	return low;
}

/* sat_trunc is x truncated toward zero as a cast would, clamped (a cast
 * of a double out of range is undefined); NaN is 0. */
static inline int64_t
sat_trunc(double x)
{
	if (x >= 9223372036854775808.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return x == x ? (int64_t)x : 0;
}

/* sat_scale is v * w rounded half away from zero, clamped; w is finite
 * and >= 0 (a weight). The range is checked on the product before it is
 * converted: llround() of a value out of range is unspecified. */
static inline int64_t
sat_scale(int64_t v, double w)
{
	double x;

	if (w == 1.0)
		return v;
	x = (double)v * w;
	/* 2^63 is exactly representable; everything below it converts */
	if (x >= 9223372036854775808.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)llround(x);
}

#endif
