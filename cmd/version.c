#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>

#include "cmd/cmd.h"

#ifndef PMETA_VERSION
#define PMETA_VERSION "unknown"
#endif

static const char usage[] = "usage: pmeta version\n\nPrints pmeta's version and those of its libraries.\n";

int cmd_version(int argc, char **argv, struct ctx *ctx)
{
	int major, minor, rev;

	(void)ctx;
	if (argc > 1 && cmd_is_help(argv[1]))
		return cmd_usage(usage);
	if (argc > 1)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[1]);
	git_libgit2_version(&major, &minor, &rev);
	printf("pmeta %s\n", PMETA_VERSION);
	printf("libcurl %s, jansson %s, libgit2 %d.%d.%d\n", curl_version_info(CURLVERSION_NOW)->version,
	       JANSSON_VERSION, major, minor, rev);
	return EXIT_OK;
}
