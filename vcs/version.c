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

int version_is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

int version_split(const char *name, char **family, char **version)
{
	const char *v = NULL, *p;
	char *fam;

	*family = NULL;
	*version = NULL;
	for (p = strstr(name, "_v_"); p; p = strstr(p + 1, "_v_"))
		v = p;
	if (!v || v == name || count_digits(v + 3) != 3 || v[6])
		return -1;
	fam = xstrndup(name, (size_t)(v - name));
	if (!version_is_ident(fam)) {
		free(fam);
		return -1;
	}
	*family = fam;
	*version = xstrdup(v + 3);
	return 0;
}

enum version_kind version_family_kind(const char *family)
{
	size_t n = strncmp(family, "p_", 2) ? 0 : count_digits(family + 2);

	return n && !family[2 + n] ? VERSION_PROCESS : VERSION_PROCEDURE;
}

const char *version_prname(const char *family)
{
	return !strncmp(family, "p_", 2) && family[2] ? family + 2 : family;
}

int version_parse(struct version_name *out, const char *text)
{
	const char *slash = strrchr(text, '/');
	char *version = NULL;

	memset(out, 0, sizeof(*out));
	if (slash && (slash == text || strchr(text, '/') != slash))
		goto bad;
	if (version_split(slash ? slash + 1 : text, &out->family, &version) < 0)
		goto bad;
	if (slash) {
		out->schedule = xstrndup(text, (size_t)(slash - text));
		/* A schedule is a folder of the workspace: "..", "." or ".git" never are. */
		if (out->schedule[0] == '.' || strchr(out->schedule, '\\')) {
			int ret = pm_error(PM_EUSAGE, "'%s': '%s' is not a schedule (a folder of the workspace)",
					   text, out->schedule);

			free(version);
			version_release(out);
			return ret;
		}
	}
	out->kind = version_family_kind(out->family);
	out->name = xstrdup(slash ? slash + 1 : text);
	out->prname = xstrdup(version_prname(out->family));
	memcpy(out->version, version, 4);
	free(version);
	return 0;
bad:
	version_release(out);
	return pm_error(PM_EUSAGE,
			"'%s' is not a version name (<family>_v_<DDD>, as in proc_004_v_000 or p_002_v_000, "
			"optionally <schedule>/...)", text);
}

void version_release(struct version_name *v)
{
	if (!v)
		return;
	free(v->schedule);
	free(v->name);
	free(v->family);
	free(v->prname);
	memset(v, 0, sizeof(*v));
}

void version_copy(struct version_name *dst, const struct version_name *src)
{
	dst->kind = src->kind;
	dst->schedule = src->schedule ? xstrdup(src->schedule) : NULL;
	dst->name = xstrdup(src->name);
	dst->family = xstrdup(src->family);
	dst->prname = xstrdup(src->prname);
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
