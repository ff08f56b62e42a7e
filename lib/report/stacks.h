/* Sample stacks as frame-name sequences, root first, one frame per Line
 * (inlined calls are frames of their own), with identical stacks summed:
 * the common input of folded output and the flame graph. The stacks are
 * kept as a trie of small nodes (a frame name, its caller's node), so a
 * profile of 10^7 distinct stacks costs about 30 bytes per stack (pprof/
 * load.h states the bound). */
#ifndef PGOKIT_STACKS_H
#define PGOKIT_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include "pprof/profile.h"

/* A node is the stack from the root down to its frame. Parents come before
 * their children in the node array; node 0 is the root (no frame). */
struct stack_node {
	uint32_t name;          /* frame name id */
	uint32_t parent;        /* caller's node; 0 for a root frame */
	uint32_t next;          /* the hash chain of (parent, name) */
	uint32_t depth : 31;    /* frames from the root; the root's 0 */
	uint32_t is_end : 1;    /* a sample's stack ends here */
	int64_t sum;            /* summed value of the stack ending here */
};

struct stacks {
	struct strmap *names;   /* frame name -> id */
	struct stack_node *node;
	size_t nnode;
	uint32_t *end;          /* per distinct stack, in order of first */
	size_t nstack;          /* appearance: the node it ends at */
	uint32_t *head;         /* hash buckets of (parent, name) */
	size_t nhead;
	int64_t total;          /* sum of values */
	int sample_index;
	const char *type, *unit;
};

/* stacks_build collects the stacks of p for sample type spec (NULL =
 * pprof's default). Samples whose value is 0 are skipped. -1 with seterr(). */
int stacks_build(const struct profile *p, const char *spec, struct stacks *s);
/* stacks_child: parent's child node of frame name id, or -1. */
int64_t stacks_child(const struct stacks *s, uint32_t parent, uint32_t name);
/* stacks_path fills (*buf, grown as needed) with the frame name ids of
 * node's stack, root first; returns its depth. */
size_t stacks_path(const struct stacks *s, uint32_t node, uint32_t **buf, size_t *cap);
/* stacks_children lists each node's children, in node order, as
 * (*kids)[first[u] .. first[u + 1]) with first returned (nnode + 1 entries;
 * free both); with value non-NULL only the nodes whose value is positive. */
uint32_t *stacks_children(const struct stacks *s, const int64_t *value, uint32_t **kids);
/* stacks_drop_index frees the (parent, name) index once no more lookups
 * come (stacks_child then finds nothing). */
void stacks_drop_index(struct stacks *s);
const char *stacks_name(const struct stacks *s, uint32_t id);
void stacks_free(struct stacks *s);

#endif
