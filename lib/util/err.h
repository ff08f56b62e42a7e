/* Diagnostics, checked allocation and the last-error buffer every lib/ module
 * reports through. One die()/warn() pair for every tool (sbase eprintf). */
#ifndef PGOKIT_UTIL_H
#define PGOKIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdnoreturn.h>

extern const char *argv0;

/* err_status is the status die() exits with: 1, or 2 in a check mode where
 * 1 means "no" and any failure (out of memory too) must not read as one. */
extern int err_status;

/* setprogname stores the basename of argv[0] for messages. */
void setprogname(const char *arg0);

/* err_before_message, when set, runs before any message is printed: the
 * progress line (progress.c) erases itself there. */
extern void (*err_before_message)(void);

/* "prog: message" on stderr; a trailing ':' in fmt appends strerror(errno). */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void diex(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* lib/ functions fail by returning -1 or NULL after seterr(); the caller
 * prints errmsg() with its own context ("file: <errmsg>"). A trailing ':'
 * appends strerror(errno), as with warn(). */
void seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *errmsg(void);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

#endif
