/* Writing results: atomically to a named file (temp file in the same
 * directory, then rename, removed on a signal; what is not a regular file
 * written in place), or to stdout with the terminal guard for binary data
 * and a checked close. */
#ifndef PGOKIT_OUTPUT_H
#define PGOKIT_OUTPUT_H

#include <stddef.h>
#include <sys/types.h>

/* write_atomic writes buf to path through a temp file in the directory of
 * the file path names (symlinks followed; the links stay), fsync'd and
 * renamed over it; the previous file stays intact on any failure. A path
 * that exists and is not a regular file (/dev/null, a FIFO, /dev/stdout)
 * is written in place instead, never replaced. */
int write_atomic(const char *path, const void *buf, size_t len, mode_t mode);

/* output_resolve says how path is written: OUTPUT_REPLACE with *target
 * the regular file (or nothing yet) that a temp file beside it is renamed
 * onto, symlinks followed; OUTPUT_IN_PLACE when path must be opened and
 * written as it is. *target is malloc'd. -1 with seterr() when path is
 * empty or cannot be looked at. */
enum { OUTPUT_REPLACE = 0, OUTPUT_IN_PLACE = 1 };
int output_resolve(const char *path, char **target);

/* output_commit puts the complete file tmp (written by a child, such as
 * go build) where path names: renamed over output_resolve's target (tmp
 * must be beside it), or copied into an OUTPUT_IN_PLACE path. tmp is gone
 * afterwards, also on failure (-1 with seterr()). */
int output_commit(const char *tmp, const char *path);

/* output_arg checks the value of an output option (opt, e.g. "-o") when
 * the command line is parsed: an empty name is a usage error (exit 2). */
const char *output_arg(const char *opt, const char *arg);

/* umask_get returns the process umask without changing it. */
mode_t umask_get(void);

/* Temp files that a signal must not leave behind. tmp_register copies the
 * name (register before the file is created: a signal then never leaves
 * it); tmp_unregister forgets it (after rename or unlink). */
void tmp_register(const char *path);
void tmp_unregister(const char *path);
/* Installs SIGINT/TERM/HUP/PIPE handlers that unlink registered temps and
 * re-raise. write_atomic calls it itself. */
void tmp_install_handlers(void);

/* stdout_guard is the one terminal guard (curl's, gzip's): binary data
 * (what, e.g. "binary profiles") never goes to a terminal unless forced
 * with -o -. 0 when stdout may take it, else -1 with seterr(). Tools call
 * it before any work, so a refused run costs nothing. */
int stdout_guard(const char *what, int force);

/* write_stdout writes all of buf to stdout (fd 1). With binary set it refuses
 * a terminal unless force. -1 with seterr() on failure. */
int write_stdout(const void *buf, size_t len, int binary, int force);

/* write_output writes buf to path atomically, or to stdout when path is
 * NULL (binary data refused on a terminal) or "-" (forced). */
int write_output(const char *path, const void *buf, size_t len, int binary);

/* stdout_close flushes and closes stdout; a write error (>/dev/full) dies
 * with status 1. Call it at the end of main. */
void stdout_close(void);

#endif
