/* Unit tests for lib/util/num.c: the one strict number parser. Every
 * malformed or out-of-range value must be refused with a reason, at the
 * int64 and double extremes too. */
#include <limits.h>
#include <string.h>

#include "tap.h"
#include "util/num.h"

/* int_fails: s is refused by num_int in [min, max] with a reason. */
static int
int_fails(const char *s, long long min, long long max, const char *reason)
{
	const char *why;

	num_int(s, min, max, &why);
	return why && strstr(why, reason);
}

static int
real_fails(const char *s, double min, double max, const char *reason)
{
	const char *why;

	num_real(s, min, max, &why);
	return why && strstr(why, reason);
}

int
main(void)
{
	const char *why;
	long long v;
	double d;

	v = num_int("12", 0, 12, &why);
	ok(!why && v == 12, "num_int 12 in [0,12]");
	v = num_int("-9223372036854775808", LLONG_MIN, LLONG_MAX, &why);
	ok(!why && v == LLONG_MIN, "num_int INT64_MIN");
	v = num_int("9223372036854775807", LLONG_MIN, LLONG_MAX, &why);
	ok(!why && v == LLONG_MAX, "num_int INT64_MAX");
	ok(int_fails("9223372036854775808", LLONG_MIN, LLONG_MAX, "too large"),
	    "num_int: INT64_MAX+1 is too large, not clamped");
	ok(int_fails("-9223372036854775809", LLONG_MIN, LLONG_MAX, "too small"),
	    "num_int: INT64_MIN-1 is too small");
	ok(int_fails("4294967297", 0, 12, "too large"), "num_int: 2^32+1 is not level 1");
	ok(int_fails("-1", 0, 10, "too small"), "num_int: -1 below 0");
	ok(int_fails("", 0, 10, "not a whole number"), "num_int: empty");
	ok(int_fails(" 1", 0, 10, "not a whole number"), "num_int: leading space");
	ok(int_fails("1 ", 0, 10, "not a whole number"), "num_int: trailing space");
	ok(int_fails("1x", 0, 10, "not a whole number"), "num_int: trailing junk");
	ok(int_fails("1.5", 0, 10, "not a whole number"), "num_int: a fraction");
	ok(int_fails("0x10", 0, 100, "not a whole number"), "num_int: hex");

	v = num_intb("0755", 8, 0, 07777, &why);
	ok(!why && v == 0755, "num_intb octal 0755");
	v = num_intb("8", 8, 0, 07777, &why);
	ok(why != NULL, "num_intb: 8 is not octal");
	v = num_intb("-1", 8, 0, 07777, &why);
	ok(why != NULL, "num_intb: no sign in base 8");

	d = num_real("0.001", 0.001, 86400, &why);
	ok(!why && d == 0.001, "num_real 0.001");
	d = num_real("1e3", 0, 86400, &why);
	ok(!why && d == 1000, "num_real 1e3");
	ok(real_fails("1e999", 0, 86400, "too large"), "num_real: 1e999 overflows");
	ok(real_fails("-1e999", -1, 1, "too small"), "num_real: -1e999");
	ok(real_fails("nan", 0, 1, "not a number"), "num_real: nan");
	ok(real_fails("inf", 0, 1e308, "too large"), "num_real: inf");
	ok(real_fails("0", 0.001, 1, "too small"), "num_real: 0 below 0.001");
	ok(real_fails("1e-999", 0.001, 1, "too small"), "num_real: underflow to 0");
	ok(real_fails("", 0, 1, "not a number"), "num_real: empty");
	ok(real_fails("5s", 0, 10, "not a number"), "num_real: a unit");

	v = num_size("64k", 0, LLONG_MAX, &why);
	ok(!why && v == 65536, "num_size 64k");
	v = num_size("512MiB", 0, LLONG_MAX, &why);
	ok(!why && v == 512LL << 20, "num_size 512MiB");
	v = num_size("1G", 0, LLONG_MAX, &why);
	ok(!why && v == 1LL << 30, "num_size 1G");
	num_size("0", 1, LLONG_MAX, &why);
	ok(why && strstr(why, "too small"), "num_size: 0 below 1");
	num_size("9000000000G", 0, LLONG_MAX, &why);
	ok(why && strstr(why, "too large"), "num_size: overflow by the suffix");
	num_size("99999999999999999999", 0, LLONG_MAX, &why);
	ok(why && strstr(why, "too large"), "num_size: overflow of the digits");
	num_size("-1", 0, LLONG_MAX, &why);
	ok(why != NULL, "num_size: negative");
	num_size("5Q", 0, LLONG_MAX, &why);
	ok(why != NULL, "num_size: unknown suffix");
	num_size("1iB", 0, LLONG_MAX, &why);
	ok(why != NULL, "num_size: iB without a suffix");
	ok(parse_size("0") == 0 && parse_size("x") == -1, "parse_size: 0 ok, junk -1");
	return tap_done();
}
