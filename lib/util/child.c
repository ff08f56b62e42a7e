/* Running a child without a shell (posix_spawnp), optionally capturing its
 * stdout (named child.c: a lib/spawn.h would shadow <spawn.h> under -Ilib),
 * and turning its wait status into the exit code a shell would give. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/membuf.h"
#include "util/child.h"
#include "util/err.h"

extern char **environ;

int
child_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

static int
wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			seterr("waitpid:");
			return -1;
		}
	}
	return child_status(st);
}

int
child_wait(char *const argv[])
{
	pid_t pid;
	int err;

	err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (err != 0) {
		errno = err;
		seterr("%s:", argv[0]);
		return -1;
	}
	return wait_child(pid);
}

/* spawn_piped starts argv with a pipe in place of its stdout (out set)
 * and of its stderr (err_to 2); err_to 1 sends stderr to /dev/null, 0
 * leaves it inherited. The pipe's read end, or -1 with seterr(). */
static int
spawn_piped(char *const argv[], int out, int err_to, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int fd[2], err;

	if (pipe2(fd, O_CLOEXEC) < 0) {
		seterr("pipe:");
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	if (out)
		posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	if (err_to == 1)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	else if (err_to == 2)
		posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	err = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (err != 0) {
		close(fd[0]);
		errno = err;
		seterr("%s:", argv[0]);
		return -1;
	}
	return fd[0];
}

/* capture runs argv with its stdout in a pipe; stderr is inherited
 * (err 0), /dev/null (1) or the same pipe (2). */
static int
capture(char *const argv[], int err_to, char **out, size_t *outlen)
{
	struct membuf b = { 0 };
	char buf[8192];
	int fd, st;
	ssize_t n;
	pid_t pid;

	*out = NULL;
	*outlen = 0;
	if ((fd = spawn_piped(argv, 1, err_to, &pid)) < 0)
		return -1;
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		membuf_append(&b, buf, (size_t)n);
	}
	close(fd);
	st = wait_child(pid);
	*outlen = b.len;
	*out = membuf_take(&b);
	return st;
}

int
child_capture(char *const argv[], int quiet, char **out, size_t *outlen)
{
	return capture(argv, quiet ? 1 : 0, out, outlen);
}

int
child_capture_all(char *const argv[], char **out, size_t *outlen)
{
	return capture(argv, 2, out, outlen);
}

/* feed hands the complete lines in b to fn and keeps the unfinished one. */
static void
feed(struct membuf *b, void (*fn)(const char *, void *), void *arg)
{
	char *start = b->data, *nl;
	size_t rest;

	while ((nl = memchr(start, '\n', b->len - (size_t)(start - b->data)))) {
		*nl = '\0';
		fn(start, arg);
		start = nl + 1;
	}
	rest = b->len - (size_t)(start - b->data);
	memmove(b->data, start, rest);
	b->len = rest;
}

int
child_lines(char *const argv[], void (*fn)(const char *, void *), void *arg)
{
	struct membuf b = { 0 };
	char buf[4096];
	int fd;
	ssize_t n;
	pid_t pid;

	if ((fd = spawn_piped(argv, 0, 2, &pid)) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		membuf_append(&b, buf, (size_t)n);
		feed(&b, fn, arg);
	}
	close(fd);
	if (b.len > 0) {
		membuf_append(&b, "\n", 1);
		feed(&b, fn, arg);
	}
	membuf_free(&b);
	return wait_child(pid);
}
