/* What a profile made Go's compiler do, read from the compiler's own
 * diagnostics (-d=pgodebug=2 -m=2, Go 1.21-1.23 wording): devirtualized call
 * sites, hot-budget inlines and the hot sites PGO left alone, with reasons. */
#ifndef PGOKIT_DECISIONS_H
#define PGOKIT_DECISIONS_H

#include <stddef.h>

/* The compiler flags whose output pgo_decisions_parse reads. */
#define PGO_DECISION_GCFLAGS "-d=pgodebug=2 -m=2"

enum pgo_decision_kind {
	PGO_DEVIRT,     /* an indirect call guarded by a direct one */
	PGO_INLINE,     /* inlined only thanks to the hot budget */
	PGO_MISSED,     /* a hot site or function PGO wanted and did not get */
};

struct pgo_decision {
	enum pgo_decision_kind kind;
	char *pkg;      /* the package being compiled ("# pkg" header) */
	char *pos;      /* file:line:col as the compiler prints it */
	char *caller;   /* function holding the site; NULL when not printed */
	char *callee;   /* concrete callee, inlined or wanted function */
	char *method;   /* devirt: the interface method; NULL for a func value */
	char *reason;   /* missed: why, in the compiler's words where it has them */
	long long cost; /* inline: the callee's inline cost; -1 unknown */
	long long weight; /* devirt/missed site: profile edge weight; -1 unknown */
};

struct pgo_pkg_total {
	char *pkg;
	size_t devirt, inl, missed;
};

struct pgo_decisions {
	struct pgo_decision *d;
	size_t n, cap;
	struct pgo_pkg_total *pkg;  /* every package the output names */
	size_t npkg, pkgcap;
	size_t devirt, inl, missed; /* totals */
	int pgo_seen;               /* a hot-callsite threshold was printed */
};

/* pgo_decisions_parse reads the combined go build output text (len bytes)
 * into *out (zeroed first). Lines it does not know are skipped; never fails
 * except for memory. */
void pgo_decisions_parse(const char *text, size_t len, struct pgo_decisions *out);
void pgo_decisions_free(struct pgo_decisions *ds);

/* pgo_symbol_pkg copies the package path of a Go symbol name
 * ("example.com/m/work.T.M" -> "example.com/m/work") into buf. */
void pgo_symbol_pkg(const char *sym, char *buf, size_t bufsz);

#endif
