/* Unit tests for pprof-stat's helpers: pprof's value labels, percentages and
 * output-unit choice (lib/units.c), and the insertion-ordered maps
 * (lib/keymap.c). Expected strings are what google/pprof prints. */
#include <stdio.h>
#include <string.h>

#include "util/keymap.h"
#include "tap.h"
#include "report/units.h"

static int label_is(int64_t v, const char *from, const char *to, const char *want)
{
	char buf[64];
	units_label(buf, sizeof(buf), v, from, to);
	if (strcmp(buf, want))
		printf("# label(%lld, %s, %s) = \"%s\", want \"%s\"\n", (long long)v, from, to, buf, want);
	return !strcmp(buf, want);
}

static int pct_is(int64_t v, int64_t t, const char *want)
{
	char buf[32];
	units_percentage(buf, sizeof(buf), v, t);
	if (strcmp(buf, want))
		printf("# percentage(%lld, %lld) = \"%s\", want \"%s\"\n", (long long)v, (long long)t, buf, want);
	return !strcmp(buf, want);
}

int main(void)
{
	ok(label_is(1500000000, "nanoseconds", "auto", "1.50s"), "ns auto-scale to s, .50 kept");
	ok(label_is(30000000000LL, "nanoseconds", "auto", "30s"), "trailing .00 dropped");
	ok(label_is(7200000000000LL, "nanoseconds", "auto", "2hrs"), "hours");
	ok(label_is(3030000000LL, "nanoseconds", "ms", "3030ms"), "fixed output unit");
	ok(label_is(10000000, "nanoseconds", "s", "0.01s"), "small value in seconds");
	ok(label_is(1000000, "nanoseconds", "s", "0"), "0.00 prints as 0");
	ok(label_is(-1500000000, "nanoseconds", "auto", "-1.50s"), "negative values");
	ok(label_is(1536, "bytes", "auto", "1.50kB"), "bytes to kB (1024)");
	ok(label_is(5LL << 20, "bytes", "minimum", "5MB"), "MB");
	ok(label_is(1234, "count", "count", "1234"), "counts have no unit");
	ok(label_is(0, "nanoseconds", "auto", "0"), "zero");
	ok(label_is(1500, "microseconds", "auto", "1.50ms"), "us input");

	ok(pct_is(1, 3, "33.33%"), "percent >= 1: %%5.2f");
	ok(pct_is(1, 1000, "  0.1%"), "percent < 1: %%5.2g");
	ok(pct_is(1, 100000, "0.001%"), "small percent");
	ok(pct_is(9996, 10000, "  100%"), "within 0.05 of 100 prints 100%%");
	ok(pct_is(0, 0, "    0%"), "zero total");
	ok(pct_is(-5, 10, "50.00%"), "absolute value");

	ok(!strcmp(units_output(10000000, 3030000000LL, "nanoseconds"), "s"),
	    "10ms min, 3.03s total: min*100 decides (s)");
	ok(!strcmp(units_output(270000000, 3030000000LL, "nanoseconds"), "ms"),
	    "270ms min, 3.03s total: ms");
	ok(!strcmp(units_output(3, 1000, "count"), "count"), "counts keep the sample unit");

	struct keymap *m = keymap_new(2);
	int added, bad = 0;
	for (uint64_t i = 0; i < 10000; i++) {
		uint64_t k[2] = { i, i * 7 };
		if (keymap_intern(m, k, &added) != i || !added)
			bad++;
	}
	for (uint64_t i = 0; i < 10000; i++) {
		uint64_t k[2] = { i, i * 7 };
		if (keymap_intern(m, k, &added) != i || added || keymap_find(m, k) != (int64_t)i)
			bad++;
	}
	uint64_t none[2] = { 1, 2 };
	ok(bad == 0 && keymap_count(m) == 10000 && keymap_find(m, none) == -1,
	    "keymap: dense indices in insertion order across growth");
	keymap_free(m);

	struct strmap *s = strmap_new();
	ok(strmap_intern(s, "a", NULL) == 0 && strmap_intern(s, "b", NULL) == 1 &&
	    strmap_intern(s, "a", &added) == 0 && !added && strmap_find(s, "c") == -1 &&
	    !strcmp(strmap_str(s, 1), "b") && strmap_intern(s, "", NULL) == 2,
	    "strmap: interning and lookup");
	strmap_free(s);
	return tap_done();
}
