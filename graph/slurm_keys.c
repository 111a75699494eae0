/*
 * The executor and Slurm settings of steps and base.conf: names and checks
 * (see graph/slurm_keys.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/slurm_keys.h"
#include "util/err.h"
#include "util/strbuf.h"

const char *const slurm_key_names[SLURM_NKEYS] = {
	"slurm_partition", "slurm_account", "slurm_cpus", "slurm_mem", "slurm_extra"
};

int slurm_key_find(const char *key)
{
	int i;

	for (i = 0; i < SLURM_NKEYS; i++)
		if (!strcmp(slurm_key_names[i], key))
			return i;
	return -1;
}

/* A Slurm name: partition, account (letters, digits, '_', '-', '.'). */
static int slurm_name(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return 0;
	return 1;
}

static char *check_partition(const char *v)
{
	const char *p = v;

	/* One partition, or several (Slurm takes the first that can run it). */
	for (;;) {
		size_t n = strcspn(p, ",");

		if (!slurm_name(p, n))
			return xstrfmt("'%s' is not a partition name, or a comma-separated list of them", v);
		if (!p[n])
			return NULL;
		p += n + 1;
	}
}

static char *check_cpus(const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = isdigit((unsigned char)*v) ? strtol(v, &end, 10) : -1;
	if (n < 1 || n > 100000 || errno || *end)
		return xstrfmt("'%s' is not a number of CPUs (1..100000)", v);
	return NULL;
}

static char *check_mem(const char *v)
{
	size_t n = strspn(v, "0123456789");

	/* sbatch --mem: megabytes, or a number with K, M, G or T. */
	if (!n || n > 12 || (v[n] && (!strchr("KMGTkmgt", v[n]) || v[n + 1])))
		return xstrfmt("'%s' is not an amount of memory (MB, or a number with K, M, G or T)", v);
	return NULL;
}

/*
 * The sbatch options pmeta sets itself (or that would take a job out of its
 * hands), long names and short letters, with what to use instead.
 */
static const struct refused {
	const char *name;
	char letter;
	const char *instead;
} refused[] = {
	{ "array", 'a', "pmeta makes a sharded step one job array" },
	{ "dependency", 'd', "pmeta gives every job its dependencies" },
	{ "output", 'o', "a job's output goes to its log in the run folder" },
	{ "error", 'e', "a job's output goes to its log in the run folder" },
	{ "input", 'i', "jobs read /dev/null" },
	{ "wrap", 0, "pmeta submits its own job script" },
	{ "parsable", 0, "pmeta reads sbatch's answer itself" },
	{ "chdir", 'D', "jobs run from the workspace root" },
	{ "export", 0, "jobs get the environment pmeta gives them" },
	{ "export-file", 0, "jobs get the environment pmeta gives them" },
	{ "get-user-env", 0, "jobs get the environment pmeta gives them" },
	{ "hold", 'H', "pmeta submits jobs ready to run" },
	{ "wait", 'W', "pmeta follows its jobs itself" },
	{ "kill-on-invalid-dep", 0, "pmeta sets it" },
	{ "test-only", 0, "pmeta submits for real" },
	{ "clusters", 'M', "pmeta follows jobs on the cluster of SLURM_CONF" },
	{ "help", 'h', "it submits nothing" },
	{ "usage", 0, "it submits nothing" },
	{ "version", 'V', "it submits nothing" },
	{ "time", 't', "set the step's timeout" },
	{ "partition", 'p', "set slurm_partition" },
	{ "account", 'A', "set slurm_account" },
	{ "cpus-per-task", 'c', "set slurm_cpus" },
	{ "mem", 0, "set slurm_mem" },
};

#define NREFUSED (sizeof(refused) / sizeof(refused[0]))

/* sbatch's short options that take no value, so may be followed by another. */
static const char short_flags[] = "HkOQsvWhV";

static char *check_word(const char *w)
{
	size_t i;

	if (w[0] != '-' || !w[1])
		return xstrfmt("'%s' is not an sbatch option: give each option with its value "
			       "attached (--qos=high, -N1)", w);
	if (w[1] == '-') {
		const char *name = w + 2;
		size_t n = strcspn(name, "=");

		if (!n)
			return xstrfmt("'%s' is not an sbatch option", w);
		/* sbatch also takes an unambiguous prefix of a long name. */
		for (i = 0; i < NREFUSED; i++)
			if (n <= strlen(refused[i].name) && !strncmp(refused[i].name, name, n))
				return xstrfmt("'%s' is not allowed (--%s: %s)", w, refused[i].name,
					       refused[i].instead);
		return NULL;
	}
	for (w++; *w; w++) {
		for (i = 0; i < NREFUSED; i++)
			if (refused[i].letter && refused[i].letter == *w)
				return xstrfmt("'-%c' is not allowed (--%s: %s)", *w, refused[i].name,
					       refused[i].instead);
		/* A letter that takes a value: the rest of the word is its value. */
		if (!strchr(short_flags, *w))
			break;
	}
	return NULL;
}

static int extra_split(const char *value, char ***words, size_t *n, char **why)
{
	const char *p = value;
	size_t alloc = 0;

	*words = NULL;
	*n = 0;
	*why = NULL;
	for (; *p; p++)
		if (*p == '\'' || *p == '"' || *p == '\\' || *p == '`' || (iscntrl((unsigned char)*p) &&
									  *p != '\t')) {
			*why = xstrfmt("quotes, backslashes and control characters are not allowed "
				       "(each blank-separated word is one sbatch argument, as written)");
			return -1;
		}
	p = value;
	for (;;) {
		size_t len;
		char *w;

		p += strspn(p, " \t");
		if (!*p)
			break;
		len = strcspn(p, " \t");
		w = xstrndup(p, len);
		p += len;
		*why = check_word(w);
		if (*why) {
			free(w);
			free_strings(*words, *n);
			*words = NULL;
			*n = 0;
			return -1;
		}
		if (*n + 2 > alloc) {
			alloc = alloc ? 2 * alloc : 8;
			*words = xrealloc(*words, alloc * sizeof(char *));
		}
		(*words)[(*n)++] = w;
		(*words)[*n] = NULL;
	}
	if (!*n) {
		*why = xstrdup("is empty");
		return -1;
	}
	return 0;
}

int slurm_extra_split(const char *value, char ***words, size_t *n)
{
	char *why;

	if (extra_split(value, words, n, &why) < 0) {
		pm_error(PM_ECONFIG, "slurm_extra = '%s': %s", value, why);
		free(why);
		return -1;
	}
	return 0;
}

char *slurm_key_check(enum slurm_key k, const char *value)
{
	char **words, *why = NULL;
	size_t n;

	switch (k) {
	case SLURM_PARTITION:
		return check_partition(value);
	case SLURM_ACCOUNT:
		return slurm_name(value, strlen(value)) ? NULL :
		       xstrfmt("'%s' is not an account name", value);
	case SLURM_CPUS:
		return check_cpus(value);
	case SLURM_MEM:
		return check_mem(value);
	case SLURM_EXTRA:
		if (extra_split(value, &words, &n, &why) == 0)
			free_strings(words, n);
		return why;
	case SLURM_NKEYS:
		break;
	}
	return xstrdup("unknown Slurm setting");
}

char *executor_name_check(const char *name)
{
	if (!strcmp(name, EXECUTOR_LOCAL) || !strcmp(name, EXECUTOR_SLURM))
		return NULL;
	return xstrfmt("'%s' is not an executor (local or slurm)", name);
}
