/* Unit tests for the signal-injected frames (lib/pgo/artefact) and their
 * removal by pgo-build's preparation (lib/pgo/prepare): which frames go,
 * that the interrupted function becomes the leaf at its line, that shared
 * and inlined locations stay whole, the counts, --keep-frames, and the
 * --check warning. The profile is built here frame by frame, so every case
 * is there whatever the runtime's preemption did. */
#include <stdlib.h>
#include <string.h>

#include "pgo/artefact.h"
#include "pgo/check.h"
#include "pgo/edges.h"
#include "pgo/prepare.h"
#include "pprof/profile.h"
#include "tap.h"
#include "util/err.h"

enum { F_CALLER = 1, F_M, F_PREEMPT, F_PREEMPT2, F_SIGPANIC, F_INL, F_ROOT, NFUNC = F_ROOT };
enum { L_SITE = 1, L_M, L_PREEMPT, L_PREEMPT2, L_SIGPANIC, L_INLINED, L_ROOT, NLOC = L_ROOT };

static char *strings[] = {
	"", "samples", "count", "cpu", "nanoseconds", "main.caller", "main.T.M",
	"runtime.asyncPreempt", "runtime.asyncPreempt2", "runtime.sigpanic",
	"main.inl", "main.root", "x.go",
};
/* function id -> name string, start line */
static const int fname[] = { 0, 5, 6, 7, 8, 9, 10, 11 };
static const int fstart[] = { 0, 10, 20, 7, 50, 60, 30, 1 };

/* The samples, leaf first, 0-terminated, with their samples/count value. */
struct spec {
	uint64_t loc[5];
	int64_t value;
};
static const struct spec samples[] = {
	{ { L_M, L_SITE, L_ROOT }, 10 },                        /* a real call */
	{ { L_PREEMPT, L_SITE, L_ROOT }, 5 },                   /* preempted at the site */
	{ { L_PREEMPT2, L_PREEMPT, L_INLINED, L_ROOT }, 2 },    /* in the preemption */
	{ { L_SIGPANIC, L_SITE, L_ROOT }, 1 },                  /* a fault at the site */
	{ { L_PREEMPT }, 1 },                                   /* nothing interrupted */
	{ { L_M, L_SIGPANIC, L_SITE }, 1 },                     /* the panic's own call */
};
#define NSAMPLE (sizeof(samples) / sizeof(samples[0]))

/* build encodes the first n samples as a pprof profile and decodes it, so
 * the test reads a profile as every tool does. */
static struct profile *
build(size_t n)
{
	PbProfile pb = PERFTOOLS__PROFILES__PROFILE__INIT;
	PbValueType vt[2] = { PERFTOOLS__PROFILES__VALUE_TYPE__INIT, PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	PbValueType *vtp[2] = { &vt[0], &vt[1] };
	PbFunction fn[NFUNC], *fnp[NFUNC];
	PbLocation loc[NLOC], *locp[NLOC];
	PbLine line[NLOC + 1], *linep[NLOC][2];
	PbSample smp[NSAMPLE], *smpp[NSAMPLE];
	int64_t val[NSAMPLE][2];
	uint64_t ids[NSAMPLE][5];
	/* location -> (function, line); L_INLINED also has main.caller:14 */
	static const int lfunc[] = { 0, F_CALLER, F_M, F_PREEMPT, F_PREEMPT2, F_SIGPANIC, F_INL, F_ROOT };
	static const int lline[] = { 0, 13, 21, 8, 51, 61, 31, 3 };
	size_t i, k;
	uint8_t *buf;
	size_t len;
	struct profile *p;

	vt[0].type = 1, vt[0].unit = 2, vt[1].type = 3, vt[1].unit = 4;
	for (i = 0; i < NFUNC; i++) {
		fn[i] = (PbFunction)PERFTOOLS__PROFILES__FUNCTION__INIT;
		fn[i].id = i + 1;
		fn[i].name = fname[i + 1];
		fn[i].filename = 12;
		fn[i].start_line = fstart[i + 1];
		fnp[i] = &fn[i];
	}
	for (i = 0; i < NLOC; i++) {
		line[i] = (PbLine)PERFTOOLS__PROFILES__LINE__INIT;
		line[i].function_id = (uint64_t)lfunc[i + 1];
		line[i].line = lline[i + 1];
		linep[i][0] = &line[i];
		loc[i] = (PbLocation)PERFTOOLS__PROFILES__LOCATION__INIT;
		loc[i].id = i + 1;
		loc[i].address = 0x1000 + 16 * i;
		loc[i].n_line = 1;
		loc[i].line = linep[i];
		locp[i] = &loc[i];
	}
	/* main.inl inlined into main.caller at line 14: one location, two lines */
	line[NLOC] = (PbLine)PERFTOOLS__PROFILES__LINE__INIT;
	line[NLOC].function_id = F_CALLER;
	line[NLOC].line = 14;
	linep[L_INLINED - 1][1] = &line[NLOC];
	loc[L_INLINED - 1].n_line = 2;
	for (i = 0; i < n; i++) {
		smp[i] = (PbSample)PERFTOOLS__PROFILES__SAMPLE__INIT;
		for (k = 0; k < 5 && samples[i].loc[k]; k++)
			ids[i][k] = samples[i].loc[k];
		smp[i].n_location_id = k;
		smp[i].location_id = ids[i];
		val[i][0] = samples[i].value;
		val[i][1] = samples[i].value * 10000000;
		smp[i].n_value = 2;
		smp[i].value = val[i];
		smpp[i] = &smp[i];
	}
	pb.n_sample_type = 2, pb.sample_type = vtp;
	pb.n_function = NFUNC, pb.function = fnp;
	pb.n_location = NLOC, pb.location = locp;
	pb.n_sample = n, pb.sample = smpp;
	pb.n_string_table = sizeof(strings) / sizeof(strings[0]);
	pb.string_table = strings;
	len = perftools__profiles__profile__get_packed_size(&pb);
	buf = xmalloc(len ? len : 1);
	perftools__profiles__profile__pack(&pb, buf);
	p = profile_decode(buf, len);
	free(buf);
	return p;
}

/* weight of edge caller -> callee at offset in e; -1 when absent. */
static int64_t
edge(const struct pgo_edges *e, const char *caller, const char *callee, int64_t offset)
{
	for (size_t i = 0; i < e->nedge; i++)
		if (!strcmp(e->edge[i].caller, caller) && !strcmp(e->edge[i].callee, callee) &&
		    e->edge[i].offset == offset)
			return e->edge[i].weight;
	return -1;
}

static int
has_callee(const struct pgo_edges *e, const char *name)
{
	for (size_t i = 0; i < e->nedge; i++)
		if (!strcmp(e->edge[i].callee, name) || !strcmp(e->edge[i].caller, name))
			return 1;
	return 0;
}

static void
test_cut(void)
{
	static const size_t want[] = { 0, 1, 2, 1, 1, 0 };
	static const int wkind[] = { -1, PGO_ART_PREEMPT, PGO_ART_PREEMPT,
		PGO_ART_SIGPANIC, PGO_ART_PREEMPT, -1 };
	struct profile *p = build(NSAMPLE);
	uint8_t *lk;

	if (!p) {
		ok(0, "profile decodes: %s", errmsg());
		return;
	}
	lk = pgo_artefact_locations(p);
	for (size_t i = 0; i < NSAMPLE; i++) {
		int kind = -1;
		size_t cut = pgo_artefact_cut(p, lk, p->pb->sample[i], &kind);

		ok(cut == want[i] && (cut == 0 || kind == wkind[i]),
		    "sample %zu: cut %zu (want %zu), kind %d", i, cut, want[i], kind);
	}
	free(lk);
	profile_free(p);
}

static void
test_prepare(void)
{
	struct pgoprep_opts o = { 0 };
	struct pgoprep_stats st;
	struct pgo_edges e;
	struct profile *p = build(NSAMPLE);

	ok(p && pgo_prepare(p, &o, &st) == 0, "prepare");
	ok(st.removed[PGO_ART_PREEMPT] == 3 && st.removed_weight[PGO_ART_PREEMPT] == 8,
	    "3 preempted samples, weight 8 (got %zu, %lld)", st.removed[PGO_ART_PREEMPT],
	    (long long)st.removed_weight[PGO_ART_PREEMPT]);
	ok(st.removed[PGO_ART_SIGPANIC] == 1 && st.removed_weight[PGO_ART_SIGPANIC] == 1,
	    "1 leaf sigpanic sample, weight 1");
	ok(st.weight_in == 20, "weight in: 20");
	ok(pgo_edges_build(p, -1, &e) == 0, "edges of the prepared profile");
	ok(!has_callee(&e, "runtime.asyncPreempt") && !has_callee(&e, "runtime.asyncPreempt2"),
	    "no preemption edge is left");
	ok(edge(&e, "main.caller", "runtime.sigpanic", 3) < 0, "no edge into a leaf sigpanic");
	ok(edge(&e, "runtime.sigpanic", "main.T.M", 1) == 1, "sigpanic's own call stays");
	ok(edge(&e, "main.caller", "main.T.M", 3) == 10, "the real call keeps its weight");
	/* preempted at the site (5), faulted there (1), preempted in the
	 * inlined frame (2): the interrupted function is now the leaf */
	ok(edge(&e, "main.root", "main.caller", 2) == 8, "root -> caller gains 8 (got %lld)",
	    (long long)edge(&e, "main.root", "main.caller", 2));
	ok(edge(&e, "main.caller", "main.inl", 4) == 2,
	    "the interrupted inlined frame keeps its line (caller:14 -> inl)");
	ok(profile_location(p, L_INLINED) && profile_location(p, L_INLINED)->n_line == 2,
	    "the inlined location keeps both its lines");
	pgo_edges_free(&e);
	profile_free(p);
}

static void
test_keep_frames(void)
{
	struct pgoprep_opts o = { .keep_frames = 1, .keep = 100 };
	struct pgoprep_stats st;
	struct pgo_edges e;
	struct profile *p = build(NSAMPLE);

	ok(p && pgo_prepare(p, &o, &st) == 0, "prepare --keep-frames");
	ok(st.removed[PGO_ART_PREEMPT] == 0 && st.removed[PGO_ART_SIGPANIC] == 0,
	    "--keep-frames removes nothing");
	ok(pgo_edges_build(p, -1, &e) == 0 &&
	    edge(&e, "main.caller", "runtime.asyncPreempt", 3) == 5,
	    "--keep-frames: caller:3 -> runtime.asyncPreempt stays");
	pgo_edges_free(&e);
	profile_free(p);
}

static void
test_check_warns(void)
{
	struct pgo_verdict v;
	struct profile *p = build(NSAMPLE);

	ok(p && pgo_check(p, &v) == 1, "polluted: still usable");
	ok(v.nwarning == 2 && strstr(v.warning[0], "runtime.asyncPreempt frames hold 40.0% of the samples") &&
	    strstr(v.warning[1], "runtime.sigpanic leaf frames hold 5.0%") &&
	    strstr(v.warning[0], "pgo-build removes them"),
	    "two warnings: %s | %s", v.nwarning ? v.warning[0] : "", v.nwarning > 1 ? v.warning[1] : "");
	profile_free(p);
	p = build(1);
	ok(p && pgo_check(p, &v) == 1 && v.nwarning == 0, "clean: no warning");
	profile_free(p);
	/* 1 preempted sample in 51: under 2% of the samples... */
	{
		struct pgo_artefact_share s = { .total = 51, .hot_total = 51 };
		char buf[512];

		s.weight[PGO_ART_PREEMPT] = 1, s.hot[PGO_ART_PREEMPT] = 1;
		ok(!pgo_artefact_warning(&s, PGO_ART_PREEMPT, buf, sizeof(buf)), "1.96%%: no warning");
		s.hot[PGO_ART_PREEMPT] = 2;
		ok(pgo_artefact_warning(&s, PGO_ART_PREEMPT, buf, sizeof(buf)),
		    "...but 3.9%% of the hot-edge weight: a warning");
	}
}

int
main(void)
{
	test_cut();
	test_prepare();
	test_keep_frames();
	test_check_warns();
	return tap_done();
}
