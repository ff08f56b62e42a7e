/* Unit tests for lib/util/sat.h: saturating sums, products and scaling at
 * the int64 extremes, and exact carried sums that undo exactly. Built with
 * make SAN=1, an overflow in the helpers themselves is a UBSan failure. */
#include <math.h>
#include <stdint.h>

#include "tap.h"
#include "util/sat.h"

int
main(void)
{
	int64_t lo, s;
	int64_t hi;

	ok(sat_add(INT64_MAX, 1) == INT64_MAX, "sat_add: MAX + 1");
	ok(sat_add(INT64_MAX, INT64_MAX) == INT64_MAX, "sat_add: MAX + MAX");
	ok(sat_add(INT64_MIN, -1) == INT64_MIN, "sat_add: MIN - 1");
	ok(sat_add(INT64_MIN, INT64_MIN) == INT64_MIN, "sat_add: MIN + MIN");
	ok(sat_add(INT64_MAX, INT64_MIN) == -1, "sat_add: MAX + MIN is exact");
	ok(sat_add(40, 2) == 42, "sat_add: in range");
	ok(sat_mul(INT64_MAX / 50, 100) == INT64_MAX, "sat_mul: past MAX");
	ok(sat_mul(INT64_MIN, -1) == INT64_MAX, "sat_mul: MIN * -1");
	ok(sat_mul(INT64_MIN / 2, 3) == INT64_MIN, "sat_mul: past MIN");
	ok(sat_mul(-7, 6) == -42, "sat_mul: in range");
	ok(sat_abs(INT64_MIN) == INT64_MAX, "sat_abs: MIN");
	ok(sat_abs(-5) == 5 && sat_abs(INT64_MAX) == INT64_MAX, "sat_abs: in range");

	ok(sat_scale(3, 1e19) == INT64_MAX, "sat_scale: 3 * 1e19 is MAX, not MIN");
	ok(sat_scale(-3, 1e19) == INT64_MIN, "sat_scale: -3 * 1e19 is MIN");
	ok(sat_scale(INT64_MAX, 2) == INT64_MAX, "sat_scale: MAX * 2");
	ok(sat_scale(INT64_MIN, 1.5) == INT64_MIN, "sat_scale: MIN * 1.5");
	ok(sat_scale(INT64_MIN, 1) == INT64_MIN, "sat_scale: MIN * 1");
	ok(sat_scale(INT64_MIN, 0) == 0, "sat_scale: weight 0");
	ok(sat_scale(INT64_MAX, 1e308) == INT64_MAX, "sat_scale: DBL_MAX-sized weight");
	ok(sat_scale(5, 0.5) == 3 && sat_scale(-5, 0.5) == -3, "sat_scale: rounds half away");
	ok(sat_scale(INT64_MAX, 0.9999999999) < INT64_MAX, "sat_scale: below MAX converts");
	ok(sat_trunc(1e300) == INT64_MAX && sat_trunc(-1e300) == INT64_MIN,
	    "sat_trunc: out of range");
	ok(sat_trunc(NAN) == 0 && sat_trunc(-2.9) == -2, "sat_trunc: NaN, truncation");

	/* MAX + MAX + MAX - MAX - MAX: exact, MAX, whatever the order */
	lo = 0, hi = 0;
	hi += sat_add_carry(&lo, INT64_MAX);
	hi += sat_add_carry(&lo, INT64_MAX);
	hi += sat_add_carry(&lo, INT64_MAX);
	ok(sat_wide(hi, lo) == INT64_MAX, "carry: 3 MAX saturate");
	hi += sat_add_carry(&lo, -INT64_MAX);
	hi += sat_add_carry(&lo, -INT64_MAX);
	ok(hi == 0 && lo == INT64_MAX, "carry: back to MAX exactly");
	hi += sat_add_carry(&lo, INT64_MIN);
	hi += sat_add_carry(&lo, INT64_MIN);
	ok(sat_wide(hi, lo) == INT64_MIN, "carry: past MIN");
	hi += sat_sub_carry(&lo, INT64_MIN);
	hi += sat_sub_carry(&lo, INT64_MIN);
	hi += sat_sub_carry(&lo, INT64_MAX);
	ok(hi == 0 && lo == 0, "carry: sub undoes add, MIN included");
	s = 7, hi = 0;
	hi += sat_add_carry(&s, INT64_MAX);
	hi += sat_sub_carry(&s, INT64_MAX);
	ok(hi == 0 && s == 7, "carry: add then sub is the identity");
	return tap_done();
}
