/* The one live progress line on standard error: shown only when standard
 * error is a terminal and the tool is not quiet, redrawn at most five times
 * a second, and erased before any other message so that it never garbles
 * one (warn() and die() erase it first). */
#ifndef PGOKIT_PROGRESS_H
#define PGOKIT_PROGRESS_H

/* progress_init turns the line on when wanted and stderr is a terminal. */
void progress_init(int wanted);
int progress_on(void);

/* progress_show draws "prog: <text>" over the previous line; unless force,
 * at most every 200 ms. */
void progress_show(int force, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* progress_done prints "prog: <text>" as a line that stays (a finished
 * step), where the live line was. */
void progress_done(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* progress_clear erases the live line, if one is shown. */
void progress_clear(void);

#endif
