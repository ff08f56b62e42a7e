/* The growing buffer behind pbwrite.h. */
#include <string.h>

#include "util/bigmem.h"
#include "codec/pbwrite.h"
#include "util/err.h"

void
pbw_reserve(struct pbw *w, size_t n)
{
	if (w->cap - w->len >= n)
		return;
	while (w->cap - w->len < n)
		w->cap = w->cap ? w->cap * 2 : 1 << 16;
	w->buf = xrealloc(w->buf, w->cap);
	big_advise(w->buf, w->cap);     /* from 8 MiB on */
}

void
pbw_bytes(struct pbw *w, unsigned field, const void *p, size_t len)
{
	pbw_len(w, field, len);
	pbw_reserve(w, len);
	memcpy(w->buf + w->len, p, len);
	w->len += len;
}
