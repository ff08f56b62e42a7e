/* Unit tests for lib/net/url.c: resolving a Location, redacting
 * credentials, same-origin and loopback checks, splitting host and port. */
#include <stdlib.h>
#include <string.h>

#include "net/url.h"
#include "tap.h"

static int
resolves(const char *base, const char *ref, const char *want)
{
	char *s = url_resolve(base, ref);
	int same = s && !strcmp(s, want);

	if (!same)
		printf("# %s + %s = %s, want %s\n", base, ref, s ? s : "(null)", want);
	free(s);
	return same;
}

static int
redacts(const char *url, const char *want)
{
	char *s = url_redact(url);
	int same = !strcmp(s, want);

	if (!same)
		printf("# redact %s = %s, want %s\n", url, s, want);
	free(s);
	return same;
}

int
main(void)
{
	struct url_parts u;
	char *s;

	ok(resolves("http://r:5000/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u1?_state=x",
	    "http://r:5000/v2/a/blobs/uploads/u1?_state=x"), "absolute-path Location");
	ok(resolves("http://r:5000/v2/a/blobs/uploads/", "u2?x=1",
	    "http://r:5000/v2/a/blobs/uploads/u2?x=1"), "relative-path Location");
	ok(resolves("http://r:5000/v2/a/b", "../c", "http://r:5000/v2/c"), "dot segments");
	ok(resolves("https://r/v2/", "https://cdn.example/x?sig=1",
	    "https://cdn.example/x?sig=1"), "absolute Location on another host");
	ok(resolves("https://r/v2/", "//cdn.example/y", "https://cdn.example/y"),
	    "scheme-relative Location");
	s = url_resolve("not a url", "/x");
	ok(s == NULL, "an unparseable base fails");
	free(s);

	ok(redacts("http://user:secret@h:1/x?y=1", "http://h:1/x?y=1"), "user:password removed");
	ok(redacts("https://tok@h/p", "https://h/p"), "user alone removed");
	ok(redacts("http://h:1/x", "http://h:1/x"), "nothing to remove");
	ok(redacts("::::", "<url>"), "unparseable: nothing shown");

	ok(url_same_origin("http://r:5000/a", "http://r:5000/b?x") &&
	    !url_same_origin("http://r:5000/a", "http://r:5001/a") &&
	    !url_same_origin("http://r/a", "https://r/a") &&
	    url_same_origin("https://r/a", "https://r:443/b") &&
	    url_same_origin("http://R/a", "http://r:80/") &&
	    !url_same_origin("http://r/a", "http://s/a") &&
	    !url_same_origin("http://r/a", "::::"), "same origin: scheme, host, port");

	ok(url_is_loopback("localhost:5000") && url_is_loopback("127.0.0.1") &&
	    url_is_loopback("127.1.2.3:80") && url_is_loopback("[::1]:5000") &&
	    url_is_loopback("LOCALHOST"), "loopback hosts");
	ok(!url_is_loopback("127.0.0.1.example.com") && !url_is_loopback("10.0.0.1:5000") &&
	    !url_is_loopback("localhost.example.com") && !url_is_loopback("[::1") &&
	    !url_is_loopback("") && !url_is_loopback("[::2]:5"), "not loopback");

	ok(url_split("http://[::1]:4040/x", &u) == 0 && !strcmp(u.scheme, "http") &&
	    !strcmp(u.host, "::1") && u.port == 4040, "split: IPv6 host without brackets");
	url_parts_free(&u);
	ok(url_split("https://user:pw@example.com/p", &u) == 0 && !strcmp(u.scheme, "https") &&
	    !strcmp(u.host, "example.com") && u.port == 443, "split: default port");
	url_parts_free(&u);
	ok(url_split("nope", &u) < 0 && url_split("http://", &u) < 0, "split: no host");

	s = url_escape("repository:a/b:pull,push");
	ok(!strcmp(s, "repository%3Aa%2Fb%3Apull%2Cpush"), "escape: %s", s);
	free(s);
	return tap_done();
}
