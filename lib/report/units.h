/* Value scaling and formatting as pprof's measurement package does it:
 * ns -> us/ms/s/hrs, bytes -> kB/MB/..., "%.2f" with ".00" dropped, and
 * pprof's percentage format. */
#ifndef PGOKIT_UNITS_H
#define PGOKIT_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* units_scale converts value in from_unit to to_unit ("minimum"/"auto" pick
 * a readable unit). *unit gets the resulting unit ("" when uninteresting,
 * e.g. counts); it points to a static string or to_unit. */
double units_scale(int64_t value, const char *from_unit, const char *to_unit,
    const char **unit);

/* units_label writes pprof's ScaledLabel: "1.50s", "30ms", "120", "0". */
void units_label(char *buf, size_t n, int64_t value, const char *from_unit,
    const char *to_unit);

/* units_percentage writes pprof's Percentage: "  100%", "17.08%", " 0.5%". */
void units_percentage(char *buf, size_t n, int64_t value, int64_t total);

/* units_output picks pprof's output unit for a report from the smallest
 * non-zero node value and the total ("minimum" unit selection). */
const char *units_output(int64_t min_value, int64_t total, const char *sample_unit);

#endif
