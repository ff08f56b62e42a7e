/* A tiny TAP harness for the lib/ unit tests (the shape of git's
 * t/unit-tests/test-lib.h): ok(cond, name), then return tap_done(). */
#ifndef PGOKIT_TAP_H
#define PGOKIT_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do { \
	int ok_c_ = !!(cond); \
	printf("%sok %d - ", ok_c_ ? "" : "not ", ++tap_n); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!ok_c_) { \
		tap_failed++; \
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
