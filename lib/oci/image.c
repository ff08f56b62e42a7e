/* Image manifests, configs and indexes with jansson: platform selection and
 * appending one layer the way crane append does, keeping the base's
 * descriptors and extending rootfs.diff_ids and history in step. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/image.h"
#include "util/err.h"
#include "util/escape.h"

int
oci_digest_check(const char *digest)
{
	char shown[96];
	size_t i, n = 0;

	if (digest && sha256_valid(digest))
		return 0;
	if (!digest) {
		seterr("no digest");
		return -1;
	}
	/* The digest comes from a remote document: show it harmlessly. */
	for (i = 0; digest[i] && n + 5 < sizeof shown - 4; i++) {
		unsigned char c = (unsigned char)digest[i];

		if (c >= ' ' && c < 127 && c != '\\')
			shown[n++] = (char)c;
		else
			n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", c);
	}
	strcpy(shown + n, digest[i] ? "..." : "");
	seterr("digest \"%s\": not sha256:<64 lowercase hex digits>", shown);
	return -1;
}

int
oci_descriptor(json_t *desc, const char *what, long long max, const char **digest,
    long long *size)
{
	json_t *sz = json_object_get(desc, "size");

	*digest = json_string_value(json_object_get(desc, "digest"));
	if (!json_is_object(desc) || !*digest) {
		seterr("%s: descriptor without a digest", what);
		return -1;
	}
	if (oci_digest_check(*digest) < 0) {
		seterr("%s: %s", what, errmsg());
		return -1;
	}
	if (!json_is_integer(sz)) {
		seterr("%s %s: size missing or not an integer", what, *digest);
		return -1;
	}
	if (json_integer_value(sz) < 0 || json_integer_value(sz) > max) {
		seterr("%s %s: size %lld not in 0..%lld", what, *digest,
		    (long long)json_integer_value(sz), max);
		return -1;
	}
	*size = (long long)json_integer_value(sz);
	return 0;
}

int
oci_parse_platform(const char *s, struct oci_platform *p)
{
	const char *a, *v;

	memset(p, 0, sizeof *p);
	a = strchr(s, '/');
	if (!a || a == s || !a[1] || a[1] == '/') {
		seterr("%s: platform is not os/arch[/variant]", s);
		return -1;
	}
	v = strchr(a + 1, '/');
	if (v && (!v[1] || strchr(v + 1, '/'))) {
		seterr("%s: platform is not os/arch[/variant]", s);
		return -1;
	}
	p->os = strndup(s, (size_t)(a - s));
	p->arch = v ? strndup(a + 1, (size_t)(v - a - 1)) : xstrdup(a + 1);
	p->variant = v ? xstrdup(v + 1) : NULL;
	if (!p->os || !p->arch)
		die("out of memory");
	return 0;
}

void
oci_platform_free(struct oci_platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	memset(p, 0, sizeof *p);
}

const char *
oci_media_type(json_t *doc, const char *content_type)
{
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));

	if (mt && *mt)
		return mt;
	if (content_type && *content_type && strcmp(content_type, "application/json") != 0 &&
	    strcmp(content_type, "application/octet-stream") != 0)
		return content_type;
	if (json_object_get(doc, "manifests"))
		return OCI_INDEX;
	if (json_object_get(doc, "layers"))
		return OCI_MANIFEST;
	return "";
}

int
oci_is_index(const char *mt)
{
	return strcmp(mt, OCI_INDEX) == 0 || strcmp(mt, DOCKER_LIST) == 0;
}

int
oci_is_manifest(const char *mt)
{
	return strcmp(mt, OCI_MANIFEST) == 0 || strcmp(mt, DOCKER_MANIFEST) == 0;
}

json_t *
oci_index_pick(json_t *index, const struct oci_platform *p)
{
	json_t *ms = json_object_get(index, "manifests"), *d, *best = NULL;
	struct membuf seen = { 0 };
	size_t i;

	json_array_foreach(ms, i, d) {
		json_t *pl = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(pl, "os"));
		const char *arch = json_string_value(json_object_get(pl, "architecture"));
		const char *var = json_string_value(json_object_get(pl, "variant"));

		if (!os || !arch || strcmp(os, "unknown") == 0)
			continue;	/* attestations and the like */
		if (seen.len)
			membuf_puts(&seen, ", ");
		membuf_puts(&seen, os);
		membuf_puts(&seen, "/");
		membuf_puts(&seen, arch);
		if (var) {
			membuf_puts(&seen, "/");
			membuf_puts(&seen, var);
		}
		if (strcmp(os, p->os) || strcmp(arch, p->arch))
			continue;
		if (p->variant && (!var || strcmp(var, p->variant)))
			continue;
		/* Without a variant asked for, the first entry wins (arm64 v8). */
		if (!best)
			best = d;
	}
	if (!best) {
		/* The platforms are the index's words: quoted, never obeyed. */
		char *shown = esc_dup(seen.len ? seen.data : "none");

		seterr("no image for platform %s/%s%s%s in the index (it has: %s)", p->os,
		    p->arch, p->variant ? "/" : "", p->variant ? p->variant : "", shown);
		free(shown);
	}
	membuf_free(&seen);
	return best;
}

void
oci_json_dump(json_t *doc, struct membuf *b)
{
	char *s = json_dumps(doc, JSON_COMPACT);

	if (!s)
		die("jansson: cannot serialise a document");
	b->len = 0;
	membuf_puts(b, s);
	free(s);
}

const char *
oci_json_error(json_error_t *err)
{
	/* The last byte of text holds json_error_code(): kept. */
	char shown[sizeof err->text - 1];

	esc_text(shown, sizeof shown, err->text, strnlen(err->text, sizeof shown));
	memcpy(err->text, shown, strlen(shown) + 1);
	return err->text;
}

static json_t *
parse_json(const void *p, size_t n, const char *what)
{
	json_error_t err;
	json_t *j = json_loadb(p, n, 0, &err);

	if (!j)
		seterr("%s: invalid JSON: %s (line %d)", what, oci_json_error(&err), err.line);
	else if (!json_is_object(j)) {
		seterr("%s: not a JSON object", what);
		json_decref(j);
		j = NULL;
	}
	return j;
}

int
oci_manifest_check(json_t *manifest, const char *content_type)
{
	const char *mt = oci_media_type(manifest, content_type), *dg;
	json_t *layers = json_object_get(manifest, "layers"), *d;
	long long size;
	char what[48];
	size_t i;

	if (!oci_is_manifest(mt)) {
		char shown[96];

		seterr("manifest: unsupported media type '%s'",
		    esc_text(shown, sizeof shown, mt, strlen(mt)));
		return -1;
	}
	if (!json_is_array(layers) || !json_is_object(json_object_get(manifest, "config"))) {
		seterr("manifest: no layers or config");
		return -1;
	}
	if (oci_descriptor(json_object_get(manifest, "config"), "manifest: config",
	    OCI_CONFIG_MAX, &dg, &size) < 0)
		return -1;
	json_array_foreach(layers, i, d) {
		snprintf(what, sizeof what, "manifest: layer %zu", i);
		if (oci_descriptor(d, what, LLONG_MAX, &dg, &size) < 0)
			return -1;
	}
	return 0;
}

void
oci_image_free(struct oci_image *img)
{
	json_decref(img->manifest);
	json_decref(img->config);
	membuf_free(&img->manifest_raw);
	membuf_free(&img->config_raw);
	memset(img, 0, sizeof *img);
}

int
oci_image_load(struct oci_image *img, const void *manifest, size_t mlen,
    const char *content_type, const void *config, size_t clen)
{
	const char *mt;
	json_t *layers, *ids;

	memset(img, 0, sizeof *img);
	if (!(img->manifest = parse_json(manifest, mlen, "manifest")))
		return -1;
	if (oci_manifest_check(img->manifest, content_type) < 0)
		goto fail;
	mt = oci_media_type(img->manifest, content_type);
	img->docker = strcmp(mt, DOCKER_MANIFEST) == 0;
	layers = json_object_get(img->manifest, "layers");
	if (!(img->config = parse_json(config, clen, "image config")))
		goto fail;
	ids = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
	if (!json_is_array(ids) || json_array_size(ids) != json_array_size(layers)) {
		seterr("image config: rootfs.diff_ids does not match the %zu layers",
		    json_array_size(layers));
		goto fail;
	}
	membuf_append(&img->manifest_raw, manifest, mlen);
	membuf_append(&img->config_raw, config, clen);
	sha256_digest(manifest, mlen, img->manifest_digest);
	sha256_digest(config, clen, img->config_digest);
	return 0;
fail:
	oci_image_free(img);
	return -1;
}

void
oci_image_scratch(struct oci_image *img, const struct oci_platform *p)
{
	memset(img, 0, sizeof *img);
	img->config = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}",
	    "architecture", p->arch, "os", p->os, "config", "rootfs", "type", "layers",
	    "diff_ids", "history");
	if (p->variant)
		json_object_set_new(img->config, "variant", json_string(p->variant));
	img->manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:i}, s:[]}",
	    "schemaVersion", 2, "mediaType", OCI_MANIFEST, "config", "mediaType", OCI_CONFIG,
	    "digest", "", "size", 0, "layers");
	if (!img->config || !img->manifest)
		die("jansson: out of memory");
}

static json_t *
string_array(char **v, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
object_member(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

static void
set_env(json_t *cfg, const char *kv)
{
	json_t *env = json_object_get(cfg, "Env"), *e;
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) + 1 : strlen(kv), i;

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);

		if (s && strncmp(s, kv, klen) == 0 && (s[klen - 1] == '=' || !s[klen])) {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

int
oci_image_append(struct oci_image *img, const struct oci_change *ch)
{
	json_t *cfg = object_member(img->config, "config");
	json_t *rootfs = object_member(img->config, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids"), *hist, *layer, *cdesc;
	int i;

	if (!json_is_array(ids)) {
		ids = json_array();
		json_object_set_new(rootfs, "diff_ids", ids);
	}
	if (!json_object_get(rootfs, "type"))
		json_object_set_new(rootfs, "type", json_string("layers"));
	if (ch->layer_digest)
		json_array_append_new(ids, json_string(ch->diff_id));
	hist = json_object_get(img->config, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(img->config, "history", hist);
	}
	json_array_append_new(hist, json_pack("{s:s, s:s, s:s}", "created", ch->created,
	    "created_by", ch->created_by, "comment", "pgokit img-push"));
	if (!ch->layer_digest)
		json_object_set_new(json_array_get(hist, json_array_size(hist) - 1),
		    "empty_layer", json_true());
	json_object_set_new(img->config, "created", json_string(ch->created));

	if (ch->set_entrypoint) {
		json_object_set_new(cfg, "Entrypoint", string_array(ch->entrypoint, ch->n_entrypoint));
		/* As in a Dockerfile: a new ENTRYPOINT drops the base's CMD. */
		if (!ch->set_cmd)
			json_object_del(cfg, "Cmd");
	}
	if (ch->set_cmd)
		json_object_set_new(cfg, "Cmd", string_array(ch->cmd, ch->n_cmd));
	for (i = 0; i < ch->n_env; i++)
		set_env(cfg, ch->env[i]);
	if (ch->workdir)
		json_object_set_new(cfg, "WorkingDir", json_string(ch->workdir));
	if (ch->n_labels) {
		json_t *labels = object_member(cfg, "Labels");

		for (i = 0; i < ch->n_labels; i++) {
			const char *eq = strchr(ch->labels[i], '=');
			char *k = eq ? strndup(ch->labels[i], (size_t)(eq - ch->labels[i]))
			    : xstrdup(ch->labels[i]);

			json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
			free(k);
		}
	}
	oci_json_dump(img->config, &img->config_raw);
	sha256_digest(img->config_raw.data, img->config_raw.len, img->config_digest);

	cdesc = json_object_get(img->manifest, "config");
	json_object_set_new(cdesc, "digest", json_string(img->config_digest));
	json_object_set_new(cdesc, "size", json_integer((json_int_t)img->config_raw.len));
	if (ch->layer_digest) {
		layer = json_pack("{s:s, s:s, s:I}", "mediaType",
		    img->docker ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP, "digest", ch->layer_digest,
		    "size", (json_int_t)ch->layer_size);
		json_array_append_new(json_object_get(img->manifest, "layers"), layer);
	}
	if (!img->docker && ch->annotations && json_object_size(ch->annotations))
		json_object_update(object_member(img->manifest, "annotations"), ch->annotations);
	oci_json_dump(img->manifest, &img->manifest_raw);
	sha256_digest(img->manifest_raw.data, img->manifest_raw.len, img->manifest_digest);
	return 0;
}
