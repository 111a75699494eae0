/*
 * Graph keys (see graph/keys.h): one format, built in one place.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "graph/keys.h"
#include "util/strbuf.h"

int key_workspace_valid(const char *name)
{
	size_t n;

	if (!name || !isalnum((unsigned char)name[0]))
		return 0;
	for (n = 0; name[n]; n++)
		if (!isalnum((unsigned char)name[n]) && !strchr("._-", name[n]))
			return 0;
	return n <= KEY_WORKSPACE_MAX;
}

char *key_child(const char *parent, const char *name)
{
	return xstrfmt("%s/%s", parent, name);
}

char *key_qualify(const char *ws, const char *local)
{
	return key_child(ws, local);
}

char *key_schedule(const char *ws, const char *schedule)
{
	return key_child(ws, schedule);
}

char *key_process(const char *ws, const char *schedule, const char *process)
{
	char *parent = key_schedule(ws, schedule), *key = key_child(parent, process);

	free(parent);
	return key;
}

char *key_step(const char *ws, const char *schedule, const char *process, const char *step)
{
	char *parent = key_process(ws, schedule, process), *key = key_child(parent, step);

	free(parent);
	return key;
}

char *key_procedure(const char *ws, const char *schedule, const char *procedure)
{
	char *parent = key_schedule(ws, schedule), *key = key_child(parent, procedure);

	free(parent);
	return key;
}

char *key_dataset(const char *ws, const char *schedule, const char *dataset)
{
	char *parent = key_schedule(ws, schedule), *key = key_child(parent, dataset);

	free(parent);
	return key;
}

char *key_item(const char *ws, const char *schedule, const char *dataset, const char *name)
{
	char *parent = key_dataset(ws, schedule, dataset), *key = key_child(parent, name);

	free(parent);
	return key;
}

char *key_run(const char *ws, const char *run_id)
{
	return key_child(ws, run_id);
}

char *key_config_text(const char *ws, const char *hash)
{
	return key_child(ws, hash);
}

char *key_jobrun(const char *ws, const char *run_id, const char *step, int shard)
{
	char *run = key_run(ws, run_id), *key;

	if (shard < 0)
		key = xstrfmt("%s/%s/-", run, step);
	else
		key = xstrfmt("%s/%s/%d", run, step, shard);
	free(run);
	return key;
}

const char *key_local(const char *key)
{
	const char *slash = strchr(key, '/');

	return slash ? slash + 1 : key;
}
