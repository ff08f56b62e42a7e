/* pprof's measurement rules (internal/measurement in google/pprof): unit
 * families with aliases and factors, auto-scaling to the largest unit the
 * value reaches, and the label and percentage formats of its reports. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/units.h"
#include "util/sat.h"

struct unit {
	const char *name;
	const char *aliases[4];
	double factor;
};

struct unit_type {
	struct unit def;
	struct unit units[10];
};

static const struct unit_type unit_types[] = {
	{ { "B", { "b", "byte" }, 1 }, {
		{ "B", { "b", "byte" }, 1 },
		{ "kB", { "kb", "kbyte", "kilobyte" }, 1024.0 },
		{ "MB", { "mb", "mbyte", "megabyte" }, 1048576.0 },
		{ "GB", { "gb", "gbyte", "gigabyte" }, 1073741824.0 },
		{ "TB", { "tb", "tbyte", "terabyte" }, 1099511627776.0 },
		{ "PB", { "pb", "pbyte", "petabyte" }, 1125899906842624.0 },
	} },
	{ { "s", { 0 }, 1e9 }, {
		{ "ns", { "ns", "nanosecond" }, 1 },
		{ "us", { "\xce\xbcs", "us", "microsecond" }, 1e3 },
		{ "ms", { "ms", "millisecond" }, 1e6 },
		{ "s", { "s", "sec", "second" }, 1e9 },
		{ "hrs", { "hour", "hr" }, 3600e9 },
	} },
	{ { "GCU", { 0 }, 1 }, {
		{ "n*GCU", { "nanogcu" }, 1e-9 },
		{ "u*GCU", { "microgcu" }, 1e-6 },
		{ "m*GCU", { "milligcu" }, 1e-3 },
		{ "GCU", { "gcu" }, 1 },
		{ "k*GCU", { "kilogcu" }, 1e3 },
		{ "M*GCU", { "megagcu" }, 1e6 },
		{ "G*GCU", { "gigagcu" }, 1e9 },
		{ "T*GCU", { "teragcu" }, 1e12 },
		{ "P*GCU", { "petagcu" }, 1e15 },
	} },
};

#define NTYPES (sizeof(unit_types) / sizeof(unit_types[0]))

/* sniff lower-cases the unit and drops one trailing 's' of a long name. */
static const struct unit *sniff(const struct unit_type *ut, const char *name)
{
	char low[64];
	size_t n = strlen(name);
	if (n >= sizeof(low))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	if (n > 2 && low[n - 1] == 's')
		low[n - 1] = 0;
	for (size_t i = 0; i < 10 && ut->units[i].name; i++)
		for (size_t a = 0; a < 4 && ut->units[i].aliases[a]; a++)
			if (!strcmp(ut->units[i].aliases[a], low))
				return &ut->units[i];
	return NULL;
}

static int convert(const struct unit_type *ut, int64_t value, const char *from,
    const char *to, double *out, const char **unit)
{
	const struct unit *fu = sniff(ut, from);
	if (!fu)
		return 0;
	double v = (double)value * fu->factor;
	if (!strcmp(to, "minimum") || !strcmp(to, "auto")) {
		double f = 0;
		const char *name = NULL;
		for (size_t i = 0; i < 10 && ut->units[i].name; i++)
			if (ut->units[i].factor >= f && v / ut->units[i].factor >= 1.0) {
				f = ut->units[i].factor;
				name = ut->units[i].name;
			}
		if (f != 0) {
			*out = v / f;
			*unit = name;
			return 1;
		}
		*out = v / ut->def.factor;
		*unit = ut->def.name;
		return 1;
	}
	const struct unit *tu = sniff(ut, to);
	if (!tu) {
		*out = v / ut->def.factor;
		*unit = ut->def.name;
		return 1;
	}
	*out = v / tu->factor;
	*unit = tu->name;
	return 1;
}

double units_scale(int64_t value, const char *from, const char *to, const char **unit)
{
	if (value < 0) {
		double v = units_scale(sat_abs(value), from, to, unit);
		return -v;
	}
	double out;
	for (size_t i = 0; i < NTYPES; i++)
		if (convert(&unit_types[i], value, from, to, &out, unit))
			return out;
	if (!strcmp(to, "count") || !strcmp(to, "sample") || !strcmp(to, "unit") ||
	    !strcmp(to, "minimum") || !strcmp(to, "auto"))
		*unit = "";
	else
		*unit = to;
	return (double)value;
}

void units_label(char *buf, size_t n, int64_t value, const char *from, const char *to)
{
	const char *u;
	double v = units_scale(value, from, to, &u);
	char num[64];
	snprintf(num, sizeof(num), "%.2f", v);
	size_t l = strlen(num);
	if (l > 3 && !strcmp(num + l - 3, ".00"))
		num[l - 3] = 0;
	if (!strcmp(num, "0") || !strcmp(num, "-0")) {
		snprintf(buf, n, "0");
		return;
	}
	snprintf(buf, n, "%s%s", num, u);
}

void units_percentage(char *buf, size_t n, int64_t value, int64_t total)
{
	double ratio = 0;
	if (total != 0)
		ratio = fabs((double)value / (double)total) * 100;
	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(buf, n, "  100%%");
	else if (ratio >= 1.0)
		snprintf(buf, n, "%5.2f%%", ratio);
	else
		snprintf(buf, n, "%5.2g%%", ratio);
}

const char *units_output(int64_t min_value, int64_t max_value, const char *sample_unit)
{
	const char *minu, *maxu, *unit;
	if (min_value == 0)
		min_value = max_value;
	units_scale(min_value, sample_unit, "minimum", &minu);
	units_scale(max_value, sample_unit, "minimum", &maxu);
	unit = minu;
	if (strcmp(minu, maxu) && sat_mul(min_value, 100) < max_value)
		units_scale(sat_mul(min_value, 100), sample_unit, "minimum", &unit);
	return unit[0] ? unit : sample_unit;
}
