/* libFuzzer target for the docker config (~/.docker/config.json: auths,
 * credHelpers, credsStore) as img-push reads it: the input is written to
 * $DOCKER_CONFIG/config.json and looked up for a private registry and for
 * Docker Hub. PATH names an empty directory, so a credential helper the
 * config names is never found (run_helper's not-found path). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/registry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64] = "/tmp/fuzz-creds.XXXXXX", path[128];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/fuzz-creds.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/config.json", dir);
	atexit(cleanup);
	setenv("DOCKER_CONFIG", dir, 1);
	setenv("PATH", dir, 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *regs[] = { "registry.example:5000", "docker.io", "localhost" };
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	for (i = 0; i < sizeof regs / sizeof *regs; i++) {
		char *user = NULL, *pass = NULL;
		int rc = reg_creds_lookup(regs[i], &user, &pass);

		if (rc == 0 && (!user || !pass))
			abort();
		free(user);
		free(pass);
	}
	return 0;
}
