/* The monotonic clock in milliseconds: timeouts, backoff, rate limits and
 * durations, never moved by a change of the wall clock. */
#ifndef PGOKIT_CLOCK_H
#define PGOKIT_CLOCK_H

long long clock_ms(void);

#endif
