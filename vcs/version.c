#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/version.h"

const char *version_kind_str(enum version_kind kind)
{
	return kind == VERSION_PROCESS ? "process" : "procedure";
}

static size_t count_digits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* Parses "proc_N_v_DDD" / "p_N_v_DDD" exactly; 0 or -1 (no error recorded). */
static int parse_bare(struct version_name *out, const char *s)
{
	const char *p, *num;
	size_t nnum, prefix;
	enum version_kind kind;

	if (!strncmp(s, "proc_", 5)) {
		kind = VERSION_PROCEDURE;
		prefix = 5;
	} else if (!strncmp(s, "p_", 2)) {
		kind = VERSION_PROCESS;
		prefix = 2;
	} else {
		return -1;
	}
	num = s + prefix;
	nnum = count_digits(num);
	if (!nnum)
		return -1;
	p = num + nnum;
	if (strncmp(p, "_v_", 3))
		return -1;
	p += 3;
	if (count_digits(p) != 3 || p[3])
		return -1;
	out->kind = kind;
	out->name = xstrdup(s);
	out->family = xstrndup(s, (size_t)(num - s) + nnum);
	out->number = xstrndup(num, nnum);
	memcpy(out->version, p, 3);
	out->version[3] = '\0';
	return 0;
}

int version_parse(struct version_name *out, const char *text)
{
	const char *slash = strrchr(text, '/');

	memset(out, 0, sizeof(*out));
	if (slash && (slash == text || strchr(text, '/') != slash))
		goto bad;
	if (parse_bare(out, slash ? slash + 1 : text) < 0)
		goto bad;
	if (slash) {
		out->schedule = xstrndup(text, (size_t)(slash - text));
		/* A schedule is a folder of the workspace: "..", "." or ".git" never are. */
		if (out->schedule[0] == '.' || strchr(out->schedule, '\\')) {
			int ret = pm_error(PM_EUSAGE, "'%s': '%s' is not a schedule (a folder of the workspace)",
					   text, out->schedule);

			version_release(out);
			return ret;
		}
	}
	return 0;
bad:
	version_release(out);
	return pm_error(PM_EUSAGE,
			"'%s' is not a version name (proc_<N>_v_<DDD> or p_<N>_v_<DDD>, optionally <schedule>/...)",
			text);
}

void version_release(struct version_name *v)
{
	if (!v)
		return;
	free(v->schedule);
	free(v->name);
	free(v->family);
	free(v->number);
	memset(v, 0, sizeof(*v));
}

void version_copy(struct version_name *dst, const struct version_name *src)
{
	dst->kind = src->kind;
	dst->schedule = src->schedule ? xstrdup(src->schedule) : NULL;
	dst->name = xstrdup(src->name);
	dst->family = xstrdup(src->family);
	dst->number = xstrdup(src->number);
	memcpy(dst->version, src->version, sizeof(dst->version));
}

void version_set_schedule(struct version_name *v, const char *schedule)
{
	free(v->schedule);
	v->schedule = xstrdup(schedule);
}

void version_with(struct version_name *out, const struct version_name *v, const char *version)
{
	version_copy(out, v);
	memcpy(out->version, version, 3);
	out->version[3] = '\0';
	free(out->name);
	out->name = xstrfmt("%s_v_%s", v->family, out->version);
}

char *version_key(const struct version_name *v)
{
	return xstrfmt("%s/%s", v->schedule, v->name);
}

char *version_dir(const struct version_name *v)
{
	return xstrfmt("%s/%s", v->schedule, v->kind == VERSION_PROCESS ? "process_config" : "pys");
}

char *version_entry(const struct version_name *v)
{
	return v->kind == VERSION_PROCESS ? xstrdup(v->name) : xstrfmt("%s.py", v->name);
}

char *version_path(const struct version_name *v)
{
	char *dir = version_dir(v), *entry = version_entry(v), *path = xstrfmt("%s/%s", dir, entry);

	free(dir);
	free(entry);
	return path;
}

int version_entry_digits(const struct version_name *v, const char *entry, int digits[3])
{
	size_t flen = strlen(v->family), i;
	const char *p;

	if (strncmp(entry, v->family, flen) || strncmp(entry + flen, "_v_", 3))
		return 0;
	p = entry + flen + 3;
	if (count_digits(p) != 3)
		return 0;
	if (v->kind == VERSION_PROCEDURE ? strcmp(p + 3, ".py") : p[3] != '\0')
		return 0;
	for (i = 0; i < 3; i++)
		digits[i] = p[i] - '0';
	return 1;
}
