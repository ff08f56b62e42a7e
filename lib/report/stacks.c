/* Sample stacks by frame name, root first, identical stacks summed; used by
 * --folded and --svg. Frames without a function are named after their
 * binary and address so they stay apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/htab.h"
#include "util/keymap.h"
#include "pprof/locframes.h"
#include "pprof/sampleiter.h"
#include "report/stacks.h"
#include "util/err.h"
#include "util/sat.h"

#define NO_NODE UINT32_MAX

struct frame_ctx {
	const struct profile *p;
	struct strmap *names;
};

/* frame_name interns a frame's function name, or its address when it has
 * none. */
static size_t frame_name(void *arg, const PbLocation *l, const PbLine *ln)
{
	struct frame_ctx *c = arg;
	const PbFunction *f = ln ? profile_function(c->p, ln->function_id) : NULL;
	const char *n = f ? profile_str(c->p, f->name) : "";
	char buf[64];
	if (!n[0]) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)l->address);
		n = buf;
	}
	return strmap_intern(c->names, n, NULL);
}

static size_t bucket(const struct stacks *s, uint32_t parent, uint32_t name)
{
	return hash_fold(hash_u64(hash_u64(0, parent), name)) & (s->nhead - 1);
}

/* grow_index doubles the buckets and links every node again. The trie
 * keeps its own chained index (a bucket word per node, the link in the
 * node) rather than util/htab's slots: two words per node at half load
 * would cost more than the nodes. */
static void grow_index(struct stacks *s)
{
	free(s->head);
	s->nhead = s->nhead ? s->nhead * 2 : 1024;
	s->head = xreallocarray(NULL, s->nhead, sizeof(*s->head));
	memset(s->head, 0xff, s->nhead * sizeof(*s->head));
	for (size_t i = 1; i < s->nnode; i++) {
		size_t b = bucket(s, s->node[i].parent, s->node[i].name);
		s->node[i].next = s->head[b];
		s->head[b] = (uint32_t)i;
	}
}

int64_t stacks_child(const struct stacks *s, uint32_t parent, uint32_t name)
{
	if (!s->head)
		return -1;
	for (uint32_t i = s->head[bucket(s, parent, name)]; i != NO_NODE; i = s->node[i].next)
		if (s->node[i].parent == parent && s->node[i].name == name)
			return i;
	return -1;
}

/* child finds or adds parent's child of frame name. */
static uint32_t child(struct stacks *s, size_t *cap, uint32_t parent, uint32_t name)
{
	int64_t got = stacks_child(s, parent, name);
	if (got >= 0)
		return (uint32_t)got;
	if (s->nnode >= NO_NODE)
		die("more than %u distinct stack frames", NO_NODE - 1);
	if (s->nnode == *cap) {
		*cap *= 2;
		s->node = xreallocarray(s->node, *cap, sizeof(*s->node));
	}
	uint32_t i = (uint32_t)s->nnode++;
	struct stack_node *nd = &s->node[i];
	memset(nd, 0, sizeof(*nd));
	nd->name = name;
	nd->parent = parent;
	nd->depth = s->node[parent].depth + 1;
	if (s->nnode > s->nhead)
		grow_index(s);
	else {
		size_t b = bucket(s, parent, name);
		nd->next = s->head[b];
		s->head[b] = i;
	}
	return i;
}

/* The previous stack added: its frames and the node of each, root first.
 * Samples of one program share their root-most frames (runtime.goexit,
 * the server loop, ...): those nodes are not looked up again. */
struct last_path {
	uint32_t *fr, *node;
	size_t d, cap;
};

/* add_stack sums w into the stack of frames fr[0..d) (root first). */
static void add_stack(struct stacks *s, size_t *cap, size_t *ecap,
    struct last_path *lp, const uint32_t *fr, size_t d, int64_t w)
{
	uint32_t cur = 0;
	size_t x = 0;
	while (x < d && x < lp->d && fr[x] == lp->fr[x])
		cur = lp->node[x++];
	if (d > lp->cap) {
		lp->cap = d + 64;
		lp->fr = xreallocarray(lp->fr, lp->cap, sizeof(*lp->fr));
		lp->node = xreallocarray(lp->node, lp->cap, sizeof(*lp->node));
	}
	for (; x < d; x++) {
		cur = child(s, cap, cur, fr[x]);
		lp->fr[x] = fr[x];
		lp->node[x] = cur;
	}
	lp->d = d;
	struct stack_node *nd = &s->node[cur];
	if (!nd->is_end) {
		nd->is_end = 1;
		if (s->nstack == *ecap) {
			*ecap = *ecap ? *ecap * 2 : 256;
			s->end = xreallocarray(s->end, *ecap, sizeof(*s->end));
		}
		s->end[s->nstack++] = cur;
	}
	nd->sum = sat_add(nd->sum, w);
	s->total = sat_add(s->total, w);
}

int stacks_build(const struct profile *p, const char *spec, struct stacks *s)
{
	const PbProfile *pb = p->pb;
	memset(s, 0, sizeof(*s));
	int vi = profile_sample_type(p, spec);
	if (vi < 0)
		return -1;
	s->sample_index = vi;
	s->type = profile_str(p, pb->sample_type[vi]->type);
	s->unit = profile_str(p, pb->sample_type[vi]->unit);
	s->names = strmap_new();
	size_t cap = 1024, ecap = 0;
	s->node = xcalloc(cap, sizeof(*s->node));
	s->nnode = 1;
	grow_index(s);

	/* per location: frame name ids, leaf first */
	struct frame_ctx c = { p, s->names };
	struct locframes lf;
	locframes_build(&lf, p, frame_name, &c);

	uint32_t *fr = NULL;
	size_t frcap = 0;
	struct last_path lp = { NULL, NULL, 0, 0 };
	struct sample_iter it;
	sample_iter_init(&it, p, NULL, 0);
	while (sample_iter_next(&it) == 1) {
		int64_t w = it.val[vi];
		if (w == 0)
			continue;
		size_t d = 0;
		for (size_t li = it.nloc; li-- > 0;) {
			int64_t loc = idmap_get(&p->locs, it.loc[li]);
			if (loc < 0)
				continue;
			for (size_t x = lf.start[loc + 1]; x-- > lf.start[loc];) {
				if (d == frcap) {
					frcap = frcap ? frcap * 2 : 64;
					fr = xreallocarray(fr, frcap, sizeof(*fr));
				}
				fr[d++] = (uint32_t)lf.node[x];
			}
		}
		add_stack(s, &cap, &ecap, &lp, fr, d, w);
	}
	sample_iter_free(&it);
	free(fr);
	free(lp.fr);
	free(lp.node);
	locframes_free(&lf);
	return 0;
}

size_t stacks_path(const struct stacks *s, uint32_t node, uint32_t **buf, size_t *cap)
{
	size_t d = s->node[node].depth;
	if (d > *cap) {
		*cap = d + 64;
		*buf = xreallocarray(*buf, *cap, sizeof(**buf));
	}
	for (size_t x = d; x-- > 0; node = s->node[node].parent)
		(*buf)[x] = s->node[node].name;
	return d;
}

uint32_t *stacks_children(const struct stacks *s, const int64_t *value, uint32_t **kids)
{
	uint32_t *first = xcalloc(s->nnode + 1, sizeof(*first));
	*kids = xcalloc(s->nnode ? s->nnode : 1, sizeof(**kids));
	for (size_t i = 1; i < s->nnode; i++)
		if (!value || value[i] > 0)
			first[s->node[i].parent + 1]++;
	for (size_t u = 0; u < s->nnode; u++)
		first[u + 1] += first[u];
	/* fill each range from its start, which leaves first[u] at the start
	 * of u + 1's: shift back after */
	for (size_t i = 1; i < s->nnode; i++)
		if (!value || value[i] > 0)
			(*kids)[first[s->node[i].parent]++] = (uint32_t)i;
	for (size_t u = s->nnode; u > 0; u--)
		first[u] = first[u - 1];
	first[0] = 0;
	return first;
}

void stacks_drop_index(struct stacks *s)
{
	free(s->head);
	s->head = NULL;
	s->nhead = 0;
}

const char *stacks_name(const struct stacks *s, uint32_t id)
{
	return strmap_str(s->names, id);
}

void stacks_free(struct stacks *s)
{
	free(s->node);
	free(s->end);
	free(s->head);
	strmap_free(s->names);
	memset(s, 0, sizeof(*s));
}
