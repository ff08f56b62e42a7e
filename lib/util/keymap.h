/* Insertion-ordered hash maps for report building: fixed-length integer
 * tuples -> dense index, and strings -> dense index. Index order is the order
 * of first insertion, so results are deterministic. */
#ifndef PGOKIT_KEYMAP_H
#define PGOKIT_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap;

/* keymap_new makes a map of keys of nwords uint64 each. */
struct keymap *keymap_new(size_t nwords);
void keymap_free(struct keymap *m);

/* keymap_intern returns key's index, adding it (index = count) when absent;
 * *added (may be NULL) says which. */
size_t keymap_intern(struct keymap *m, const uint64_t *key, int *added);
/* keymap_find returns key's index or -1. */
int64_t keymap_find(const struct keymap *m, const uint64_t *key);
size_t keymap_count(const struct keymap *m);
const uint64_t *keymap_key(const struct keymap *m, size_t idx);

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);
/* strmap_intern copies s on first sight; returns its index. */
size_t strmap_intern(struct strmap *m, const char *s, int *added);
int64_t strmap_find(const struct strmap *m, const char *s);
size_t strmap_count(const struct strmap *m);
const char *strmap_str(const struct strmap *m, size_t idx);

#endif
