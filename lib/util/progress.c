/* The live progress line (progress.h). Carriage return, the text, then
 * "erase to end of line": what curl and git print, and what every terminal
 * understands. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"
#include "util/progress.h"

static int enabled, shown;
static long long last_ms = -1000;

void
progress_init(int wanted)
{
	enabled = wanted && isatty(2);
	err_before_message = enabled ? progress_clear : NULL;
}

int
progress_on(void)
{
	return enabled;
}

static void
draw(const char *end, const char *fmt, va_list ap)
{
	fprintf(stderr, "\r%s: ", argv0);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\033[K%s", end);
	fflush(stderr);
}

void
progress_show(int force, const char *fmt, ...)
{
	long long now;
	va_list ap;

	if (!enabled)
		return;
	now = clock_ms();
	if (!force && now - last_ms < 200)
		return;
	last_ms = now;
	va_start(ap, fmt);
	draw("", fmt, ap);
	va_end(ap);
	shown = 1;
}

void
progress_done(const char *fmt, ...)
{
	va_list ap;

	if (!enabled)
		return;
	va_start(ap, fmt);
	draw("\n", fmt, ap);
	va_end(ap);
	shown = 0;
}

void
progress_clear(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	shown = 0;
}
