#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>

#include "cmd/cmd.h"

#ifndef PMETA_VERSION
#define PMETA_VERSION "unknown"
#endif

const char *pmeta_version(void)
{
	return PMETA_VERSION;
}

static const struct cmd_usage usage = {
	"pmeta version\n",
	"Prints pmeta's version and those of its libraries.\n",
	NULL
};

const char *cmd_version_string(void)
{
	return PMETA_VERSION;
}

int cmd_version(int argc, char **argv, struct ctx *ctx)
{
	int major, minor, rev, ret;
	struct cmd_option options[] = { OPT_END() };

	(void)ctx;
	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[0]);
	git_libgit2_version(&major, &minor, &rev);
	printf("pmeta %s\n", PMETA_VERSION);
	printf("libcurl %s, jansson %s, libgit2 %d.%d.%d\n", curl_version_info(CURLVERSION_NOW)->version,
	       JANSSON_VERSION, major, minor, rev);
	return EXIT_OK;
}
