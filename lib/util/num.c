/* Strict number parsing (see num.h): strtoll/strtod wrapped so that empty
 * strings, trailing junk, leading spaces, overflow and out-of-range values
 * are all errors with a reason, never silently clamped or truncated. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "util/num.h"

static const char not_int[] = "not a whole number";
static const char not_num[] = "not a number";
static const char not_size[] = "not a size (e.g. 4096, 64k, 512M, 1G)";
static const char too_small[] = "too small";
static const char too_large[] = "too large";

/* starts_ok: strtoll and strtod skip leading white space; a strict parser
 * does not. */
static int
starts_ok(const char *s)
{
	return s && *s && !isspace((unsigned char)*s);
}

long long
num_int(const char *s, long long min, long long max, const char **why)
{
	return num_intb(s, 10, min, max, why);
}

long long
num_intb(const char *s, int base, long long min, long long max, const char **why)
{
	char *end;
	long long v;

	*why = NULL;
	if (!starts_ok(s) || (base != 10 && (*s == '-' || *s == '+'))) {
		*why = not_int;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, base);
	if (end == s || *end) {
		*why = not_int;
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*why = too_small;
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*why = too_large;
		return 0;
	}
	return v;
}

double
num_real(const char *s, double min, double max, const char **why)
{
	char *end;
	double v;

	*why = NULL;
	if (!starts_ok(s)) {
		*why = not_num;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || isnan(v)) {
		*why = not_num;
		return 0;
	}
	/* ERANGE with a huge result is overflow ("1e999"); with a tiny one it is
	 * underflow towards 0, which the range check then judges. */
	if (isinf(v) || (errno == ERANGE && fabs(v) > 1)) {
		*why = v < 0 ? too_small : too_large;
		return 0;
	}
	if (v < min) {
		*why = too_small;
		return 0;
	}
	if (v > max) {
		*why = too_large;
		return 0;
	}
	return v;
}

long long
num_size(const char *s, long long min, long long max, const char **why)
{
	char *end;
	long long v;
	int shift = 0;

	*why = NULL;
	if (!starts_ok(s) || *s == '-' || *s == '+') {
		*why = not_size;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s) {
		*why = not_size;
		return 0;
	}
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default:
		*why = not_size;
		return 0;
	}
	if (shift && *end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end) {
		*why = not_size;
		return 0;
	}
	if (errno == ERANGE || v > (max >> shift) || (v << shift) > max) {
		*why = too_large;
		return 0;
	}
	if ((v << shift) < min) {
		*why = too_small;
		return 0;
	}
	return v << shift;
}

long long
parse_size(const char *s)
{
	const char *why;
	long long v = num_size(s, 0, LLONG_MAX, &why);

	return why ? -1 : v;
}
