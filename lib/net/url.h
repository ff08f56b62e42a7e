/* The one URL module: parsing, resolving a Location, hiding credentials in
 * messages, and the origin and loopback checks that decide where
 * credentials and plain http may go. Callers outside lib/net use this
 * rather than libcurl's URL API. */
#ifndef PGOKIT_URL_H
#define PGOKIT_URL_H

/* The parts of a URL that callers decide on. */
struct url_parts {
	char *scheme;	/* lower case: "http" */
	char *host;	/* without the brackets of an IPv6 address */
	int port;	/* the scheme's default when the URL names none */
};

/* url_split parses url into p (free with url_parts_free); -1 with seterr()
 * when url is not an absolute URL with a host. */
int url_split(const char *url, struct url_parts *p);
void url_parts_free(struct url_parts *p);

/* url_default_path returns url as libcurl will fetch it, with path and
 * query put in when url has neither (a bare "http://host:port"); p gets
 * its parts. Only http and https are accepted. A new string, or NULL with
 * seterr(). */
char *url_default_path(const char *url, const char *path, const char *query,
    struct url_parts *p);

/* url_resolve resolves ref (absolute, or relative like a Location header)
 * against base; a new string, or NULL with seterr(). */
char *url_resolve(const char *base, const char *ref);

/* url_redact returns url without its user:password (and ;options) part, for
 * messages, escaped as util/escape.h does; "<url>" when url does not parse.
 * A new string. */
char *url_redact(const char *url);

/* url_same_origin: do a and b have the same scheme, host and port (default
 * ports made explicit). */
int url_same_origin(const char *a, const char *b);

/* url_is_loopback: is the host of hostport ("h", "h:p", "[::1]:p")
 * localhost, 127.0.0.0/8 or ::1. */
int url_is_loopback(const char *hostport);

/* url_escape percent-encodes s for a query value; a new string. */
char *url_escape(const char *s);

#endif
