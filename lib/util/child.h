/* Running a child program without a shell: posix_spawnp on an argv vector,
 * PATH searched as execvp does, and its exit status passed on the way a shell
 * reports it (128+N when signal N killed it). */ 
#ifndef PGOKIT_CHILD_H
#define PGOKIT_CHILD_H

#include <stddef.h>

/* child_wait runs argv[0] with argv, stdin/stdout/stderr inherited, and waits.
 * Returns the exit status 0..255, 128+N after signal N; -1 with seterr()
 * when the program could not be started at all (not found, not executable). */
int child_wait(char *const argv[]);

/* child_capture is child_wait with the child's stdout collected into *out
 * (malloc'd, NUL-terminated, *outlen bytes); stderr stays inherited unless
 * quiet, then it goes to /dev/null. */
int child_capture(char *const argv[], int quiet, char **out, size_t *outlen);

/* child_capture_all is child_capture with stderr in the same buffer, in
 * the order the child wrote (go build prints compiler output on stderr). */
int child_capture_all(char *const argv[], char **out, size_t *outlen);

/* child_lines is child_wait with the child's stderr read line by line:
 * each line (without its newline) goes to fn as it comes, so a caller can
 * turn progress chatter into a live line and pass the rest on. */
int child_lines(char *const argv[], void (*fn)(const char *line, void *arg), void *arg);

/* child_status converts a waitpid() status to the 0..255 / 128+N form. */
int child_status(int wstatus);

#endif
