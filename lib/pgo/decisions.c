/* Parsing Go's PGO diagnostics into decisions (decisions.h). The compiler
 * prints each fact on its own line, in the order it works through a package:
 * a devirtualization shows as "call C:N: hottest callee X" then, if it went
 * ahead, "PGO devirtualizing ..."; an inline as one "hot-budget" line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/decisions.h"
#include "util/err.h"

/* A devirtualization candidate waiting for its outcome line. */
struct pending {
	char *pos, *caller, *callee, *reason;
	long long weight;
};

struct parser {
	struct pgo_decisions *ds;
	char *pkg;                  /* current "# pkg" */
	struct pending *p;
	size_t np, pcap;
	char *noir_pos, *noir_callee; /* last "(missing IR): hottest so far" edge */
	char *hot_func;             /* last "hot-node" function */
};

static char *
dupn(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static struct pgo_pkg_total *
pkg_total(struct pgo_decisions *ds, const char *pkg)
{
	for (size_t i = 0; i < ds->npkg; i++)
		if (!strcmp(ds->pkg[i].pkg, pkg))
			return &ds->pkg[i];
	if (ds->npkg == ds->pkgcap) {
		ds->pkgcap = ds->pkgcap ? 2 * ds->pkgcap : 16;
		ds->pkg = xrealloc(ds->pkg, ds->pkgcap * sizeof *ds->pkg);
	}
	memset(&ds->pkg[ds->npkg], 0, sizeof ds->pkg[0]);
	ds->pkg[ds->npkg].pkg = xstrdup(pkg);
	return &ds->pkg[ds->npkg++];
}

static int
same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* add records a decision unless the compiler already printed the same one
 * (it may weigh one call site more than once). Takes ownership of strings. */
static void
add(struct parser *ps, struct pgo_decision d)
{
	struct pgo_decisions *ds = ps->ds;
	struct pgo_pkg_total *t;

	d.pkg = xstrdup(ps->pkg ? ps->pkg : "");
	for (size_t i = 0; i < ds->n; i++) {
		struct pgo_decision *o = &ds->d[i];

		if (o->kind == d.kind && same(o->pkg, d.pkg) && same(o->pos, d.pos) &&
		    same(o->callee, d.callee)) {
			free(d.pkg); free(d.pos); free(d.caller);
			free(d.callee); free(d.method); free(d.reason);
			return;
		}
	}
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? 2 * ds->cap : 32;
		ds->d = xrealloc(ds->d, ds->cap * sizeof *ds->d);
	}
	ds->d[ds->n++] = d;
	t = pkg_total(ds, d.pkg);
	switch (d.kind) {
	case PGO_DEVIRT: t->devirt++; ds->devirt++; break;
	case PGO_INLINE: t->inl++; ds->inl++; break;
	case PGO_MISSED: t->missed++; ds->missed++; break;
	}
}

static void
pending_free(struct pending *p)
{
	free(p->pos); free(p->caller); free(p->callee); free(p->reason);
}

/* flush turns the candidates that never got "PGO devirtualizing" into
 * missed sites: the compiler found a hottest callee and did not use it.
 * Weight 0 sites are not hot; they are dropped. */
static void
flush(struct parser *ps)
{
	for (size_t i = 0; i < ps->np; i++) {
		struct pending *p = &ps->p[i];

		if (p->weight > 0) {
			add(ps, (struct pgo_decision){ .kind = PGO_MISSED, .pos = p->pos,
			    .caller = p->caller, .callee = p->callee, .cost = -1,
			    .weight = p->weight, .reason = p->reason ? p->reason :
			    xstrdup("devirtualization: the hottest callee was not used") });
			p->pos = p->caller = p->callee = p->reason = NULL;
		}
		pending_free(p);
	}
	ps->np = 0;
}

/* noir_reason: why a hottest callee without IR blocks devirtualization. */
static char *
noir_reason(const char *callee)
{
	char buf[512];

	if (!strcmp(callee, "runtime.asyncPreempt"))
		snprintf(buf, sizeof buf, "devirtualization: the hottest callee is "
		    "runtime.asyncPreempt, a preemption signal, not a call (remove it "
		    "from the profile)");
	else
		snprintf(buf, sizeof buf, "devirtualization: the hottest callee %s has "
		    "no IR in this package (not a method the compiler can see)", callee);
	return xstrdup(buf);
}

/* on_hottest: "call CALLER:OFF: hottest callee CALLEE (weight W)". */
static void
on_hottest(struct parser *ps, const char *pos, size_t poslen, const char *rest)
{
	const char *cal = rest + 5, *colon = strstr(cal, ": hottest callee ");
	const char *callee, *w, *off;
	struct pending p = { 0 };

	if (!colon)
		return;
	/* CALLER:OFF: the offset follows the last ':' before the colon. */
	for (off = colon; off > cal && off[-1] != ':'; off--)
		;
	p.pos = dupn(pos, poslen);
	p.caller = dupn(cal, (size_t)(off > cal ? off - 1 - cal : colon - cal));
	callee = colon + strlen(": hottest callee ");
	w = strstr(callee, " (weight ");
	p.callee = dupn(callee, w ? (size_t)(w - callee) : strlen(callee));
	p.weight = w ? strtoll(w + 9, NULL, 10) : -1;
	if (same(ps->noir_pos, p.pos) && same(ps->noir_callee, p.callee))
		p.reason = noir_reason(p.callee);
	if (ps->np == ps->pcap) {
		ps->pcap = ps->pcap ? 2 * ps->pcap : 16;
		ps->p = xrealloc(ps->p, ps->pcap * sizeof *ps->p);
	}
	ps->p[ps->np++] = p;
}

/* on_noir: "edge C:N -> CALLEE (weight W) (missing IR): hottest so far". */
static void
on_noir(struct parser *ps, const char *pos, size_t poslen, const char *rest)
{
	const char *arrow = strstr(rest, " -> "), *end;

	if (!arrow)
		return;
	arrow += 4;
	end = strstr(arrow, " (weight ");
	if (!end)
		return;
	free(ps->noir_pos);
	free(ps->noir_callee);
	ps->noir_pos = dupn(pos, poslen);
	ps->noir_callee = dupn(arrow, (size_t)(end - arrow));
}

/* short_name: a symbol without its package path, as -m prints names. */
static const char *
short_name(const char *sym)
{
	const char *slash = strrchr(sym, '/'), *dot;

	dot = strchr(slash ? slash : sym, '.');
	return dot ? dot + 1 : sym;
}

/* on_devirtualizing: "PGO devirtualizing {interface,function} call F to C". */
static void
on_devirtualizing(struct parser *ps, const char *pos, size_t poslen, const char *rest)
{
	int iface = !strncmp(rest, "PGO devirtualizing interface call ", 34);
	const char *fun = rest + (iface ? 34 : 33), *to = strstr(fun, " to ");
	struct pgo_decision d = { .kind = PGO_DEVIRT, .cost = -1, .weight = -1 };

	if (!to)
		return;
	d.pos = dupn(pos, poslen);
	if (iface) {
		const char *dot = fun;

		for (const char *q = fun; q < to; q++)
			if (*q == '.')
				dot = q + 1;
		d.method = dupn(dot, (size_t)(to - dot));
	}
	for (size_t i = 0; i < ps->np; i++)
		if (!strcmp(ps->p[i].pos, d.pos)) {
			d.caller = ps->p[i].caller;
			d.callee = ps->p[i].callee;
			d.weight = ps->p[i].weight;
			ps->p[i].caller = ps->p[i].callee = NULL;
			pending_free(&ps->p[i]);
			ps->p[i] = ps->p[--ps->np];
			break;
		}
	if (!d.callee)
		d.callee = xstrdup(to + 4);
	add(ps, d);
}

/* on_hot_inline: "hot-budget check allows inlining for call C (cost N) at
 * POS in function F", or "hot-big check disallows ... in big function F". */
static void
on_hot_inline(struct parser *ps, const char *line, int allowed)
{
	const char *c = strstr(line, " for call "), *cost, *at, *in;
	struct pgo_decision d = { .kind = allowed ? PGO_INLINE : PGO_MISSED, .weight = -1 };

	if (!c || !(cost = strstr(c, " (cost ")) || !(at = strstr(cost, ") at ")) ||
	    !(in = strstr(at, allowed ? " in function " : " in big function ")))
		return;
	c += 10;
	d.callee = dupn(c, (size_t)(cost - c));
	d.cost = strtoll(cost + 7, NULL, 10);
	d.pos = dupn(at + 5, (size_t)(in - at - 5));
	in += allowed ? 13 : 17;
	d.caller = xstrdup(in);
	if (!allowed) {
		char buf[512];

		snprintf(buf, sizeof buf, "inlining: the caller %s is a big function "
		    "(hot-big check)", d.caller);
		d.reason = xstrdup(buf);
	}
	add(ps, d);
}

/* on_cannot_inline: "cannot inline NAME: REASON" right after the hot-node
 * line of the same function: a hot function no budget could inline. */
static void
on_cannot_inline(struct parser *ps, const char *pos, size_t poslen, const char *rest)
{
	const char *name = rest + 14, *colon = strstr(name, ": ");
	char buf[512];

	if (!ps->hot_func || !colon || strlen(short_name(ps->hot_func)) != (size_t)(colon - name) ||
	    strncmp(short_name(ps->hot_func), name, (size_t)(colon - name)) != 0)
		return;
	snprintf(buf, sizeof buf, "inlining: the hot function cannot be inlined: %s", colon + 2);
	add(ps, (struct pgo_decision){ .kind = PGO_MISSED, .pos = dupn(pos, poslen),
	    .callee = xstrdup(ps->hot_func), .reason = xstrdup(buf), .cost = -1, .weight = -1 });
}

static void
set_pkg(struct parser *ps, const char *line)
{
	size_t n = strcspn(line + 2, " ");

	flush(ps);
	free(ps->pkg);
	ps->pkg = dupn(line + 2, n);
	pkg_total(ps->ds, ps->pkg);
}

/* parse_line dispatches one output line on its wording. */
static void
parse_line(struct parser *ps, const char *line)
{
	const char *rest;

	if (!strncmp(line, "# ", 2)) {
		set_pkg(ps, line);
		return;
	}
	if (!strncmp(line, "hot-callsite-thres-from-CDF=", 28)) {
		ps->ds->pgo_seen = 1;
		return;
	}
	if (!strncmp(line, "hot-budget check allows inlining for call ", 42) ||
	    !strncmp(line, "hot-big check disallows inlining for call ", 42)) {
		on_hot_inline(ps, line, !strncmp(line, "hot-budget", 10));
		return;
	}
	if (!strncmp(line, "hot-node enabled increased budget=", 34)) {
		const char *f = strstr(line, " for func=");

		free(ps->hot_func);
		ps->hot_func = f ? xstrdup(f + 10) : NULL;
		return;
	}
	if (!(rest = strstr(line, ": ")))
		return;
	size_t poslen = (size_t)(rest - line);
	rest += 2;
	if (!strncmp(rest, "call ", 5) && strstr(rest, ": hottest callee "))
		on_hottest(ps, line, poslen, rest);
	else if (!strncmp(rest, "edge ", 5) && strstr(rest, " (missing IR): hottest so far"))
		on_noir(ps, line, poslen, rest);
	else if (!strncmp(rest, "PGO devirtualizing interface call ", 34) ||
	    !strncmp(rest, "PGO devirtualizing function call ", 33))
		on_devirtualizing(ps, line, poslen, rest);
	else if (!strncmp(rest, "should not PGO devirtualize ", 28) && ps->np > 0 &&
	    !ps->p[ps->np - 1].reason) {
		char buf[512];

		snprintf(buf, sizeof buf, "devirtualization: %s", rest);
		ps->p[ps->np - 1].reason = xstrdup(buf);
	} else if (!strncmp(rest, "cannot inline ", 14) && !strstr(rest, " into "))
		on_cannot_inline(ps, line, poslen, rest);
	else if (!strncmp(rest, "can inline ", 11) || !strncmp(rest, "cannot inline ", 14)) {
		free(ps->hot_func);
		ps->hot_func = NULL;
	}
}

void
pgo_decisions_parse(const char *text, size_t len, struct pgo_decisions *out)
{
	struct parser ps = { .ds = out };
	const char *p = text, *end = text + len;

	memset(out, 0, sizeof *out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = dupn(p, n);

		parse_line(&ps, line);
		free(line);
		p += n + 1;
	}
	flush(&ps);
	free(ps.p);
	free(ps.pkg);
	free(ps.noir_pos);
	free(ps.noir_callee);
	free(ps.hot_func);
}

void
pgo_decisions_free(struct pgo_decisions *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		struct pgo_decision *d = &ds->d[i];

		free(d->pkg); free(d->pos); free(d->caller);
		free(d->callee); free(d->method); free(d->reason);
	}
	for (size_t i = 0; i < ds->npkg; i++)
		free(ds->pkg[i].pkg);
	free(ds->d);
	free(ds->pkg);
	memset(ds, 0, sizeof *ds);
}

void
pgo_symbol_pkg(const char *sym, char *buf, size_t bufsz)
{
	const char *slash = strrchr(sym, '/'), *dot;
	size_t n;

	dot = strchr(slash ? slash : sym, '.');
	n = dot ? (size_t)(dot - sym) : strlen(sym);
	snprintf(buf, bufsz, "%.*s", (int)n, sym);
}
