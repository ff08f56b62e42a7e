/* pprof-fetch's work once its options are parsed: build the requests (Go
 * endpoints or Pyroscope chunks), fetch them all, check every answer, write
 * the profiles (stdout stream, one file each in a directory, or one file),
 * print the summary and decide the exit status. */
#ifndef PGOKIT_FETCH_MAIN_H
#define PGOKIT_FETCH_MAIN_H

#include "net/multi.h"
#include "net/targets.h"

struct fetch_config {
	struct fetch_opts net;
	struct targets targets;
	int seconds;		/* -s: profile duration for Go endpoints */
	double timeout_s;	/* -T: one attempt; 0 = seconds + grace */
	const char *out;	/* -o: a file, or "-" for stdout even on a terminal */
	const char *dir;	/* -d */
	long min_ok;		/* --min-ok N; -1 = all */
	double min_ok_pct;	/* --min-ok P%; -1 = unset */
	int disk_set;		/* --max-disk given */
	/* Pyroscope mode when pyroscope != NULL. */
	const char *pyroscope, *query, *from, *to, *type, *tenant;
	int pgo_keep;
};

/* fetch_main runs it all and returns the exit status: 0 when enough profiles
 * arrived (--min-ok), 1 otherwise or on an output error, 2 for bad input
 * (times, window, selector, -d). */
int fetch_main(struct fetch_config *c);

#endif
