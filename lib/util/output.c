/* Writing results without ever leaving half a file or destroying what is
 * not a file: a temp file beside the target, fsync'd and renamed over it
 * when complete, unlinked on failure or on a signal (git tempfile.c); a
 * target that exists and is not a regular file (/dev/null, a FIFO,
 * /dev/stdout) written in place, as cp and sort -o do; stdout with a
 * terminal guard and a checked close. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/output.h"
#include "util/err.h"

#define MAXTMP 64
#define MAXLINKS 40

/* A slot is free, claimed (its name being written: the handler skips it)
 * or live (the handler unlinks it). The states are atomic because img-push
 * writes its layer cache from a second thread; the names are fixed-size so
 * that the signal handler touches no allocator. */
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_LIVE };
static char tmpnames[MAXTMP][4096];
static atomic_int tmpstate[MAXTMP];

/* slot_claim: a free slot, now claimed; -1 when all are taken. */
static int
slot_claim(void)
{
	for (int i = 0; i < MAXTMP; i++) {
		int free_state = SLOT_FREE;

		if (atomic_compare_exchange_strong(&tmpstate[i], &free_state, SLOT_CLAIMED))
			return i;
	}
	return -1;
}

void
tmp_register(const char *path)
{
	int i;

	if (strlen(path) >= sizeof tmpnames[0] || (i = slot_claim()) < 0)
		return;
	strcpy(tmpnames[i], path);
	atomic_store(&tmpstate[i], SLOT_LIVE);
}

void
tmp_unregister(const char *path)
{
	for (int i = 0; i < MAXTMP; i++)
		if (atomic_load(&tmpstate[i]) == SLOT_LIVE && !strcmp(tmpnames[i], path)) {
			atomic_store(&tmpstate[i], SLOT_FREE);
			return;
		}
}

static void
on_signal(int sig)
{
	for (int i = 0; i < MAXTMP; i++)
		if (atomic_load(&tmpstate[i]) == SLOT_LIVE)
			unlink(tmpnames[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_handlers_once(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa, old;
	size_t i;

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

void
tmp_install_handlers(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_handlers_once);
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

const char *
output_arg(const char *opt, const char *arg)
{
	if (!*arg)
		diex(2, "%s: empty file name", opt);     /* EXIT_USAGE (cli.h includes us) */
	return arg;
}

/* own_fd: N when path is /dev/fd/N, /proc/self/fd/N or /proc/PID/fd/N
 * of this process: a descriptor already open, such as stdout for
 * /dev/stdout. -1 otherwise. */
static int
own_fd(const char *path)
{
	char mine[64];
	const char *n = NULL;

	snprintf(mine, sizeof mine, "/proc/%ld/fd/", (long)getpid());
	if (!strncmp(path, "/dev/fd/", 8))
		n = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		n = path + 14;
	else if (!strncmp(path, mine, strlen(mine)))
		n = path + strlen(mine);
	if (!n || !*n || strlen(n) > 9 || strspn(n, "0123456789") != strlen(n))
		return -1;
	return atoi(n);
}

/* follow_links follows the symlinks that path's last component leads
 * through (a dangling one too: its target is what gets created). A hop
 * that names one of this process's descriptors (/dev/stdout leads to
 * /proc/self/fd/1) sets *fd; one elsewhere in /proc sets *fd to -2: both
 * are written in place. Malloc'd; NULL with seterr() on a loop or a read
 * error. */
static char *
follow_links(const char *path, int *fd)
{
	char *cur = xstrdup(path), link[4096];
	struct stat sb;
	int hops;

	*fd = -1;
	for (hops = 0; ; hops++) {
		if ((*fd = own_fd(cur)) < 0 && !strncmp(cur, "/proc/", 6))
			*fd = -2;
		if (*fd != -1 || lstat(cur, &sb) < 0 || !S_ISLNK(sb.st_mode))
			return cur;
		ssize_t n = hops < MAXLINKS ? readlink(cur, link, sizeof link - 1) : -1;

		if (n < 0) {
			if (hops >= MAXLINKS)
				errno = ELOOP;
			seterr("%s:", path);
			free(cur);
			return NULL;
		}
		link[n] = '\0';
		const char *slash = strrchr(cur, '/');
		char *next;

		if (link[0] == '/' || !slash)
			next = xstrdup(link);
		else if (asprintf(&next, "%.*s/%s", (int)(slash - cur), cur, link) < 0)
			die("out of memory");
		free(cur);
		cur = next;
	}
}

/* resolve is output_resolve, also giving the descriptor an in-place path
 * names (-1 when it is to be opened). */
static int
resolve(const char *path, char **target, int *fd)
{
	struct stat sb, tsb;
	char *real;

	*target = NULL;
	if (!*path) {
		seterr("empty file name");
		return -1;
	}
	if (!(*target = follow_links(path, fd)))
		return -1;
	if (*fd != -1) {
		*fd = *fd < 0 ? -1 : *fd;
		return OUTPUT_IN_PLACE;
	}
	if (stat(*target, &sb) < 0) {
		if (errno == ENOENT)
			return OUTPUT_REPLACE;
		seterr("%s:", path);
		free(*target);
		*target = NULL;
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
		return OUTPUT_IN_PLACE;
	/* A regular file that a rename beside it would not replace (a name
	 * the kernel made up, "/x (deleted)") is written in place too. */
	real = realpath(*target, NULL);
	if (!real || stat(real, &tsb) < 0 || tsb.st_dev != sb.st_dev || tsb.st_ino != sb.st_ino) {
		free(real);
		return OUTPUT_IN_PLACE;
	}
	free(real);
	return OUTPUT_REPLACE;
}

int
output_resolve(const char *path, char **target)
{
	int fd;

	return resolve(path, target, &fd);
}

/* open_in_place opens what path names for writing, without creating or
 * replacing it: a device, a FIFO (waiting for its reader, like cp), or
 * the descriptor fd (>= 0) it names, shared with its offset as the
 * shell's >> would. */
static int
open_in_place(const char *path, int fd)
{
	int out = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) :
	    open(path, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);

	if (out < 0)
		seterr("%s:", path);
	return out;
}

static int
write_in_place(const char *path, int own, const void *buf, size_t len)
{
	int fd = open_in_place(path, own);

	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) < 0) {
		seterr("%s: write:", path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		seterr("%s: close:", path);
		return -1;
	}
	return 0;
}

/* temp_create makes the temp file for target: ".<name>.XXXXXX" beside it,
 * in a slot that is live before the file exists, so a signal at any point
 * removes it (a slot is written by mkstemp itself). The fd, with the name
 * in tmp; -1 with seterr() (path names the output in messages). */
static int
temp_create(const char *target, const char *path, char *tmp, size_t tmpsz, int *slot)
{
	const char *slash = strrchr(target, '/');
	char *name;
	int n, fd, saved;

	if (slash)
		n = snprintf(tmp, tmpsz, "%.*s/.%s.XXXXXX", (int)(slash - target), target, slash + 1);
	else
		n = snprintf(tmp, tmpsz, ".%s.XXXXXX", target);
	if (n < 0 || (size_t)n >= tmpsz || (size_t)n >= sizeof tmpnames[0]) {
		seterr("%s: name too long", path);
		return -1;
	}
	/* Without a free slot the temp goes unregistered, as a signal then
	 * could not be helped anyway. */
	*slot = slot_claim();
	name = tmp;
	if (*slot >= 0) {
		name = strcpy(tmpnames[*slot], tmp);
		atomic_store(&tmpstate[*slot], SLOT_LIVE);
	}
	fd = mkstemp(name);
	saved = errno;
	if (name != tmp)
		strcpy(tmp, name);
	if (fd < 0) {
		if (*slot >= 0)
			atomic_store(&tmpstate[*slot], SLOT_FREE);
		errno = saved;
		seterr("%s: cannot create temporary file:", path);
	}
	return fd;
}

static void
slot_release(int slot)
{
	if (slot >= 0)
		atomic_store(&tmpstate[slot], SLOT_FREE);
}

/* write_replace writes buf to a temp file beside target and renames it
 * over target once it is complete and on disk. */
static int
write_replace(const char *target, const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	int fd, slot;

	if ((fd = temp_create(target, path, tmp, sizeof tmp, &slot)) < 0)
		return -1;
	if (write_all(fd, buf, len) < 0) {
		seterr("%s: write:", path);
		goto fail;
	}
	if (fchmod(fd, mode & ~umask_get()) < 0) {
		seterr("%s: chmod:", path);
		goto fail;
	}
	/* On disk before the name moves: a crash leaves the old file or the
	 * new one, never an empty one. */
	if (fsync(fd) < 0) {
		seterr("%s: fsync:", path);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		seterr("%s: close:", path);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) < 0) {
		seterr("%s: rename:", path);
		goto fail;
	}
	slot_release(slot);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	slot_release(slot);
	return -1;
}

int
write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *target;
	int how, rc, fd;

	tmp_install_handlers();
	if ((how = resolve(path, &target, &fd)) < 0)
		return -1;
	if (how == OUTPUT_IN_PLACE)
		rc = write_in_place(path, fd, buf, len);
	else
		rc = write_replace(target, path, buf, len, mode);
	free(target);
	return rc;
}

/* copy_in_place copies the file tmp into what path names, in place. */
static int
copy_in_place(const char *tmp, const char *path, int own)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = 0;

	if ((in = open(tmp, O_RDONLY | O_CLOEXEC)) < 0) {
		seterr("%s:", tmp);
		return -1;
	}
	if ((out = open_in_place(path, own)) < 0) {
		close(in);
		return -1;
	}
	while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			seterr("%s:", tmp);
			rc = -1;
		} else if (write_all(out, buf, (size_t)n) < 0) {
			seterr("%s: write:", path);
			rc = -1;
		}
	}
	close(in);
	if (close(out) < 0 && rc == 0) {
		seterr("%s: close:", path);
		rc = -1;
	}
	return rc;
}

int
output_commit(const char *tmp, const char *path)
{
	char *target;
	int how, fd, rc = 0;

	if ((how = resolve(path, &target, &fd)) < 0) {
		unlink(tmp);
		return -1;
	}
	if (how == OUTPUT_IN_PLACE) {
		rc = copy_in_place(tmp, path, fd);
		unlink(tmp);
	} else {
		if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
			seterr("%s: fsync:", path);
			rc = -1;
		} else if (rename(tmp, target) < 0) {
			seterr("%s: rename:", path);
			rc = -1;
		}
		if (fd >= 0)
			close(fd);
		if (rc < 0)
			unlink(tmp);
	}
	free(target);
	return rc;
}

static mode_t the_umask;

static void
read_umask(void)
{
	the_umask = umask(022);
	umask(the_umask);
}

mode_t
umask_get(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, read_umask);
	return the_umask;
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
