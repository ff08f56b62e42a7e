/* SHA-256 digests in the "sha256:<hex>" form content-addressed stores use,
 * through OpenSSL's libcrypto EVP interface. */
#ifndef PGOKIT_SHA256_H
#define PGOKIT_SHA256_H

#include <stddef.h>

/* "sha256:" + 64 hex digits + NUL */
#define SHA256_DIGEST_STRLEN 72

struct sha256 {
	void *ctx;	/* EVP_MD_CTX */
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *p, size_t n);
/* sha256_final writes "sha256:<hex>" into out and frees the context. */
void sha256_final(struct sha256 *h, char out[SHA256_DIGEST_STRLEN]);
void sha256_digest(const void *p, size_t n, char out[SHA256_DIGEST_STRLEN]);

/* sha256_valid: is s exactly "sha256:" followed by 64 lowercase hex digits. */
int sha256_valid(const char *s);

#endif
