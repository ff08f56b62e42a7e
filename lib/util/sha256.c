/* SHA-256 digests in the "sha256:<hex>" form, on OpenSSL's EVP interface
 * (hardware-accelerated where the CPU has SHA extensions). */
#include <string.h>

#include <openssl/evp.h>

#include "util/sha256.h"
#include "util/err.h"

void
sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		die("sha256: cannot initialise libcrypto digest");
	h->ctx = ctx;
}

void
sha256_update(struct sha256 *h, const void *p, size_t n)
{
	if (n && !EVP_DigestUpdate(h->ctx, p, n))
		die("sha256: digest update failed");
}

void
sha256_final(struct sha256 *h, char out[SHA256_DIGEST_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (!EVP_DigestFinal_ex(h->ctx, md, &len) || len != 32)
		die("sha256: digest final failed");
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

void
sha256_digest(const void *p, size_t n, char out[SHA256_DIGEST_STRLEN])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, p, n);
	sha256_final(&h, out);
}

int
sha256_valid(const char *s)
{
	size_t i;

	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
