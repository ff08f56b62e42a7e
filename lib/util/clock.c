/* clock_ms (clock.h): CLOCK_MONOTONIC, for the fleet engine's deadlines,
 * the progress line's rate and pgo-build's timings alike. */
#include <time.h>

#include "util/clock.h"

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
