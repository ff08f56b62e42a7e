/* Diagnostics (die/warn with the program name), the last-error buffer of
 * lib/, and allocation that never returns NULL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

const char *argv0 = "pgokit";
int err_status = 1;
/* Thread-local: img-push builds its layer in a second thread. */
static _Thread_local char errbuf[1024];

void
setprogname(const char *arg0)
{
	const char *s = strrchr(arg0, '/');

	argv0 = s ? s + 1 : arg0;
}

static void
vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n;

	vsnprintf(buf, size, fmt, ap);
	n = strlen(buf);
	if (fmt[0] && fmt[strlen(fmt) - 1] == ':' && n < size)
		snprintf(buf + n, size - n, " %s", strerror(saved));
}

void (*err_before_message)(void);

static void
vwarn(const char *fmt, va_list ap)
{
	char buf[2048];

	vformat(buf, sizeof buf, fmt, ap);
	if (err_before_message)
		err_before_message();
	fprintf(stderr, "%s: %s\n", argv0, buf);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(err_status);
}

void
diex(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
seterr(const char *fmt, ...)
{
	va_list ap;
	char tmp[sizeof errbuf];

	/* Format into a copy: the arguments may point into errbuf itself. */
	va_start(ap, fmt);
	vformat(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	memcpy(errbuf, tmp, sizeof errbuf);
}

const char *
errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		die("allocation overflow: %zu x %zu", n, size);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}
