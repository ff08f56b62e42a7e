/* Unit tests for lib/pgo/decisions: Go 1.23's PGO diagnostics, lines as the
 * compiler printed them (t4004 runs the parser on a real build; these add
 * the cases a small program does not produce: a devirtualization blocked by
 * runtime.asyncPreempt, a big caller, a hot function too big to inline). */
#include <stdio.h>
#include <string.h>

#include "pgo/decisions.h"
#include "tap.h"

static const char out[] =
    "# example.com/rprog/work\n"
    "work/work.go:24:12: PGO devirtualize considering call pick(i)\n"
    "work/work.go:24:20: edge example.com/rprog/work.Sum:3 -> example.com/rprog/work.pick (weight 9): callee not a method\n"
    "work/work.go:24:20: edge example.com/rprog/work.Sum:3 -> example.com/rprog/work.Square.Area (weight 5): hottest so far\n"
    "work/work.go:24:20: edge example.com/rprog/work.Sum:3 -> runtime.asyncPreempt (weight 4): too cold (hottest 5)\n"
    "work/work.go:24:20: call example.com/rprog/work.Sum:3: hottest callee example.com/rprog/work.Square.Area (weight 5)\n"
    "work/work.go:24:20: PGO devirtualizing interface call .autotmp_4.Area to Square.Area\n"
    "work/work.go:40:9: edge example.com/rprog/work.Loop:2 -> runtime.asyncPreempt (weight 7) (missing IR): hottest so far\n"
    "work/work.go:40:9: call example.com/rprog/work.Loop:2: hottest callee runtime.asyncPreempt (weight 7)\n"
    "work/work.go:44:9: call example.com/rprog/work.Cold:1: hottest callee example.com/rprog/work.Square.Area (weight 0)\n"
    "hot-callsite-thres-from-CDF=0.16666666666666669\n"
    "hot-node enabled increased budget=2000 for func=example.com/rprog/work.Huge\n"
    "work/work.go:50:6: cannot inline Huge: function too complex: cost 2622 exceeds budget 2000\n"
    "hot-node enabled increased budget=2000 for func=example.com/rprog/work.Small\n"
    "work/work.go:60:6: can inline Small with cost 90 as: func() {  }\n"
    "work/work.go:70:6: cannot inline Other: function too complex: cost 99 exceeds budget 80\n"
    "# example.com/rprog\n"
    "hot-callsite-thres-from-CDF=0.16666666666666669\n"
    "hot-budget check allows inlining for call example.com/rprog/work.Sum (cost 169) at ./main.go:21:22 in function main.main\n"
    "hot-budget check allows inlining for call example.com/rprog/work.Sum (cost 169) at ./main.go:21:22 in function main.main\n"
    "hot-big check disallows inlining for call example.com/rprog/work.Mix (cost 99) at ./main.go:22:9 in big function main.big\n"
    "# fmt\n";

static const struct pgo_decision *
find(const struct pgo_decisions *ds, enum pgo_decision_kind k, const char *pos)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->d[i].kind == k && !strcmp(ds->d[i].pos, pos))
			return &ds->d[i];
	return NULL;
}

int
main(void)
{
	struct pgo_decisions ds;
	const struct pgo_decision *d;
	char pkg[128];

	pgo_decisions_parse(out, sizeof out - 1, &ds);
	ok(ds.pgo_seen, "the hot-callsite threshold is seen");
	ok(ds.devirt == 1 && ds.inl == 1 && ds.missed == 3,
	    "1 devirtualized, 1 inlined (a repeated line once), 3 missed: %zu %zu %zu",
	    ds.devirt, ds.inl, ds.missed);
	ok(ds.npkg == 3 && !strcmp(ds.pkg[2].pkg, "fmt"), "every package header counts");
	d = find(&ds, PGO_DEVIRT, "work/work.go:24:20");
	ok(d && !strcmp(d->method, "Area") && !strcmp(d->callee, "example.com/rprog/work.Square.Area") &&
	    !strcmp(d->caller, "example.com/rprog/work.Sum") && d->weight == 5 &&
	    !strcmp(d->pkg, "example.com/rprog/work"), "devirtualization: method, full callee, caller, weight");
	d = find(&ds, PGO_MISSED, "work/work.go:40:9");
	ok(d && strstr(d->reason, "runtime.asyncPreempt") && strstr(d->reason, "not a call"),
	    "asyncPreempt blocking devirtualization is a missed site with its reason");
	ok(!find(&ds, PGO_MISSED, "work/work.go:44:9"), "a weight 0 hottest callee is not hot");
	d = find(&ds, PGO_MISSED, "work/work.go:50:6");
	ok(d && !strcmp(d->callee, "example.com/rprog/work.Huge") && strstr(d->reason, "cost 2622"),
	    "a hot function too big to inline");
	ok(!find(&ds, PGO_MISSED, "work/work.go:70:6"), "a cold function that cannot inline is not listed");
	d = find(&ds, PGO_INLINE, "./main.go:21:22");
	ok(d && d->cost == 169 && !strcmp(d->caller, "main.main") &&
	    !strcmp(d->pkg, "example.com/rprog"), "hot-budget inline: cost, caller, package");
	d = find(&ds, PGO_MISSED, "./main.go:22:9");
	ok(d && strstr(d->reason, "big function"), "hot-big check is a missed inline");
	ok(ds.pkg[0].devirt == 1 && ds.pkg[0].missed == 2 && ds.pkg[1].inl == 1 && ds.pkg[1].missed == 1,
	    "totals per package");
	pgo_decisions_free(&ds);
	pgo_symbol_pkg("example.com/m/work.(*T).M", pkg, sizeof pkg);
	ok(!strcmp(pkg, "example.com/m/work"), "symbol package: %s", pkg);
	pgo_symbol_pkg("main.main", pkg, sizeof pkg);
	ok(!strcmp(pkg, "main"), "symbol package of main: %s", pkg);
	return tap_done();
}
