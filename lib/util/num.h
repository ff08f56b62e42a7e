/* Strict number parsing for command lines and environment variables, in the
 * shape of OpenBSD's strtonum(3): the whole string, range-checked, and a
 * reason when it is not a number in range. No tool parses numbers by hand. */
#ifndef PGOKIT_NUM_H
#define PGOKIT_NUM_H

/* num_int parses a decimal integer in [min, max]. On failure it returns 0
 * and sets *why to "not a whole number", "too small" or "too large". */
long long num_int(const char *s, long long min, long long max, const char **why);

/* num_intb is num_int in another base (8 for file modes); no sign or
 * "0x"-style prefix is accepted. */
long long num_intb(const char *s, int base, long long min, long long max, const char **why);

/* num_real parses a finite decimal number in [min, max] ("1e999", "nan"
 * and "inf" are refused); *why as for num_int. */
double num_real(const char *s, double min, double max, const char **why);

/* num_size parses a byte count: "1073741824", "64k", "512M", "1G" (an "i"
 * and/or "B" may follow the suffix), in [min, max]; *why as for num_int. */
long long num_size(const char *s, long long min, long long max, const char **why);

/* parse_size: num_size in [0, LLONG_MAX], -1 on error (for environment
 * variables whose callers print their own message). */
long long parse_size(const char *s);

#endif
