/* The flame graph: stacks merged into a tree (children in name order, as
 * flamegraph.pl lays them out), frames narrower than the minimum width left
 * out, one <g> per frame carrying its position in sample units so the
 * inline script can zoom and search without recomputing the tree. The
 * differential graph walks the base's stacks down the same tree and
 * colours each frame by its change. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/flame.h"
#include "util/keymap.h"
#include "report/stacks.h"
#include "report/units.h"
#include "util/err.h"
#include "util/sat.h"

#define WIDTH 1200.0
#define FRAME_H 16
#define PAD_TOP 48
#define PAD_BOTTOM 8

/* A frame as the drawing reads it (node_at): the tree itself is the
 * stacks' trie (report/stacks.h) with a few arrays beside it. */
struct fnode {
	uint32_t name;
	size_t parent;
	int64_t value, self, x;
	int64_t base;           /* the base's value down the same path (diff) */
	size_t depth;
	size_t first, nchild;   /* children: kids[first .. first+nchild) */
};

static const struct flame *cmp_flame;

static void xml_escape(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)s[i] < 0x20)
				fputc(' ', f);
			else
				fputc(s[i], f);
		}
	}
}

static void color(const char *name, int *r, int *g, int *b)
{
	uint32_t h = 2166136261u;
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	*r = 205 + (int)(h % 50);
	*g = (int)((h >> 8) % 230);
	*b = (int)((h >> 16) % 55);
}

static const char script[] =
"<script type=\"text/ecmascript\"><![CDATA[\n"
"'use strict';\n"
"var W = %g, frames = [], details, hottest = '', searching = null, mnames = [], munit = 1;\n"
"function init() {\n"
"  details = document.getElementById('details');\n"
"  var gs = document.getElementsByClassName('f'), best = null;\n"
"  for (var i = 0; i < gs.length; i++) {\n"
"    var g = gs[i];\n"
"    var fr = { g: g, x: +g.getAttribute('data-x'), w: +g.getAttribute('data-w'),\n"
"      d: +g.getAttribute('data-d'), s: +g.getAttribute('data-s'),\n"
"      name: g.getAttribute('data-n'), info: g.querySelector('title').textContent,\n"
"      mw: +(g.getAttribute('data-mw') || 0), m: g.getAttribute('data-m'),\n"
"      rect: g.querySelector('rect'), text: g.querySelector('text') };\n"
"    fr.fill = fr.rect.getAttribute('fill');\n"
"    frames.push(fr);\n"
"    g.addEventListener('mouseover', function (fr) { return function () { details.textContent = fr.info; }; }(fr));\n"
"    g.addEventListener('mouseout', function () { details.textContent = hottest; });\n"
"    g.addEventListener('click', function (fr) { return function () { zoom(fr); }; }(fr));\n"
"    if (fr.d > 0 && (!best || fr.s > best.s)) best = fr;\n"
"  }\n"
"  hottest = best ? 'Hottest frame: ' + best.name + ' (self ' + best.g.getAttribute('data-sv') + ')' : 'No samples';\n"
"  details.textContent = hottest;\n"
"  document.getElementById('unzoom').addEventListener('click', function () { zoom(frames[0]); });\n"
"  document.getElementById('search').addEventListener('click', ask);\n"
"  window.addEventListener('keydown', function (e) {\n"
"    if (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && e.key === 'f')) { e.preventDefault(); ask(); }\n"
"  });\n"
"  var q = /[?&]s=([^&]*)/.exec(location.search);\n"
"  if (q) search(decodeURIComponent(q[1]));\n"
"}\n"
"function ask() {\n"
"  if (searching !== null) { search(null); return; }\n"
"  var re = prompt('Search frames (regular expression)', '');\n"
"  if (re) search(re);\n"
"}\n"
"/* search highlights the frames whose name matches re and shows the share\n"
"   of the total they cover; a frame inside another match counts once. The\n"
"   callees left out of a drawn frame count by its data-m, at most its\n"
"   data-mw (two names matching in one stack count twice there). */\n"
"function search(re) {\n"
"  var rx = null, hits = [], seen = [], sum = 0, end = -1;\n"
"  if (re !== null) { try { rx = new RegExp(re); } catch (e) { rx = null; } }\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var fr = frames[i], hit = i > 0 && rx !== null && rx.test(fr.name);\n"
"    fr.rect.setAttribute('fill', hit ? 'rgb(230,0,230)' : fr.fill);\n"
"    if (hit) hits.push({ x: fr.x, d: fr.d, w: fr.w, fr: fr });\n"
"    if (!hit && rx !== null && fr.m) {\n"
"      var mw = 0, ps = fr.m.split(' ');\n"
"      for (var k = 0; k < ps.length; k++) {\n"
"        var c = ps[k].indexOf(':'), id = +ps[k].substring(0, c);\n"
"        if (seen[id] === undefined) seen[id] = rx.test(mnames[id]);\n"
"        if (seen[id]) mw += munit * ps[k].substring(c + 1);\n"
"      }\n"
"      if (mw > 0) hits.push({ x: fr.x, d: fr.d + 0.5, w: Math.min(mw, fr.mw), fr: null });\n"
"    }\n"
"  }\n"
"  hits.sort(function (a, b) { return a.x - b.x || a.d - b.d; });\n"
"  for (var k = 0; k < hits.length; k++) {\n"
"    if (hits[k].x < end) continue;\n"
"    sum += hits[k].w;\n"
"    if (hits[k].fr) end = hits[k].x + hits[k].w;\n"
"  }\n"
"  hits = hits.filter(function (h) { return h.fr; });\n"
"  searching = rx === null ? null : re;\n"
"  var m = document.getElementById('matched'), s = document.getElementById('search');\n"
"  m.textContent = rx === null ? '' : 'Matched: ' + (frames.length ? 100 * sum / frames[0].w : 0).toFixed(2) + '%% (' + hits.length + ' frames)';\n"
"  s.textContent = rx === null ? 'Search' : 'Reset search';\n"
"  return hits.length;\n"
"}\n"
"function label(fr, px) {\n"
"  var n = Math.floor((px - 6) / 7);\n"
"  if (n < 3) return '';\n"
"  return fr.name.length <= n ? fr.name : fr.name.substring(0, n - 2) + '..';\n"
"}\n"
"function zoom(z) {\n"
"  var scale = W / z.w;\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var fr = frames[i], x, w;\n"
"    if (fr.d < z.d) {\n"
"      if (fr.x > z.x || fr.x + fr.w < z.x + z.w) { fr.g.style.display = 'none'; continue; }\n"
"      x = 0; w = W; fr.g.style.opacity = 0.6;\n"
"    } else {\n"
"      if (fr.x < z.x || fr.x + fr.w > z.x + z.w) { fr.g.style.display = 'none'; continue; }\n"
"      x = (fr.x - z.x) * scale; w = fr.w * scale; fr.g.style.opacity = '';\n"
"    }\n"
"    fr.g.style.display = '';\n"
"    fr.rect.setAttribute('x', x.toFixed(2)); fr.rect.setAttribute('width', Math.max(w - 0.5, 0.1).toFixed(2));\n"
"    fr.text.setAttribute('x', (x + 3).toFixed(2)); fr.text.textContent = label(fr, w);\n"
"  }\n"
"  document.getElementById('unzoom').style.display = z === frames[0] ? 'none' : '';\n"
"}\n"
"]]></script>\n";

/* The graph being drawn: the stacks' trie, node 0 the root ("all"); of
 * its nodes those on a stack of positive value are the tree (value > 0),
 * in the order the stacks first appear (order, or the trie's own order
 * when every stack is positive); each node's children in kids[first[i] ..
 * first[i+1]), and the picture's size. Per node: 8 bytes of value, 8 of
 * x, 8 more for a base, 8 of children: 10^7 stacks draw in about 600 MB. */
struct flame {
	struct stacks s;
	size_t n;               /* trie nodes */
	int64_t *value, *x, *base;
	uint32_t *first, *kids;
	uint32_t *order;        /* NULL: nodes 0..n-1 */
	size_t norder;
	int64_t total;
	size_t maxdepth;
	double height;
	double min_px;
	int diff;
	double base_scale;      /* base values times this are in p's total */
	double maxdelta;        /* the largest |change| drawn */
	/* the search's view of frames left out: per drawn frame, the names in
	 * its left-out callees with what they weigh (merged_names) */
	struct strmap *mnames;  /* name -> index in the page's name table */
	int64_t *acc;           /* per name id: weight in the current frame's */
	uint32_t *onpath;       /* per name id: occurrences on the DFS path */
	size_t *touched;
	size_t ntouched;
	int64_t unit;           /* data-m weights are in this many sample units */
};

static struct fnode node_at(const struct flame *fl, size_t i)
{
	const struct stack_node *sn = &fl->s.node[i];
	struct fnode nd = {
		.name = sn->name, .parent = sn->parent, .value = fl->value[i],
		.self = sn->sum > 0 ? sn->sum : 0, .x = fl->x ? fl->x[i] : 0,
		.base = fl->base ? fl->base[i] : 0, .depth = sn->depth,
		.first = fl->first ? fl->first[i] : 0,
		.nchild = fl->first ? fl->first[i + 1] - fl->first[i] : 0,
	};
	return nd;
}

/* tree_node is the k-th node of the tree in drawing order. */
static size_t tree_node(const struct flame *fl, size_t k)
{
	return fl->order ? fl->order[k] : k;
}

static int child_cmp(const void *a, const void *b)
{
	const struct stacks *s = &cmp_flame->s;
	return strcmp(stacks_name(s, s->node[*(const uint32_t *)a].name),
	    stacks_name(s, s->node[*(const uint32_t *)b].name));
}

/* tree_order lists the tree's nodes as the stacks of positive value first
 * reach them, root first: needed only when some stack is not positive
 * (its nodes came first in the trie but are not drawn). */
static void tree_order(struct flame *fl)
{
	const struct stacks *s = &fl->s;
	uint8_t *seen = xcalloc(fl->n, 1);
	uint32_t *path = NULL;
	size_t cap = 0;
	fl->order = xcalloc(fl->n, sizeof(*fl->order));
	fl->order[fl->norder++] = 0;
	seen[0] = 1;
	for (size_t k = 0; k < s->nstack; k++) {
		uint32_t e = s->end[k];
		if (s->node[e].sum <= 0)
			continue;
		size_t d = s->node[e].depth;
		if (d > cap) {
			cap = d + 64;
			path = xreallocarray(path, cap, sizeof(*path));
		}
		for (size_t x = d; x-- > 0; e = s->node[e].parent)
			path[x] = e;
		for (size_t x = 0; x < d; x++)
			if (!seen[path[x]]) {
				seen[path[x]] = 1;
				fl->order[fl->norder++] = path[x];
			}
	}
	free(path);
	free(seen);
}

/* flame_tree sums the stacks with a positive value up the trie: a node's
 * value is what the positive stacks through it weigh. */
static void flame_tree(struct flame *fl)
{
	const struct stacks *s = &fl->s;
	int nonpositive = 0;
	fl->n = s->nnode;
	fl->value = xcalloc(fl->n, sizeof(*fl->value));
	for (size_t k = 0; k < s->nstack; k++) {
		int64_t v = s->node[s->end[k]].sum;
		if (v > 0)
			fl->total = sat_add(fl->total, v);
		else
			nonpositive = 1;
	}
	for (size_t i = fl->n; i-- > 0;) {
		if (s->node[i].sum > 0)
			fl->value[i] = sat_add(fl->value[i], s->node[i].sum);
		if (i)
			fl->value[s->node[i].parent] = sat_add(fl->value[s->node[i].parent], fl->value[i]);
	}
	if (nonpositive)
		tree_order(fl);
	else
		fl->norder = fl->n;
}

/* flame_layout lists each node's children, sorted by name, then gives them
 * their x positions top-down (parents always precede their children in index
 * order). */
static void flame_layout(struct flame *fl)
{
	const struct stacks *s = &fl->s;
	size_t n = fl->n;
	uint32_t *first = stacks_children(s, fl->value, &fl->kids);
	fl->first = first;
	fl->x = xcalloc(n, sizeof(*fl->x));
	cmp_flame = fl;
	for (size_t i = 0; i < n; i++) {
		if (i && fl->value[i] <= 0)
			continue;
		qsort(fl->kids + first[i], first[i + 1] - first[i], sizeof(*fl->kids), child_cmp);
		int64_t x = fl->x[i];
		for (size_t k = first[i]; k < first[i + 1]; k++) {
			fl->x[fl->kids[k]] = x;
			x += fl->value[fl->kids[k]];
		}
		if (s->node[i].depth > fl->maxdepth)
			fl->maxdepth = s->node[i].depth;
	}
	fl->height = PAD_TOP + (double)(fl->maxdepth + 1) * FRAME_H + PAD_BOTTOM;
}

/* flame_base walks the base's stacks down the tree as far as p has each
 * path, adding their values to the frames on the way: a frame's base value
 * is then what the same path weighed in the base. */
static int flame_base(struct flame *fl, const struct profile *base)
{
	struct stacks b;
	char spec[512];
	snprintf(spec, sizeof(spec), "%s/%s", fl->s.type, fl->s.unit);
	if (stacks_build(base, spec, &b) < 0)
		return -1;
	stacks_drop_index(&b);
	fl->base = xcalloc(fl->n, sizeof(*fl->base));
	int64_t btotal = 0;
	uint32_t *fr = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < b.nstack; i++) {
		int64_t v = b.node[b.end[i]].sum;
		if (v <= 0)
			continue;
		btotal = sat_add(btotal, v);
		uint32_t cur = 0;
		fl->base[0] += v;
		size_t d = stacks_path(&b, b.end[i], &fr, &cap);
		for (size_t k = 0; k < d; k++) {
			int64_t name = strmap_find(fl->s.names, stacks_name(&b, fr[k]));
			int64_t idx = name < 0 ? -1 : stacks_child(&fl->s, cur, (uint32_t)name);
			if (idx < 0 || fl->value[idx] <= 0)
				break;
			cur = (uint32_t)idx;
			fl->base[cur] += v;
		}
	}
	free(fr);
	stacks_free(&b);
	fl->diff = 1;
	fl->base_scale = btotal > 0 ? (double)fl->total / (double)btotal : 0;
	return 0;
}

/* delta is a frame's change: its value less the base's, scaled to p's total. */
static double delta(const struct flame *fl, const struct fnode *nd)
{
	return (double)nd->value - (double)nd->base * fl->base_scale;
}

/* diff_color is flamegraph.pl's for a differential graph: red for growth,
 * blue for shrinkage, deeper the larger the change against the largest. */
static void diff_color(double d, double maxdelta, int *r, int *g, int *b)
{
	int c = maxdelta > 0 ? (int)(210 * (1 - fabs(d) / maxdelta)) : 210;
	if (d > 0)
		*r = 255, *g = *b = c;
	else if (d < 0)
		*b = 255, *r = *g = c;
	else
		*r = *g = *b = 250;
}

/* write_head writes the SVG up to the first frame: style, script, title. */
static void write_head(const struct flame *fl, const char *title, FILE *f)
{
	double height = fl->height;
	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
	    "<svg version=\"1.1\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" "
	    "onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\">\n",
	    WIDTH, height, WIDTH, height);
	fprintf(f, "<style>text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; } "
	    ".f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; } "
	    "#title { font-size: 17px; } #unzoom, #search { cursor: pointer; }</style>\n");
	fprintf(f, script, WIDTH);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%g\" height=\"%g\" fill=\"#f8f8f0\"/>\n", WIDTH, height);
	fprintf(f, "<text id=\"title\" x=\"%g\" y=\"20\" text-anchor=\"middle\">%s: ", WIDTH / 2,
	    fl->diff ? "Differential flame graph" : "Flame graph");
	xml_escape(f, title, 200);
	fprintf(f, " (");
	xml_escape(f, fl->s.type, 100);
	fprintf(f, fl->diff ? "; red grew, blue shrank against the base)" : ")");
	fprintf(f, "</text>\n<text id=\"details\" x=\"10\" y=\"40\"> </text>\n"
	    "<text id=\"unzoom\" x=\"%g\" y=\"20\" text-anchor=\"end\" style=\"display:none\">Reset zoom</text>\n"
	    "<text id=\"search\" x=\"%g\" y=\"40\" text-anchor=\"end\">Search</text>\n"
	    "<text id=\"matched\" x=\"%g\" y=\"40\" text-anchor=\"end\"></text>\n",
	    WIDTH - 10, WIDTH - 10, WIDTH - 110);
}

/* too_narrow: is the frame, or one of its ancestors, under the minimum
 * width? Its children are narrower still. */
static int too_narrow(const struct flame *fl, size_t i)
{
	const struct stack_node *node = fl->s.node;
	double total = (double)fl->total;
	if ((double)fl->value[i] / total * WIDTH < fl->min_px)
		return 1;
	for (size_t a = node[i].parent; i && a; a = node[a].parent)
		if ((double)fl->value[a] / total * WIDTH < fl->min_px)
			return 1;
	return 0;
}

/* frame_info writes the tooltip after the name: value and percent, and in
 * a differential graph the base's percent and the change in points. */
static void frame_info(const struct flame *fl, const struct fnode *nd, FILE *f)
{
	char val[64];
	double total = (double)fl->total;
	units_label(val, sizeof(val), nd->value, fl->s.unit, "auto");
	fprintf(f, " (%s, %.2f%%", val, 100.0 * (double)nd->value / total);
	if (fl->diff)
		fprintf(f, "; base %.2f%%, %+.2f points", 100.0 * (double)nd->base * fl->base_scale / total,
		    100.0 * delta(fl, nd) / total);
	fputc(')', f);
}

/* merged_walk adds the subtree of left-out node i to fl->acc: each name
 * weighs what its outermost occurrences weigh, so a stack counts once per
 * name, as the search counts drawn frames. */
static void merged_walk(struct flame *fl, size_t i)
{
	struct fnode ndv = node_at(fl, i), *nd = &ndv;
	if (fl->onpath[nd->name]++ == 0) {
		if (fl->acc[nd->name] == 0)
			fl->touched[fl->ntouched++] = nd->name;
		fl->acc[nd->name] += nd->value;
	}
	for (size_t k = 0; k < nd->nchild; k++)
		merged_walk(fl, fl->kids[nd->first + k]);
	fl->onpath[nd->name]--;
}

/* write_merged writes drawn node i's data-m (name index:weight pairs of
 * its left-out callees) and data-mw (their total), when it has some. */
static void write_merged(struct flame *fl, size_t i, FILE *f)
{
	struct fnode ndv = node_at(fl, i), *nd = &ndv;
	int64_t mw = 0;
	for (size_t k = 0; k < nd->nchild; k++) {
		size_t c = fl->kids[nd->first + k];
		if ((double)fl->value[c] / (double)fl->total * WIDTH < fl->min_px) {
			mw += fl->value[c];
			merged_walk(fl, c);
		}
	}
	if (!mw)
		return;
	fprintf(f, " data-mw=\"%lld\" data-m=\"", (long long)mw);
	for (size_t t = 0; t < fl->ntouched; t++) {
		uint32_t name = (uint32_t)fl->touched[t];
		size_t id = strmap_intern(fl->mnames, stacks_name(&fl->s, name), NULL);
		fprintf(f, "%s%zu:%lld", t ? " " : "", id, (long long)(fl->acc[name] / fl->unit));
		fl->acc[name] = 0;
	}
	fl->ntouched = 0;
	fputc('"', f);
}

/* common_unit is the greatest common divisor of the frames' values (CPU
 * profiles count in multiples of the sampling period), which keeps the
 * search's numbers short. */
static int64_t common_unit(const struct flame *fl)
{
	int64_t g = 0;
	for (size_t k = 0; k < fl->norder && g != 1; k++) {
		int64_t a = fl->value[tree_node(fl, k)], b = g;
		while (b) {
			int64_t t = a % b;
			a = b;
			b = t;
		}
		g = a;
	}
	return g > 0 ? g : 1;
}

/* write_names ends the page with the name table data-m refers to, as a
 * JavaScript array (escaped so no name can end the string or the CDATA). */
static void write_names(const struct flame *fl, FILE *f)
{
	fprintf(f, "<script type=\"text/ecmascript\"><![CDATA[\nmunit = %lld;\nmnames = [",
	    (long long)fl->unit);
	for (size_t i = 0; i < strmap_count(fl->mnames); i++) {
		fputs(i ? ",\"" : "\"", f);
		for (const unsigned char *c = (const unsigned char *)strmap_str(fl->mnames, i); *c; c++) {
			if (*c == '"' || *c == '\\' || *c < 0x20 || *c == '>' || *c == '<')
				fprintf(f, "\\u%04x", *c);
			else
				fputc(*c, f);
		}
		fputc('"', f);
	}
	fputs("];\n]]></script>\n", f);
}

/* write_frame writes node i's <g>: its data for the script, its tooltip,
 * its box and as much of its name as fits. */
static void write_frame(struct flame *fl, size_t i, FILE *f)
{
	struct fnode ndv = node_at(fl, i), *nd = &ndv;
	int64_t total = fl->total;
	char sval[64];
	double w = (double)nd->value / (double)total * WIDTH;
	const char *name = i ? stacks_name(&fl->s, nd->name) : "all";
	double x = (double)nd->x / (double)total * WIDTH;
	double y = fl->height - PAD_BOTTOM - (double)(nd->depth + 1) * FRAME_H;
	int r, g, b;
	if (fl->diff)
		diff_color(delta(fl, nd), fl->maxdelta, &r, &g, &b);
	else if (i)
		color(name, &r, &g, &b);
	else
		r = 200, g = 200, b = 200;
	units_label(sval, sizeof(sval), nd->self, fl->s.unit, "auto");
	fprintf(f, "<g class=\"f\" data-x=\"%lld\" data-w=\"%lld\" data-d=\"%zu\" "
	    "data-s=\"%lld\" data-sv=\"%s, %.2f%%\" data-n=\"",
	    (long long)nd->x, (long long)nd->value, nd->depth, (long long)nd->self,
	    sval, 100.0 * (double)nd->self / (double)total);
	xml_escape(f, name, SIZE_MAX);
	fputc('"', f);
	write_merged(fl, i, f);
	fprintf(f, "><title>");
	xml_escape(f, name, SIZE_MAX);
	frame_info(fl, nd, f);
	fprintf(f, "</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" "
	    "height=\"%d\" fill=\"rgb(%d,%d,%d)\" rx=\"2\"/><text x=\"%.2f\" y=\"%.1f\">",
	    x, y, w - 0.5 > 0.1 ? w - 0.5 : 0.1, FRAME_H - 1, r, g, b, x + 3, y + 11.5);
	long fit = (long)((w - 6) / 7);
	size_t len = strlen(name);
	if (fit >= 3) {
		if (len <= (size_t)fit) {
			xml_escape(f, name, SIZE_MAX);
		} else {
			xml_escape(f, name, (size_t)fit - 2);
			fputs("..", f);
		}
	}
	fprintf(f, "</text></g>\n");
}

static void flame_free(struct flame *fl)
{
	free(fl->value);
	free(fl->x);
	free(fl->base);
	free(fl->first);
	free(fl->kids);
	free(fl->order);
	stacks_free(&fl->s);
}

int flame_write_opts(const struct profile *p, const struct flame_opts *o, FILE *f)
{
	struct flame fl = { 0 };
	fl.min_px = o->min_width;
	if (stacks_build(p, o->spec, &fl.s) < 0)
		return -1;
	flame_tree(&fl);
	if (o->base && flame_base(&fl, o->base) < 0) {
		flame_free(&fl);
		return -1;
	}
	stacks_drop_index(&fl.s);
	free(fl.s.end);
	fl.s.end = NULL;
	fl.s.nstack = 0;
	flame_layout(&fl);
	for (size_t k = 1; fl.diff && k < fl.norder && fl.total > 0; k++) {
		size_t i = tree_node(&fl, k);
		struct fnode nd = node_at(&fl, i);
		if (!too_narrow(&fl, i) && fabs(delta(&fl, &nd)) > fl.maxdelta)
			fl.maxdelta = fabs(delta(&fl, &nd));
	}
	write_head(&fl, o->title, f);
	fl.mnames = strmap_new();
	fl.acc = xcalloc(strmap_count(fl.s.names) + 1, sizeof(*fl.acc));
	fl.onpath = xcalloc(strmap_count(fl.s.names) + 1, sizeof(*fl.onpath));
	fl.touched = xcalloc(strmap_count(fl.s.names) + 1, sizeof(*fl.touched));
	fl.unit = common_unit(&fl);
	for (size_t k = 0; k < fl.norder && fl.total > 0; k++)
		if (!too_narrow(&fl, tree_node(&fl, k)))
			write_frame(&fl, tree_node(&fl, k), f);
	write_names(&fl, f);
	strmap_free(fl.mnames);
	free(fl.acc);
	free(fl.onpath);
	free(fl.touched);
	if (fl.total <= 0)
		fprintf(f, "<text x=\"10\" y=\"%g\">no samples with a positive value</text>\n", fl.height - 12);
	fprintf(f, "</svg>\n");
	flame_free(&fl);
	if (ferror(f)) {
		seterr("write:");
		return -1;
	}
	return 0;
}

int flame_write(const struct profile *p, const char *spec, const char *title, FILE *f)
{
	struct flame_opts o = { spec, title, FLAME_MIN_WIDTH, NULL };
	return flame_write_opts(p, &o, f);
}
