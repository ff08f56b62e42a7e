/* Writing results without ever leaving half a file: a temp file beside the
 * target, renamed over it when complete, unlinked on failure or on a signal
 * (git tempfile.c); stdout with a terminal guard and a checked close. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/output.h"
#include "util/err.h"

#define MAXTMP 64

/* Names are fixed-size so the signal handler touches no allocator. */
static char tmpnames[MAXTMP][4096];
static volatile sig_atomic_t tmpused[MAXTMP];
static int handlers_installed;

void
tmp_register(const char *path)
{
	int i;

	for (i = 0; i < MAXTMP; i++)
		if (!tmpused[i] && strlen(path) < sizeof tmpnames[i]) {
			strcpy(tmpnames[i], path);
			tmpused[i] = 1;
			return;
		}
}

void
tmp_unregister(const char *path)
{
	int i;

	for (i = 0; i < MAXTMP; i++)
		if (tmpused[i] && !strcmp(tmpnames[i], path)) {
			tmpused[i] = 0;
			return;
		}
}

static void
on_signal(int sig)
{
	int i;

	for (i = 0; i < MAXTMP; i++)
		if (tmpused[i])
			unlink(tmpnames[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
tmp_install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa, old;
	size_t i;

	if (handlers_installed)
		return;
	handlers_installed = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		/* keep a signal the parent set to be ignored ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len > (1 << 30) ? (1 << 30) : len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	const char *slash = strrchr(path, '/');
	int fd, n;

	tmp_install_handlers();
	if (slash)
		n = snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		n = snprintf(tmp, sizeof tmp, ".%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		seterr("%s: name too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		seterr("%s: cannot create temporary file:", path);
		return -1;
	}
	tmp_register(tmp);
	if (write_all(fd, buf, len) < 0) {
		seterr("%s: write:", path);
		goto fail;
	}
	if (fchmod(fd, mode & ~umask_get()) < 0) {
		seterr("%s: chmod:", path);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		seterr("%s: close:", path);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		seterr("%s: rename:", path);
		goto fail;
	}
	tmp_unregister(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	tmp_unregister(tmp);
	return -1;
}

mode_t
umask_get(void)
{
	static int known;
	static mode_t m;

	if (!known) {
		m = umask(022);
		umask(m);
		known = 1;
	}
	return m;
}

int
stdout_guard(const char *what, int force)
{
	if (force || !isatty(1))
		return 0;
	seterr("<stdout>: refusing to write %s to a terminal (use -o file, or -o - to force)", what);
	return -1;
}

int
write_stdout(const void *buf, size_t len, int binary, int force)
{
	if (binary && stdout_guard("binary data", force) < 0)
		return -1;
	if (fflush(stdout) == EOF || write_all(1, buf, len) < 0) {
		seterr("<stdout>: write:");
		return -1;
	}
	return 0;
}

int
write_output(const char *path, const void *buf, size_t len, int binary)
{
	if (!path || !strcmp(path, "-"))
		return write_stdout(buf, len, binary, path != NULL);
	return write_atomic(path, buf, len, 0644);
}

void
stdout_close(void)
{
	int bad = fflush(stdout) == EOF || ferror(stdout);

	if (fclose(stdout) == EOF)
		bad = 1;
	if (bad)
		die("<stdout>: write error:");
}
