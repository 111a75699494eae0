/*
 * Where configs live: the readers by file name (a process folder holds
 * one config file, and its name says its format), the schedule and process
 * a config's path names, the config of a process name on disk, procedure
 * scripts, and the schedule-wide base.conf.
 *
 *   <root>/<schedule>/process_config/<process>/main.conf
 *   <root>/<schedule>/pys/<procedure>.py
 *   <root>/<schedule>/base.conf
 */
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "graph/config_build.h"
#include "graph/slurm_keys.h"
#include "util/strbuf.h"
#include "vcs/version.h"

/* The front ends, by the file name they read in a process folder. */
static const struct config_reader config_readers[] = {
	{ "main.conf", config_read_ini },
	{ "dag.yaml",  config_read_yaml },
};

#define NREADERS (sizeof(config_readers) / sizeof(config_readers[0]))

const struct config_reader *config_reader_for(const char *file_name)
{
	size_t i;

	for (i = 0; i < NREADERS; i++)
		if (!strcmp(config_readers[i].file_name, file_name))
			return &config_readers[i];
	return NULL;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * <root>/<S>/process_config/<P>/<file>: fills root, S, P (caller frees) and
 * the reader of <file>.
 */
static int split_config_path(const char *abs, char **root, char **schedule, char **process,
			     const struct config_reader **reader)
{
	const char *part[5];
	const char *end = abs + strlen(abs);
	int i;

	for (i = 0; i < 5; i++) {
		const char *s = end;

		while (s > abs && s[-1] != '/')
			s--;
		if (s == abs && i < 4)
			return -1;
		part[i] = s;
		end = s > abs ? s - 1 : s;
	}
	/* part[0] the file, [1] P, [2] process_config, [3] S; root = before S */
	*reader = config_reader_for(part[0]);
	if (!*reader || strncmp(part[2], "process_config/", 15))
		return -1;
	*process = xstrndup(part[1], strcspn(part[1], "/"));
	*schedule = xstrndup(part[3], strcspn(part[3], "/"));
	*root = part[3] > abs + 1 ? xstrndup(abs, (size_t)(part[3] - abs - 1)) : xstrdup("/");
	return 0;
}

static int not_a_config_path(const char *path)
{
	return pm_error(PM_ECONFIG, "%s: not where a process config lives: expected "
			"<schedule>/process_config/<process>/main.conf (or dag.yaml)", path);
}

int config_locate(const char *path, char **root, char **schedule, char **process)
{
	const struct config_reader *reader;
	char *abs = realpath(path, NULL);
	int ret = 0;

	*root = *schedule = *process = NULL;
	if (!abs || split_config_path(abs, root, schedule, process, &reader) < 0)
		ret = not_a_config_path(path);
	free(abs);
	return ret;
}

char *config_script_path(const char *schedule, const char *procedure)
{
	/* Without printf: the planner asks for one a step. */
	size_t ls = strlen(schedule), lp = strlen(procedure);
	char *path = xmalloc(ls + 5 + lp + 4);

	memcpy(path, schedule, ls);
	memcpy(path + ls, "/pys/", 5);
	memcpy(path + ls + 5, procedure, lp);
	memcpy(path + ls + 5 + lp, ".py", 4);
	return path;
}

/* 1 when the schedule's command template runs {script} (the default does). */
static int template_runs_script(const char *root, const char *schedule)
{
	struct config_base base;
	int r = config_base_load(&base, root, schedule) == 0 && !strstr(base.template, "{script}");

	/* A broken base.conf is check's and plan's to report. */
	pm_error_clear();
	config_base_release(&base);
	return !r;
}

/*
 * The scripts the steps run. A procedure named by a key (`procedure =`, a
 * DAG's algo_name) must exist when the command template runs {script};
 * one a section name defaults to may come later (a warning).
 */
static void check_scripts(struct config *cfg)
{
	int needs = -1;
	size_t i;

	for (i = 0; i < cfg->nsteps; i++) {
		const struct config_step *step = &cfg->steps[i];
		char *script = config_script_path(cfg->schedule, step->procedure);
		char *full = xstrfmt("%s/%s", cfg->root, script);
		const char *algo = config_step_param(step, "algo_name");
		struct stat st;

		if (stat(full, &st) == 0 || !version_is_ident(step->procedure)) {
			/* there, or a name whose error is already reported */
		} else if (!step->procedure_line) {
			config_diag(cfg, 0, step->line, "no script '%s' for step [%s]", script, step->name);
		} else if (step->version) {
			if (needs < 0)
				needs = template_runs_script(cfg->root, cfg->schedule);
			if (algo && strcmp(algo, step->procedure)) {
				char *bare = xstrfmt("%s/%s/pys/%s.py", cfg->root, cfg->schedule, algo);

				config_diag(cfg, needs, step->procedure_line,
					    "algo_name %s runs %s: no script '%s'%s", algo, step->procedure, script,
					    stat(bare, &st) == 0 ? " (a name without _v_NNN is version 000 of its "
					    "family: rename the script, or name its version in algo_name)" : "");
				free(bare);
			} else {
				config_diag(cfg, needs, step->procedure_line, "%s = %s: no script '%s'",
					    step->procedure_key ? step->procedure_key : "procedure",
					    step->procedure, script);
			}
		}
		free(script);
		free(full);
	}
}

/* A process folder holds one config: another reader's file beside it is an error. */
static void check_single_config(struct config *cfg, const struct config_reader *reader)
{
	size_t i;

	for (i = 0; i < NREADERS; i++) {
		char *other;

		if (&config_readers[i] == reader)
			continue;
		other = xstrfmt("%s/%s/process_config/%s/%s", cfg->root, cfg->schedule, cfg->process,
				config_readers[i].file_name);
		if (is_file(other))
			config_diag(cfg, 1, 0, "%s/process_config/%s holds both %s and %s: a process has "
				    "one config", cfg->schedule, cfg->process, reader->file_name,
				    config_readers[i].file_name);
		free(other);
	}
}

void config_text_hash(char hash[41], const char *text, size_t len)
{
	git_oid oid;

	hash[0] = '\0';
	if (git_odb_hash(&oid, text, len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(hash, 41, &oid);
}

int config_load(struct config **out, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	int ret;

	*out = NULL;
	if (strbuf_read_file(&text, path) < 0)
		return -1;
	ret = config_load_text(out, path, text.buf, text.len);
	strbuf_release(&text);
	return ret;
}

int config_load_text(struct config **out, const char *path, const char *text, size_t len)
{
	const struct config_reader *reader = NULL;
	char *abs = NULL, *root = NULL, *schedule = NULL, *process = NULL;
	struct config *cfg = NULL;
	size_t nerrors;
	int ret = -1;

	*out = NULL;
	abs = realpath(path, NULL);
	if (!abs || split_config_path(abs, &root, &schedule, &process, &reader) < 0) {
		not_a_config_path(path);
		goto out;
	}
	if (!version_is_ident(schedule) || !version_is_ident(process)) {
		pm_error(PM_ECONFIG, "%s: schedule '%s' and process '%s' must be identifiers",
			 path, schedule, process);
		goto out;
	}
	ret = config_compile(&cfg, reader, path, text, len, schedule, process);
	cfg->root = root;
	root = NULL;
	cfg->path = xstrfmt("%s/process_config/%s/%s", schedule, process, reader->file_name);
	nerrors = cfg->nerrors;
	check_single_config(cfg, reader);
	check_scripts(cfg);
	if (cfg->nerrors > nerrors) {
		char *msg = config_error_text(cfg);

		pm_error(PM_ECONFIG, "%s", msg);
		free(msg);
		ret = -1;
	}
	*out = cfg;
out:
	free(abs);
	free(root);
	free(schedule);
	free(process);
	return ret;
}

/* --- a process by name --- */

static int not_a_process_name(const char *target)
{
	return pm_error(PM_EUSAGE, "'%s' is neither a config file nor a process name "
			"(p_002_v_000 or sche_001/p_002_v_000)", target);
}

/* A config file given by path: its process key from where it lives. */
static int process_of_file(const char *target, char **schedule, char **process, char **config)
{
	const struct config_reader *reader;
	char *abs = realpath(target, NULL), *root = NULL, *s = NULL, *p = NULL;
	int ret;

	if (!abs || split_config_path(abs, &root, &s, &p, &reader) < 0 ||
	    !version_is_ident(s) || !version_is_ident(p)) {
		ret = not_a_config_path(target);
	} else {
		*schedule = s;
		*process = p;
		s = p = NULL;
		*config = xstrdup(target);
		ret = 0;
	}
	free(abs);
	free(root);
	free(s);
	free(p);
	return ret;
}

char *config_process_file(const char *root, const char *schedule, const char *process)
{
	size_t i;

	for (i = 0; i < NREADERS; i++) {
		char *path = xstrfmt("%s/%s/process_config/%s/%s", root, schedule, process,
				     config_readers[i].file_name);

		if (is_file(path))
			return path;
		free(path);
	}
	return NULL;
}

int config_find_process(const char *root, const char *target, char **schedule, char **process,
			char **config)
{
	const char *slash = strchr(target, '/');
	char *pattern;
	glob_t g;
	size_t i, nfound = 0;

	*schedule = *process = *config = NULL;
	if (is_file(target))
		return process_of_file(target, schedule, process, config);
	if (slash) {
		char *s = xstrndup(target, (size_t)(slash - target));

		if (!version_is_ident(s) || !version_is_ident(slash + 1)) {
			free(s);
			return not_a_process_name(target);
		}
		*config = config_process_file(root, s, slash + 1);
		*schedule = s;
		*process = xstrdup(slash + 1);
		return 0;
	}
	if (!version_is_ident(target))
		return not_a_process_name(target);
	pattern = xstrfmt("%s/*/process_config/%s", root, target);
	if (glob(pattern, GLOB_ONLYDIR, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++) {
			const char *s = g.gl_pathv[i] + strlen(root) + 1;
			char *sched = xstrndup(s, strcspn(s, "/"));
			char *path = config_process_file(root, sched, target);

			if (path && !nfound++) {
				*schedule = sched;
				*process = xstrdup(target);
				*config = path;
				sched = path = NULL;
			}
			free(path);
			free(sched);
		}
		globfree(&g);
	}
	free(pattern);
	if (nfound > 1) {
		free(*schedule);
		free(*process);
		free(*config);
		*schedule = *process = *config = NULL;
		return pm_error(PM_EUSAGE, "process '%s' is in %zu schedules; name one as SCHEDULE/%s",
				target, nfound, target);
	}
	return *process ? 0 : 1;
}

/* --- base.conf --- */

#define DEFAULT_INTERPRETER "python"
#define DEFAULT_TEMPLATE \
	"{interpreter} ./{script} --sname={schedule} --prname={prname} --pr_version={pr_version}"

static void base_interpreter(struct config_base *base, struct config *diags, const char *key,
			     const char *value, size_t line)
{
	(void)diags;
	(void)key;
	(void)line;
	free(base->interpreter);
	base->interpreter = xstrdup(value);
}

static void base_template(struct config_base *base, struct config *diags, const char *key,
			  const char *value, size_t line)
{
	(void)diags;
	(void)key;
	free(base->template);
	base->template = xstrdup(value);
	base->template_line = line;
}

static void base_executor(struct config_base *base, struct config *diags, const char *key,
			  const char *value, size_t line)
{
	(void)diags;
	(void)key;
	(void)line;
	free(base->executor);
	base->executor = xstrdup(value);
}

static char *check_executor(const char *key, const char *value)
{
	(void)key;
	return executor_name_check(value);
}

/* slurm_*: the default of every step of the schedule that does not set its own. */
static void base_slurm(struct config_base *base, struct config *diags, const char *key,
		       const char *value, size_t line)
{
	int k = slurm_key_find(key);

	(void)diags;
	(void)line;
	free(base->slurm[k]);
	base->slurm[k] = xstrdup(value);
}

static char *check_slurm(const char *key, const char *value)
{
	return slurm_key_check((enum slurm_key)slurm_key_find(key), value);
}

static void base_data_root(struct config_base *base, struct config *diags, const char *key,
			   const char *value, size_t line)
{
	(void)diags;
	(void)key;
	(void)line;
	free(base->data_root);
	base->data_root = xstrdup(value);
}

/* pass_env = NAME, NAME2: variables of pmeta's environment every job of the schedule gets. */
static void base_pass_env(struct config_base *base, struct config *diags, const char *key,
			  const char *value, size_t line)
{
	char **names = NULL, *bad = NULL;
	size_t i;

	(void)key;
	if (config_pass_env(&names, value, &bad) < 0) {
		config_diag(diags, 1, line, "pass_env: '%s' is not a variable name", bad);
	} else {
		free(base->pass_env);
		base->pass_env = xstrdup(value);
	}
	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	free(bad);
}

/* openlineage = FILE|URL: where `pmeta run` sends the schedule's OpenLineage events. */
static void base_openlineage(struct config_base *base, struct config *diags, const char *key,
			     const char *value, size_t line)
{
	(void)diags;
	(void)key;
	(void)line;
	free(base->openlineage);
	base->openlineage = xstrdup(value);
}

/*
 * The keys of base.conf: top-level keys only (sections belong to other
 * tools). Empty values are refused before check and set are called; a
 * value check refuses (check may be NULL) is an error at its line; the
 * last of a repeated key wins. set records a problem in diags at line.
 */
static const struct base_key {
	const char *name;
	void (*set)(struct config_base *base, struct config *diags, const char *key,
		    const char *value, size_t line);
	char *(*check)(const char *key, const char *value);   /* why not, or NULL */
} base_keys[] = {
	{ "interpreter",     base_interpreter,  NULL },
	{ "template",        base_template,     NULL },
	{ "pass_env",        base_pass_env,     NULL },
	{ "data_root",       base_data_root,    NULL },
	{ "openlineage",     base_openlineage,  NULL },
	{ "executor",        base_executor,     check_executor },
	{ "slurm_partition", base_slurm,        check_slurm },
	{ "slurm_account",   base_slurm,        check_slurm },
	{ "slurm_cpus",      base_slurm,        check_slurm },
	{ "slurm_mem",       base_slurm,        check_slurm },
	{ "slurm_extra",     base_slurm,        check_slurm },
};

#define NBASE_KEYS (sizeof(base_keys) / sizeof(base_keys[0]))

struct base_read {
	struct config_base *base;
	struct config *diags;   /* reuses the diagnostics machinery */
};

static void base_setting(void *arg, const char *key, const char *value, size_t line)
{
	struct base_read *b = arg;
	char *why;
	size_t i;

	for (i = 0; i < NBASE_KEYS && strcmp(base_keys[i].name, key); i++)
		;
	if (i == NBASE_KEYS) {
		struct strbuf known = STRBUF_INIT;

		for (i = 0; i < NBASE_KEYS; i++)
			strbuf_addf(&known, "%s%s", i == 0 ? "" : i + 1 < NBASE_KEYS ? ", " : " or ",
				    base_keys[i].name);
		config_diag(b->diags, 1, line, "unknown key '%s' (expected %s)", key, known.buf);
		strbuf_release(&known);
		return;
	}
	/* The template's line is kept even when it is empty: messages name it. */
	if (base_keys[i].set == base_template)
		b->base->template_line = line;
	if (!*value) {
		config_diag(b->diags, 1, line, "'%s' is empty", key);
		return;
	}
	if (base_keys[i].check && (why = base_keys[i].check(key, value))) {
		config_diag(b->diags, 1, line, "%s = %s: %s", key, value, why);
		free(why);
		return;
	}
	base_keys[i].set(b->base, b->diags, key, value, line);
}

/*
 * pmeta quotes each value it puts into a command (plan.c's add_quoted),
 * which is only right where the shell reads a bare word: inside '...',
 * "..." or `...`, or right after a backslash, the quotes pmeta adds would
 * be literal and the value's own characters ($, `, ", ') would reach the
 * shell. Such a placeholder is refused with base.conf:line (exit 3) rather
 * than guessed at: write --e={evil}, not "--e={evil}". {interpreter} is
 * the command's own text (base.conf's interpreter), put in as written,
 * anywhere.
 */
static int base_template_check(const struct config_base *base)
{
	enum { BARE, SINGLE, DOUBLE, BACKTICK } state = BARE, outer = BARE;
	static const char *const where[] = { "after a backslash", "inside single quotes",
					     "inside double quotes", "inside backquotes" };
	const char *t = base->template, *file = base->file ? base->file : "base.conf";
	int escaped = 0;

	while (*t) {
		if ((t[0] == '{' && t[1] == '{') || (t[0] == '}' && t[1] == '}')) {
			t += 2;
			escaped = 0;
			continue;
		}
		if (*t == '{') {
			const char *close = strchr(t, '}');
			int len;

			if (!close)
				break; /* the planner names it */
			len = (int)(close - t - 1);
			if ((state != BARE || escaped) && !(len == 11 && !strncmp(t + 1, "interpreter", 11)))
				return pm_error(PM_ECONFIG,
						"%s:%zu: template: placeholder {%.*s} is %s: pmeta quotes each value itself, so write it bare (--x={%.*s})",
						file, base->template_line, len, t + 1, where[state], len, t + 1);
			escaped = 0;
			t = close + 1;
			continue;
		}
		if (escaped) {
			escaped = 0;
			t++;
			continue;
		}
		switch (state) {
		case BARE:
			if (*t == '\\')
				escaped = 1;
			else if (*t == '\'')
				state = SINGLE;
			else if (*t == '"')
				state = DOUBLE;
			else if (*t == '`') {
				outer = BARE;
				state = BACKTICK;
			}
			break;
		case SINGLE:
			if (*t == '\'')
				state = BARE;
			break;
		case DOUBLE:
			if (*t == '\\')
				escaped = 1;
			else if (*t == '"')
				state = BARE;
			else if (*t == '`') {
				outer = DOUBLE;
				state = BACKTICK;
			}
			break;
		case BACKTICK:
			if (*t == '\\')
				escaped = 1;
			else if (*t == '`')
				state = outer;
			break;
		}
		t++;
	}
	return 0;
}

int config_base_load(struct config_base *base, const char *root, const char *schedule)
{
	struct strbuf text = STRBUF_INIT;
	struct base_read b;
	char *path = xstrfmt("%s/%s/base.conf", root, schedule);
	struct stat st;
	int ret = 0;

	memset(base, 0, sizeof(*base));
	if (stat(path, &st) == 0) {
		if (strbuf_read_file(&text, path) < 0) {
			ret = -1;
			goto out;
		}
		size_t clean_len = 0;
		char *clean;

		b.base = base;
		b.diags = xcalloc(1, sizeof(*b.diags));
		b.diags->file = xstrdup(path);
		clean = config_check_text(b.diags, text.buf, text.len, &clean_len);
		config_read_ini_settings(b.diags, clean ? clean : text.buf, clean ? clean_len : text.len,
					 base_setting, &b);
		free(clean);
		if (b.diags->nerrors) {
			char *msg = config_error_text(b.diags);

			pm_error(PM_ECONFIG, "%s", msg);
			free(msg);
			ret = -1;
		}
		base->file = xstrfmt("%s/base.conf", schedule);
		config_free(b.diags);
	}
	if (!base->interpreter)
		base->interpreter = xstrdup(DEFAULT_INTERPRETER);
	if (!base->template)
		base->template = xstrdup(DEFAULT_TEMPLATE);
	/* Every verb that reads base.conf refuses a template it could not quote for. */
	else if (ret == 0)
		ret = base_template_check(base);
out:
	strbuf_release(&text);
	free(path);
	return ret;
}

void config_base_release(struct config_base *base)
{
	size_t i;

	if (!base)
		return;
	free(base->file);
	free(base->interpreter);
	free(base->template);
	free(base->executor);
	for (i = 0; i < SLURM_NKEYS; i++)
		free(base->slurm[i]);
	free(base->pass_env);
	free(base->data_root);
	free(base->openlineage);
	memset(base, 0, sizeof(*base));
}

char *config_data_root(const struct config_base *base, const char *root, const char *schedule)
{
	const char *d = base ? base->data_root : NULL;
	size_t n;

	if (!d)
		return xstrfmt("%s/%s", root, schedule);
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		n--;
	if (d[0] == '/')
		return xstrndup(d, n);
	return xstrfmt("%s/%.*s", root, (int)n, d);
}
