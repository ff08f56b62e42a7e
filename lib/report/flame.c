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

#define WIDTH 1200.0
#define FRAME_H 16
#define PAD_TOP 48
#define PAD_BOTTOM 8

struct fnode {
	uint32_t name;
	size_t parent;
	int64_t value, self, x;
	int64_t base;           /* the base's value down the same path (diff) */
	size_t depth;
	size_t first, nchild;   /* children: kids[first .. first+nchild) */
};

static struct stacks *cmp_stacks;
static struct fnode *cmp_nodes;

static int child_cmp(const void *a, const void *b)
{
	const struct fnode *x = &cmp_nodes[*(const size_t *)a];
	const struct fnode *y = &cmp_nodes[*(const size_t *)b];
	return strcmp(stacks_name(cmp_stacks, x->name), stacks_name(cmp_stacks, y->name));
}

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

/* The graph being drawn: the tree (node 0 is the root, "all"), each node's
 * children in kids[first .. first+nchild), and the picture's size. */
struct flame {
	struct stacks s;
	struct fnode *nodes;
	size_t n;
	size_t *kids;
	int64_t total;
	size_t maxdepth;
	double height;
	double min_px;
	struct keymap *km;      /* (parent, name id) -> node index - 1 */
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

/* flame_tree merges the stacks with a positive value into the tree. */
static void flame_tree(struct flame *fl)
{
	const struct stacks *s = &fl->s;
	struct keymap *km = keymap_new(2);
	size_t cap = 1024, n = 1;
	struct fnode *nodes = xcalloc(cap, sizeof(*nodes));
	for (size_t i = 0; i < s->nstack; i++) {
		if (s->value[i] <= 0)
			continue;
		int64_t v = s->value[i];
		fl->total += v;
		size_t cur = 0;
		nodes[0].value += v;
		for (size_t d = 0; d < s->depth[i]; d++) {
			uint64_t key[2] = { cur, s->frame[i][d] };
			int added;
			size_t idx = keymap_intern(km, key, &added) + 1;
			if (added) {
				if (idx >= cap) {
					cap *= 2;
					nodes = xreallocarray(nodes, cap, sizeof(*nodes));
				}
				memset(&nodes[idx], 0, sizeof(nodes[idx]));
				nodes[idx].name = s->frame[i][d];
				nodes[idx].parent = cur;
				nodes[idx].depth = nodes[cur].depth + 1;
				n = idx + 1;
			}
			nodes[idx].value += v;
			cur = idx;
		}
		nodes[cur].self += v;
	}
	fl->km = km;
	fl->nodes = nodes;
	fl->n = n;
}

/* flame_layout lists each node's children, sorted by name, then gives them
 * their x positions top-down (parents always precede their children in index
 * order). */
static void flame_layout(struct flame *fl)
{
	struct fnode *nodes = fl->nodes;
	size_t n = fl->n;
	size_t *kids = xcalloc(n, sizeof(*kids)), *fill = xcalloc(n, sizeof(*fill));
	for (size_t i = 1; i < n; i++)
		nodes[nodes[i].parent].nchild++;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		nodes[i].first = off;
		off += nodes[i].nchild;
	}
	for (size_t i = 1; i < n; i++) {
		struct fnode *pa = &nodes[nodes[i].parent];
		kids[pa->first + fill[nodes[i].parent]++] = i;
	}
	free(fill);
	cmp_stacks = &fl->s;
	cmp_nodes = nodes;
	for (size_t i = 0; i < n; i++) {
		qsort(kids + nodes[i].first, nodes[i].nchild, sizeof(*kids), child_cmp);
		int64_t x = nodes[i].x;
		for (size_t k = 0; k < nodes[i].nchild; k++) {
			struct fnode *c = &nodes[kids[nodes[i].first + k]];
			c->x = x;
			x += c->value;
		}
		if (nodes[i].depth > fl->maxdepth)
			fl->maxdepth = nodes[i].depth;
	}
	fl->kids = kids;
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
	int64_t btotal = 0;
	for (size_t i = 0; i < b.nstack; i++) {
		if (b.value[i] <= 0)
			continue;
		int64_t v = b.value[i];
		btotal += v;
		size_t cur = 0;
		fl->nodes[0].base += v;
		for (size_t d = 0; d < b.depth[i]; d++) {
			int64_t name = strmap_find(fl->s.names, stacks_name(&b, b.frame[i][d]));
			uint64_t key[2] = { cur, (uint64_t)name };
			int64_t idx = name < 0 ? -1 : keymap_find(fl->km, key);
			if (idx < 0)
				break;
			cur = (size_t)idx + 1;
			fl->nodes[cur].base += v;
		}
	}
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
	const struct fnode *nodes = fl->nodes;
	double total = (double)fl->total;
	if ((double)nodes[i].value / total * WIDTH < fl->min_px)
		return 1;
	for (size_t a = nodes[i].parent; i && a; a = nodes[a].parent)
		if ((double)nodes[a].value / total * WIDTH < fl->min_px)
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
	const struct fnode *nd = &fl->nodes[i];
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
	const struct fnode *nd = &fl->nodes[i];
	int64_t mw = 0;
	for (size_t k = 0; k < nd->nchild; k++) {
		size_t c = fl->kids[nd->first + k];
		if ((double)fl->nodes[c].value / (double)fl->total * WIDTH < fl->min_px) {
			mw += fl->nodes[c].value;
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
	for (size_t i = 0; i < fl->n && g != 1; i++) {
		int64_t a = fl->nodes[i].value, b = g;
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
	const struct fnode *nd = &fl->nodes[i];
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

int flame_write_opts(const struct profile *p, const struct flame_opts *o, FILE *f)
{
	struct flame fl = { 0 };
	fl.min_px = o->min_width;
	if (stacks_build(p, o->spec, &fl.s) < 0)
		return -1;
	flame_tree(&fl);
	if (o->base && flame_base(&fl, o->base) < 0) {
		keymap_free(fl.km);
		free(fl.nodes);
		stacks_free(&fl.s);
		return -1;
	}
	keymap_free(fl.km);
	flame_layout(&fl);
	for (size_t i = 1; fl.diff && i < fl.n && fl.total > 0; i++)
		if (!too_narrow(&fl, i) && fabs(delta(&fl, &fl.nodes[i])) > fl.maxdelta)
			fl.maxdelta = fabs(delta(&fl, &fl.nodes[i]));
	write_head(&fl, o->title, f);
	fl.mnames = strmap_new();
	fl.acc = xcalloc(strmap_count(fl.s.names) + 1, sizeof(*fl.acc));
	fl.onpath = xcalloc(strmap_count(fl.s.names) + 1, sizeof(*fl.onpath));
	fl.touched = xcalloc(strmap_count(fl.s.names) + 1, sizeof(*fl.touched));
	fl.unit = common_unit(&fl);
	for (size_t i = 0; i < fl.n && fl.total > 0; i++)
		if (!too_narrow(&fl, i))
			write_frame(&fl, i, f);
	write_names(&fl, f);
	strmap_free(fl.mnames);
	free(fl.acc);
	free(fl.onpath);
	free(fl.touched);
	if (fl.total <= 0)
		fprintf(f, "<text x=\"10\" y=\"%g\">no samples with a positive value</text>\n", fl.height - 12);
	fprintf(f, "</svg>\n");
	free(fl.kids);
	free(fl.nodes);
	stacks_free(&fl.s);
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
