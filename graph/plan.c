/*
 * The planner: a process's subgraph (one query, cypher/plan_subgraph.cypher)
 * becomes steps with their dependencies, stages by Kahn's layering (a
 * step's stage is one more than the deepest of its predecessors; config
 * order within a stage) and jobs with exact command lines.
 */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "cypher.h"
#include "graph/config.h"
#include "graph/import.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "graph/plan.h"
#include "graph/value.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "vcs/version.h"

static void plan_step_release(struct plan_step *st)
{
	size_t j;

	for (j = 0; j < SLURM_NKEYS; j++)
		free(st->slurm[j]);
	free(st->name);
	free(st->key);
	free(st->procedure);
	free(st->procedure_key);
	free(st->script);
	free(st->left_out);
	free(st->deps);
	for (size_t k = 0; st->pass_env && st->pass_env[k]; k++)
		free(st->pass_env[k]);
	free(st->pass_env);
}

void plan_free(struct plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->nsteps; i++)
		plan_step_release(&plan->steps[i]);
	free(plan->steps);
	for (i = 0; i < plan->nleft_out; i++) {
		free(plan->left_out[i].step);
		free(plan->left_out[i].procedure);
		free(plan->left_out[i].reason);
	}
	free(plan->left_out);
	free(plan->commands);
	free(plan->jobs);
	for (i = 0; i < plan->nstages; i++)
		free(plan->stages[i].jobs);
	free(plan->stages);
	for (i = 0; i < plan->ninputs; i++)
		free(plan->inputs[i]);
	free(plan->inputs);
	free(plan->workspace);
	free(plan->schedule);
	free(plan->process);
	free(plan->process_key);
	free(plan->config);
	free(plan->executor);
	free(plan->config_hash);
	free(plan->config_text);
	free(plan);
}

static void notify(const struct plan_options *opts, const char *fmt, ...) PM_PRINTF(2, 3);

static void notify(const struct plan_options *opts, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!opts || !opts->notify)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	opts->notify(opts->notify_arg, sb.buf);
	strbuf_release(&sb);
}

/* --- layering --- */

/* Kahn's algorithm over deps: stage = 1 + the deepest predecessor. */
static int plan_layer(struct plan *plan)
{
	size_t n = plan->nsteps, i, j, head = 0, tail = 0, done = 0;
	size_t *indeg = xcalloc(n + 1, sizeof(size_t));
	size_t *start = xcalloc(n + 1, sizeof(size_t));
	size_t *next, *fill, *queue = xmalloc((n + 1) * sizeof(size_t));
	int ret = 0;

	/* Reverse edges as compressed rows: start[d]..start[d+1] = who waits on d. */
	for (i = 0; i < n; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++)
			start[plan->steps[i].deps[j]]++;
	for (i = 0, j = 0; i <= n; i++) {
		size_t c = i < n ? start[i] : 0;

		start[i] = j;
		j += c;
	}
	next = xmalloc((j + 1) * sizeof(size_t));
	fill = xmalloc((n + 1) * sizeof(size_t));
	memcpy(fill, start, (n + 1) * sizeof(size_t));
	for (i = 0; i < n; i++) {
		indeg[i] = plan->steps[i].ndeps;
		plan->steps[i].stage = 0;
		for (j = 0; j < plan->steps[i].ndeps; j++)
			next[fill[plan->steps[i].deps[j]]++] = i;
		if (!indeg[i])
			queue[tail++] = i;
	}
	while (head < tail) {
		size_t v = queue[head++];

		done++;
		for (j = start[v]; j < start[v + 1]; j++) {
			size_t w = next[j];

			if (plan->steps[w].stage < plan->steps[v].stage + 1)
				plan->steps[w].stage = plan->steps[v].stage + 1;
			if (!--indeg[w])
				queue[tail++] = w;
		}
	}
	if (done < n) {
		for (i = 0; i < n && !indeg[i]; i++)
			;
		ret = pm_error(PM_ECONFIG, "the graph of process '%s/%s' has a cycle through step [%s]; "
			       "re-import its config ('pmeta check' names the cycle)",
			       plan->schedule, plan->process, plan->steps[i].name);
	}
	free(indeg);
	free(start);
	free(next);
	free(fill);
	free(queue);
	return ret;
}

/* --- commands --- */

/* A word the shell reads as itself: ASCII letters, digits and _./=:,+@%- */
static int shell_safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!*u)
		return 0;
	for (; *u; u++)
		switch (*u) {
		case '_': case '.': case '/': case '=': case ':': case ',': case '+': case '@':
		case '%': case '-':
			break;
		default:
			if (*u >= 128 || !isalnum(*u))
				return 0;
		}
	return 1;
}

static void add_quoted(struct strbuf *sb, const char *s)
{
	if (shell_safe(s)) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_add_sh_quoted(sb, s);
}

/* Each step's pass_env: base.conf's (checked when it was read), then the step's own key. */
static int plan_pass_env(struct plan *plan, const struct config_base *base, json_t *params)
{
	size_t i;

	for (i = 0; i < plan->nsteps; i++) {
		struct plan_step *st = &plan->steps[i];
		json_t *v = json_object_get(json_array_get(params, i), "pass_env");
		char *bad = NULL, *text = v ? value_text(v) : NULL;
		int r = 0;

		if (base->pass_env)
			r = config_pass_env(&st->pass_env, base->pass_env, &bad);
		/* The compiler checked the step's key in a config; one from the graph is checked here. */
		if (r == 0 && v)
			r = text ? config_pass_env(&st->pass_env, text, &bad) : -1;
		if (r < 0)
			pm_error(PM_ECONFIG, "%s:%zu: step [%s]: pass_env: '%s' is not a variable name",
				 plan->config ? plan->config : plan->process, st->line, st->name,
				 bad ? bad : "?");
		free(text);
		free(bad);
		if (r < 0)
			return -1;
		if (!st->pass_env)
			st->pass_env = xcalloc(1, sizeof(*st->pass_env));
	}
	return 0;
}

struct cmd_env {
	const struct config_base *base;
	const struct plan *plan;
	const char *prname;
	const char *pr_version;
};

/* name[0..len) is the word w. */
static int is_word(const char *name, size_t len, const char *w)
{
	return strlen(w) == len && !memcmp(name, w, len);
}

/* Placeholder name[0..len) of a template (not NUL-terminated there). */
static int add_placeholder(struct strbuf *sb, const struct cmd_env *env, const struct plan_step *st,
			   json_t *params, const char *name, size_t len)
{
	json_t *v;
	char *text;

	if (is_word(name, len, "interpreter"))
		strbuf_addstr(sb, env->base->interpreter);
	else if (is_word(name, len, "script"))
		add_quoted(sb, st->script);
	else if (is_word(name, len, "schedule"))
		add_quoted(sb, env->plan->schedule);
	else if (is_word(name, len, "process"))
		add_quoted(sb, env->plan->process);
	else if (is_word(name, len, "prname"))
		add_quoted(sb, env->prname);
	else if (is_word(name, len, "pr_version"))
		add_quoted(sb, env->pr_version);
	else if (is_word(name, len, "step"))
		add_quoted(sb, st->name);
	else if (is_word(name, len, "procedure"))
		add_quoted(sb, st->procedure);
	else if (is_word(name, len, "items_file"))
		/* Known only when the job starts: the shell expands it (run/items.h). */
		strbuf_addstr(sb, "\"$PMETA_ITEMS\"");
	else if ((v = json_object_getn(params, name, len)) && (text = value_text(v))) {
		/* A typed value prints as its config text (graph/value.h). */
		add_quoted(sb, text);
		free(text);
	} else
		return -1;
	return 0;
}

static int expand_command(struct strbuf *sb, const struct cmd_env *env, const struct plan_step *st,
			  json_t *params, int shard, const struct plan_options *opts)
{
	const char *t = env->base->template;

	while (*t) {
		const char *close;

		if ((t[0] == '{' && t[1] == '{') || (t[0] == '}' && t[1] == '}')) {
			strbuf_addch(sb, *t);
			t += 2;
			continue;
		}
		if (*t != '{') {
			/* Literal text up to the next brace, at once. */
			size_t n = strcspn(t + 1, "{}") + 1;

			strbuf_add(sb, t, n);
			t += n;
			continue;
		}
		close = strchr(t, '}');
		if (!close)
			return pm_error(PM_ECONFIG, "%s:%zu: template: '{' without '}'",
					env->base->file ? env->base->file : "base.conf", env->base->template_line);
		if (add_placeholder(sb, env, st, params, t + 1, (size_t)(close - t - 1)) < 0) {
			char *name = xstrndup(t + 1, (size_t)(close - t - 1));

			if (env->base->file)
				pm_error(PM_ECONFIG, "%s:%zu: template: step [%s] has no '%s' for {%s}",
					 env->base->file, env->base->template_line, st->name, name, name);
			else
				pm_error(PM_ECONFIG, "template: step [%s] has no '%s' for {%s}",
					 st->name, name, name);
			free(name);
			return -1;
		}
		t = close + 1;
	}
	if (shard >= 0)
		strbuf_addf(sb, " --shard=%d --max_shard=%d", shard, st->max_shard);
	if (opts && opts->run_mode) {
		struct strbuf word = STRBUF_INIT;

		strbuf_addf(&word, "--run_mode=%s", opts->run_mode);
		strbuf_addch(sb, ' ');
		add_quoted(sb, word.buf);
		strbuf_release(&word);
	}
	return 0;
}

/* Stages and jobs from steps whose deps are set; params[i] holds step i's keys (null: none). */
static int plan_finish(struct plan *plan, const struct config_base *base, json_t *params,
		       const struct plan_options *opts)
{
	struct cmd_env env;
	char *family = NULL, *version = NULL;
	size_t i, s, *count;
	int ret = -1;

	plan_leave_out(plan, params);
	if (plan_layer(plan) < 0 || plan_pass_env(plan, base, params) < 0)
		return -1;
	plan->nstages = 0;
	for (i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].stage + 1 > plan->nstages)
			plan->nstages = plan->steps[i].stage + 1;
	plan->stages = xcalloc(plan->nstages + 1, sizeof(*plan->stages));
	count = xcalloc(plan->nstages + 1, sizeof(size_t));
	for (i = 0; i < plan->nsteps; i++) {
		size_t n = plan->steps[i].max_shard > 0 ? (size_t)plan->steps[i].max_shard : 1;

		count[plan->steps[i].stage] += n;
		plan->njobs += n;
	}
	plan->jobs = xcalloc(plan->njobs + 1, sizeof(*plan->jobs));
	for (s = 0; s < plan->nstages; s++)
		plan->stages[s].jobs = xmalloc((count[s] + 1) * sizeof(size_t));

	if (version_split(plan->process, &family, &version) < 0) {
		family = xstrdup(plan->process);
		version = xstrdup("");
	}
	/* Where the jobs run: the schedule's choice, and each step's Slurm settings. */
	if (base->executor)
		plan->executor = xstrdup(base->executor);
	for (i = 0; i < plan->nsteps; i++) {
		json_t *p = json_array_get(params, i);
		int k;

		for (k = 0; k < SLURM_NKEYS; k++) {
			json_t *v = json_object_get(p, slurm_key_names[k]);
			char *text = v ? value_text(v) : NULL;

			if (!text && base->slurm[k])
				text = xstrdup(base->slurm[k]);
			plan->steps[i].slurm[k] = text;
		}
	}

	env.base = base;
	env.plan = plan;
	env.prname = version_prname(family);
	env.pr_version = version;

	/* Fill stage by stage: first the offset of each stage in jobs[]. The
	 * commands go one after the other into one buffer (100,000 of them:
	 * no malloc and free each), pointed at once it stops moving. */
	{
		size_t off = 0, *pos = xmalloc((plan->nstages + 1) * sizeof(size_t));
		size_t *at = xmalloc((plan->njobs + 1) * sizeof(size_t));
		struct strbuf all = STRBUF_INIT;

		for (s = 0; s < plan->nstages; s++) {
			pos[s] = off;
			off += count[s];
		}
		for (i = 0; i < plan->nsteps; i++) {
			struct plan_step *st = &plan->steps[i];
			int shard, nshard = st->max_shard > 0 ? st->max_shard : 1;

			for (shard = 0; shard < nshard; shard++) {
				struct plan_job *job = &plan->jobs[pos[st->stage]];
				struct plan_stage *stage = &plan->stages[st->stage];

				job->step = i;
				job->shard = st->max_shard > 0 ? shard : -1;
				at[pos[st->stage]] = all.len;
				if (expand_command(&all, &env, st, json_array_get(params, i), job->shard,
						   opts) < 0) {
					strbuf_release(&all);
					free(at);
					free(pos);
					goto out;
				}
				strbuf_addch(&all, '\0');
				stage->jobs[stage->njobs++] = pos[st->stage]++;
			}
		}
		plan->commands = strbuf_detach(&all, NULL);
		for (i = 0; i < plan->njobs; i++)
			plan->jobs[i].command = plan->commands + at[i];
		free(at);
		free(pos);
	}
	ret = 0;
out:
	free(count);
	free(family);
	free(version);
	return ret;
}

/* --- offline: from a compiled config --- */

int plan_from_config(struct plan **out, const char *ws, const struct config *cfg,
		     const struct config_base *base, const struct plan_options *opts)
{
	struct plan *plan = xcalloc(1, sizeof(*plan));
	json_t *params = json_array();
	size_t i, j;
	int ret;

	*out = NULL;
	plan->schedule = xstrdup(cfg->schedule ? cfg->schedule : "");
	plan->process = xstrdup(cfg->process ? cfg->process : "");
	if (ws) {
		plan->workspace = xstrdup(ws);
		plan->process_key = key_process(ws, plan->schedule, plan->process);
	}
	plan->config = cfg->path ? xstrdup(cfg->path) : NULL;
	plan->inputs = xcalloc(cfg->ninputs + 1, sizeof(char *));
	for (i = 0; i < cfg->ninputs; i++)
		plan->inputs[plan->ninputs++] = xstrdup(cfg->datasets[cfg->inputs[i]].name);
	plan->steps = xcalloc(cfg->nsteps + 1, sizeof(*plan->steps));
	for (i = 0; i < cfg->nsteps; i++) {
		const struct config_step *cs = &cfg->steps[i];
		struct plan_step *st = &plan->steps[plan->nsteps++];
		json_t *p = json_object();

		st->name = xstrdup(cs->name);
		st->procedure = xstrdup(cs->procedure ? cs->procedure : cs->name);
		if (ws) {
			st->key = key_step(ws, plan->schedule, plan->process, cs->name);
			st->procedure_key = key_procedure(ws, plan->schedule, st->procedure);
		}
		st->script = config_script_path(plan->schedule, st->procedure);
		st->max_shard = cs->max_shard;
		st->timeout = cs->timeout;
		st->retries = cs->retries;
		st->priority = cs->priority;
		if (cs->disabled) {
			const struct config_param *kv = NULL;

			for (j = 0; j < cs->nparams && !kv; j++)
				if (cs->params[j].line == cs->disabled_line &&
				    (!strcmp(cs->params[j].key, "enabled") || !strcmp(cs->params[j].key, "is_enable")))
					kv = &cs->params[j];
			st->left_out = kv ? xstrfmt("%s = %s", kv->key, kv->value) : xstrdup("enabled = false");
		}
		st->line = cs->line;
		st->ndeps = cs->ndeps;
		st->deps = xmalloc((cs->ndeps + 1) * sizeof(size_t));
		if (cs->ndeps)
			memcpy(st->deps, cs->deps, cs->ndeps * sizeof(size_t));
		for (j = 0; j < cs->nparams; j++)
			json_object_set_new(p, cs->params[j].key, json_string(cs->params[j].value));
		json_array_append_new(params, p);
	}
	ret = plan_finish(plan, base, params, opts);
	json_decref(params);
	if (ret < 0) {
		plan_free(plan);
		return -1;
	}
	*out = plan;
	return 0;
}

int plan_validate(struct plan **out, const struct config *cfg)
{
	struct config_base base;
	struct plan *plan = NULL;
	int ret;

	if (out)
		*out = NULL;
	ret = config_base_load(&base, cfg->root, cfg->schedule);
	if (ret == 0)
		ret = plan_from_config(&plan, NULL, cfg, &base, NULL);
	config_base_release(&base);
	if (ret == 0 && out)
		*out = plan;
	else
		plan_free(plan);
	return ret;
}

/* --- target resolution --- */

int plan_resolve(struct neo4j *db, const char *ws, const char *root, const char *target,
		 char **schedule, char **process, char **config)
{
	int r = config_find_process(root, target, schedule, process, config);

	if (r <= 0)
		return r;
	if (!db)
		return pm_error(PM_EUSAGE, "no config for process '%s' under '%s'; name it as "
				"SCHEDULE/%s", target, root, target);
	{
		json_t *res = NULL;
		size_t n;

		if (neo4j_query(db, &res, cypher_plan_find_process,
				json_pack("{s:s, s:s}", "name", target, "workspace", ws)) < 0)
			return -1;
		n = neo4j_nrows(res);
		if (n == 1) {
			const char *sc = json_string_value(neo4j_cell(res, 0, "schedule"));

			if (sc) {
				*schedule = xstrdup(sc);
				*process = xstrdup(target);
			}
		}
		json_decref(res);
		if (n == 0)
			return pm_error(PM_EFAIL, "no process '%s': no config on disk and none in the graph "
					"of workspace '%s'", target, ws);
		if (n > 1)
			return pm_error(PM_EUSAGE, "process '%s' is in %zu schedules; name one as SCHEDULE/%s",
					target, n, target);
		if (!*schedule)
			return pm_error(PM_EFAIL, "process '%s' has no schedule in the graph", target);
	}
	return 0;
}

static const char *const builtin_placeholders[] = {
	"interpreter", "script", "schedule", "process", "prname", "pr_version", "step", "procedure",
	"items_file", NULL
};

/*
 * The step keys the query must return: those a template names ({lang}),
 * then the Slurm settings the planner copies onto each step.
 */
static json_t *template_params(const struct config_base *base)
{
	json_t *names = json_array();
	const char *t = base ? base->template : NULL;
	int k;

	while (t && *t) {
		const char *close;
		size_t i;
		char *name;

		if ((t[0] == '{' && t[1] == '{') || (t[0] == '}' && t[1] == '}')) {
			t += 2;
			continue;
		}
		if (*t != '{' || !(close = strchr(t, '}'))) {
			t++;
			continue;
		}
		name = xstrndup(t + 1, (size_t)(close - t - 1));
		for (i = 0; builtin_placeholders[i] && strcmp(builtin_placeholders[i], name); i++)
			;
		if (!builtin_placeholders[i])
			json_array_append_new(names, json_string(name));
		free(name);
		t = close + 1;
	}
	for (k = 0; k < SLURM_NKEYS; k++)
		json_array_append_new(names, json_string(slurm_key_names[k]));
	/* Not a placeholder, but the plan needs it: the variables a step's jobs get. */
	json_array_append_new(names, json_string("pass_env"));
	return names;
}

json_t *plan_query_params(const char *process_key, const struct config_base *base,
			  const struct plan_options *opts)
{
	(void)opts;
	return json_pack("{s:s, s:o}", "process", process_key, "params", template_params(base));
}

/* --- from the graph --- */

static char *value_dup(const struct neo4j_value *v)
{
	const char *s = neo4j_value_str(v);

	return s ? xstrdup(s) : NULL;
}

/* Item i of a list value, or NULL. */
static const struct neo4j_value *item(const struct neo4j_value *list, size_t i)
{
	return list && list->type == NEO4J_LIST && i < list->len ? &list->u.items[i] : NULL;
}

/* A run setting stored as the config's string or a number (null when absent = 0). */
static int prop_int(const char *step, const struct neo4j_value *v, const char *key, long min,
		    long max, long *out)
{
	const char *s = neo4j_value_str(v);
	char *end = NULL;
	int ok = 0;

	*out = 0;
	if (!v || v->type == NEO4J_NULL)
		return 0;
	if (v->type == NEO4J_INT) {
		ok = v->u.integer >= min && v->u.integer <= max;
		*out = ok ? (long)v->u.integer : 0;
	} else if (s && isdigit((unsigned char)*s)) {
		errno = 0;
		*out = strtol(s, &end, 10);
		ok = !*end && errno != ERANGE && *out >= min && *out <= max;
	}
	if (!ok)
		return pm_error(PM_ECONFIG, "step '%s': %s in the graph is not an integer in %ld..%ld",
				step, key, min, max);
	return 0;
}

/* Scripts on disk S/pys/<family>_v_<MMP>.py, by "<family>_v_<MM>" -> best name. */
struct disk_patches {
	char **names;
	size_t n;
	struct strmap best;     /* prefix (name minus its patch digit) -> index */
	char **prefixes;
};

static void disk_patches_load(struct disk_patches *d, const char *root, const char *schedule)
{
	char *dir = xstrfmt("%s/%s/pys", root, schedule);
	DIR *dh = opendir(dir);
	struct dirent *e;

	memset(d, 0, sizeof(*d));
	while (dh && (e = readdir(dh))) {
		size_t n = strlen(e->d_name), idx;
		char *name, *fam, *ver;

		if (n < 4 || strcmp(e->d_name + n - 3, ".py"))
			continue;
		name = xstrndup(e->d_name, n - 3);
		if (version_split(name, &fam, &ver) < 0) {
			free(name);
			free(fam);
			free(ver);
			continue;
		}
		d->names = xrealloc(d->names, (d->n + 1) * sizeof(char *));
		d->prefixes = xrealloc(d->prefixes, (d->n + 1) * sizeof(char *));
		d->names[d->n] = name;
		d->prefixes[d->n] = xstrndup(name, strlen(name) - 1);
		if (!strmap_get(&d->best, d->prefixes[d->n], &idx) || strcmp(d->names[idx], name) < 0)
			strmap_put(&d->best, d->prefixes[d->n], d->n);
		d->n++;
		free(fam);
		free(ver);
	}
	if (dh)
		closedir(dh);
	free(dir);
}

static void disk_patches_release(struct disk_patches *d)
{
	size_t i;

	strmap_release(&d->best);
	for (i = 0; i < d->n; i++) {
		free(d->names[i]);
		free(d->prefixes[i]);
	}
	free(d->names);
	free(d->prefixes);
}

static void replace(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

/* --latest-patch: the newest of the graph's and the disk's patch forks.
 * graph_best: the newest patch fork the graph has ({name, path}, both NULL
 * when it has none newer). */
static void pick_latest(struct plan *plan, struct plan_step *st, char *const graph_best[2],
			struct disk_patches *disk, const struct plan_options *opts)
{
	char *family = NULL, *version = NULL, *best, *prefix;
	size_t idx;
	int from_graph = 0;

	if (version_split(st->procedure, &family, &version) < 0) {
		notify(opts, "--latest-patch: step [%s] keeps %s (its version has no patch digit)",
		       st->name, st->procedure);
		free(family);
		free(version);
		return;
	}
	best = xstrdup(st->procedure);
	if (graph_best[0] && strlen(graph_best[0]) == strlen(best) && strcmp(graph_best[0], best) > 0) {
		replace(&best, xstrdup(graph_best[0]));
		from_graph = 1;
	}
	prefix = xstrndup(st->procedure, strlen(st->procedure) - 1);
	if (strmap_get(&disk->best, prefix, &idx) && strcmp(disk->names[idx], best) > 0) {
		replace(&best, xstrdup(disk->names[idx]));
		replace(&st->script, config_script_path(plan->schedule, best));
	} else if (from_graph) {
		replace(&st->script, graph_best[1] ? xstrdup(graph_best[1]) :
			config_script_path(plan->schedule, best));
	}
	if (strcmp(best, st->procedure)) {
		notify(opts, "--latest-patch: step [%s] runs %s instead of %s", st->name, best,
		       st->procedure);
		replace(&st->procedure_key, key_procedure(plan->workspace, plan->schedule, best));
		replace(&st->procedure, best);
	} else {
		notify(opts, "--latest-patch: step [%s] runs %s (no newer patch)", st->name, best);
		free(best);
	}
	free(prefix);
	free(family);
	free(version);
}

/*
 * The rows of cypher/plan_subgraph.cypher as they arrive (neo4j_query_rows
 * hands them over one at a time, without a tree of the reply). The process
 * row may come after the steps, so steps keep what depends on it (keys,
 * default script) until plan_from_subgraph.
 */
enum {
	COL_ORDER, COL_NAME, COL_LINE, COL_MAX_SHARD, COL_TIMEOUT, COL_RETRIES,
	COL_PROC, COL_DEPS, COL_PARAMS, COL_PRIORITY, COL_ENABLED
};

/* One step row beside its plan_step: what only the whole set can resolve. */
struct step_row {
	long long order;
	long long *after;       /* orders of the steps it runs after */
	size_t nafter;
	json_t *params;         /* the template's step keys it has, or NULL */
	char *patch[2];         /* the graph's newest patch fork: name, path */
};

struct subgraph {
	int have_process;
	char *key, *name, *schedule, *config, *config_hash;
	char **inputs;
	size_t ninputs;
	struct plan_step *steps;
	struct step_row *rows;  /* rows[i] goes with steps[i] */
	size_t nsteps, alloc;
};

static void subgraph_release(struct subgraph *g)
{
	size_t i;

	free(g->key);
	free(g->name);
	free(g->schedule);
	free(g->config);
	free(g->config_hash);
	for (i = 0; i < g->ninputs; i++)
		free(g->inputs[i]);
	free(g->inputs);
	for (i = 0; i < g->nsteps; i++) {
		struct step_row *row = &g->rows[i];

		plan_step_release(&g->steps[i]);
		free(row->after);
		json_decref(row->params);
		free(row->patch[0]);
		free(row->patch[1]);
	}
	free(g->steps);
	free(g->rows);
	memset(g, 0, sizeof(*g));
}

static int process_row(struct subgraph *g, const struct neo4j_value *row)
{
	const struct neo4j_value *inputs = item(row, 6);
	size_t i;

	if (g->have_process)
		return pm_error(PM_EFAIL, "the graph sent process '%s' twice", g->key);
	g->have_process = 1;
	g->key = value_dup(item(row, 1));
	g->name = value_dup(item(row, 2));
	g->schedule = value_dup(item(row, 3));
	g->config = value_dup(item(row, 4));
	g->config_hash = value_dup(item(row, 5));
	if (!g->key || !g->name || !g->schedule)
		return pm_error(PM_EFAIL, "process node lacks key, name or schedule");
	g->inputs = xcalloc((inputs && inputs->type == NEO4J_LIST ? inputs->len : 0) + 1, sizeof(char *));
	for (i = 0; item(inputs, i); i++)
		if (neo4j_value_str(item(inputs, i)))
			g->inputs[g->ninputs++] = value_dup(item(inputs, i));
	return 0;
}

/* `priority` as the graph holds it: a number, or the config's text. */
static int prop_priority(const char *step, const struct neo4j_value *v, int *out)
{
	const char *s = neo4j_value_str(v);
	char *end = NULL;
	long long n = 0;

	*out = 0;
	if (!v || v->type == NEO4J_NULL)
		return 0;
	if (v->type == NEO4J_INT) {
		n = v->u.integer;
	} else if (s && *s) {
		errno = 0;
		n = strtoll(s, &end, 10);
		if (*end || errno == ERANGE)
			n = LLONG_MAX;
	} else {
		n = LLONG_MAX;
	}
	if (n < -1000000 || n > 1000000)
		return pm_error(PM_ECONFIG, "step '%s': priority in the graph is not an integer in "
				"-1000000..1000000", step);
	*out = (int)n;
	return 0;
}

/* [key, value] of `enabled` (or `is_enable`), or null: the reason a step is left out. */
static int prop_enabled(const char *step, const struct neo4j_value *kv, char **reason)
{
	const struct neo4j_value *k = item(kv, 0), *v = item(kv, 1);
	const char *key = neo4j_value_str(k);
	char *text = NULL;
	int on = 1;

	*reason = NULL;
	if (!key)
		return 0;
	if (v && v->type == NEO4J_BOOL)
		text = xstrdup(v->u.boolean ? "true" : "false");
	else if (v && v->type == NEO4J_INT)
		text = xstrfmt("%lld", v->u.integer);
	else if (neo4j_value_str(v))
		text = xstrdup(neo4j_value_str(v));
	if (!text || value_bool(text, &on) < 0) {
		free(text);
		return pm_error(PM_ECONFIG, "step '%s': %s in the graph is not true or false", step, key);
	}
	if (!on)
		*reason = xstrfmt("%s = %s", key, text);
	free(text);
	return 0;
}

/* A step key's value from the graph as jansson: a string, number, boolean
 * or a list of them (a YAML list, dag.yaml); NULL for anything else. */
static json_t *param_json(const struct neo4j_value *p)
{
	json_t *list;
	size_t i;

	switch (p->type) {
	case NEO4J_STRING:
		return json_string(p->u.str);
	case NEO4J_INT:
		return json_integer((json_int_t)p->u.integer);
	case NEO4J_FLOAT:
		return json_real(p->u.real);
	case NEO4J_BOOL:
		return json_boolean(p->u.boolean);
	case NEO4J_LIST:
		list = json_array();
		for (i = 0; i < p->len; i++) {
			json_t *one = p->u.items[i].type == NEO4J_LIST ? NULL : param_json(&p->u.items[i]);

			if (!one) {
				json_decref(list);
				return NULL;
			}
			json_array_append_new(list, one);
		}
		return list;
	default:
		return NULL;
	}
}

static int step_row(struct subgraph *g, const struct neo4j_value *row)
{
	const struct neo4j_value *v, *deps = item(row, COL_DEPS), *params = item(row, COL_PARAMS);
	struct plan_step *st;
	struct step_row *r;
	size_t i;
	long x;

	v = item(row, COL_ORDER);
	if (!v || v->type != NEO4J_INT || v->u.integer < 0)
		return pm_error(PM_EFAIL, "a step has no order in the graph");
	if (g->nsteps == g->alloc) {
		g->alloc = g->alloc ? 2 * g->alloc : 64;
		g->steps = xrealloc(g->steps, g->alloc * sizeof(*g->steps));
		g->rows = xrealloc(g->rows, g->alloc * sizeof(*g->rows));
	}
	st = &g->steps[g->nsteps];
	r = &g->rows[g->nsteps];
	memset(st, 0, sizeof(*st));
	memset(r, 0, sizeof(*r));
	g->nsteps++;
	r->order = v->u.integer;
	st->name = value_dup(item(row, COL_NAME));
	if (!st->name)
		return pm_error(PM_EFAIL, "a step lacks its name in the graph");
	/* null = the same as the step's name (see the query) */
	st->procedure = value_dup(item(row, COL_PROC));
	v = item(row, COL_LINE);
	st->line = v && v->type == NEO4J_INT && v->u.integer > 0 ? (size_t)v->u.integer : 0;
	if (prop_int(st->name, item(row, COL_MAX_SHARD), "max_shard", 1, 100000, &x) < 0)
		return -1;
	st->max_shard = (int)x;
	if (prop_int(st->name, item(row, COL_TIMEOUT), "timeout", 1, 0x7fffffffL, &st->timeout) < 0 ||
	    prop_int(st->name, item(row, COL_RETRIES), "retries", 0, 1000, &x) < 0 ||
	    prop_priority(st->name, item(row, COL_PRIORITY), &st->priority) < 0 ||
	    prop_enabled(st->name, item(row, COL_ENABLED), &st->left_out) < 0)
		return -1;
	st->retries = (int)x;
	/* Written by every import since steps carry it (migration V0005 added
	 * it to the steps of earlier ones): without it the order is unknown. */
	if (!deps || deps->type != NEO4J_LIST)
		return pm_error(PM_EFAIL, "step [%s] has no runs_after in the graph: it was imported "
				"by an earlier pmeta; run 'pmeta migrate'", st->name);
	r->after = xmalloc((deps->len + 1) * sizeof(long long));
	for (i = 0; item(deps, i); i++)
		if (item(deps, i)->type == NEO4J_INT)
			r->after[r->nafter++] = item(deps, i)->u.integer;
	/* [key, value] of each step key asked for that the step has: most plans
	 * ask for none the process has, and the list is empty. */
	for (i = 0; item(params, i); i++) {
		const struct neo4j_value *kv = item(params, i);
		const char *name = neo4j_value_str(item(kv, 0));
		json_t *value;

		if (!name || !item(kv, 1))
			continue;
		/* Typed (graph/value.h): add_placeholder prints it as the config's text. */
		if (!(value = param_json(item(kv, 1))))
			continue;
		if (!r->params)
			r->params = json_object();
		json_object_set_new(r->params, name, value);
	}
	return 0;
}

static int subgraph_row(void *arg, const struct neo4j_value *cols, size_t ncols)
{
	const struct neo4j_value *row = ncols == 1 ? &cols[0] : NULL;
	const struct neo4j_value *first = item(row, 0);

	if (!first)
		return pm_error(PM_EFAIL, "the graph sent a plan row that is not a list");
	if (first->type == NEO4J_INT && first->u.integer == -1)
		return process_row(arg, row);
	return step_row(arg, row);
}

static int query_subgraph(struct neo4j *db, struct subgraph *g, const char *key,
			  const struct config_base *base, const struct plan_options *opts)
{
	subgraph_release(g);
	return neo4j_query_rows(db, cypher_plan_subgraph, plan_query_params(key, base, opts),
				subgraph_row, g);
}

/* --latest-patch: per step, the newest patch fork of its procedure that the
 * graph knows (same family, major and minor digit; same-length names
 * compare as versions), from one query for every family the plan runs. */
struct patches {
	char **names, **paths;
	size_t n, alloc;
};

static int patch_row(void *arg, const struct neo4j_value *cols, size_t ncols)
{
	struct patches *p = arg;

	if (ncols != 2 || !neo4j_value_str(&cols[0]))
		return 0;
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 16;
		p->names = xrealloc(p->names, p->alloc * sizeof(char *));
		p->paths = xrealloc(p->paths, p->alloc * sizeof(char *));
	}
	p->names[p->n] = value_dup(&cols[0]);
	p->paths[p->n] = value_dup(&cols[1]);
	p->n++;
	return 0;
}

static int graph_patches(struct neo4j *db, const char *ws, struct subgraph *g)
{
	struct patches p = { NULL, NULL, 0, 0 };
	struct strmap seen = STRMAP_INIT, best = STRMAP_INIT;
	json_t *families = json_array();
	char **prefixes;
	size_t i, idx;
	int ret;

	for (i = 0; i < g->nsteps; i++) {
		const char *proc = g->steps[i].procedure ? g->steps[i].procedure : g->steps[i].name;
		char *family = NULL, *version = NULL;

		if (version_split(proc, &family, &version) == 0 && !strmap_get(&seen, proc, NULL)) {
			strmap_put(&seen, proc, i);
			json_array_append_new(families, json_string(family));
		}
		free(family);
		free(version);
	}
	ret = neo4j_query_rows(db, cypher_plan_patches,
			       json_pack("{s:s, s:s, s:o}", "workspace", ws, "schedule", g->schedule,
					 "families", families), patch_row, &p);
	/* The newest name of each prefix (a name minus its patch digit). */
	prefixes = xcalloc(p.n + 1, sizeof(char *));
	for (i = 0; ret == 0 && i < p.n; i++) {
		prefixes[i] = xstrndup(p.names[i], strlen(p.names[i]) - 1);
		if (!strmap_get(&best, prefixes[i], &idx) || strcmp(p.names[idx], p.names[i]) < 0)
			strmap_put(&best, prefixes[i], i);
	}
	for (i = 0; ret == 0 && i < g->nsteps; i++) {
		const char *proc = g->steps[i].procedure ? g->steps[i].procedure : g->steps[i].name;
		char *prefix = xstrndup(proc, strlen(proc) ? strlen(proc) - 1 : 0);
		struct step_row *r = &g->rows[i];

		if (strmap_get(&best, prefix, &idx) && strlen(p.names[idx]) == strlen(proc)) {
			r->patch[0] = xstrdup(p.names[idx]);
			r->patch[1] = p.paths[idx] ? xstrdup(p.paths[idx]) : NULL;
		}
		free(prefix);
	}
	strmap_release(&seen);
	strmap_release(&best);
	for (i = 0; i < p.n; i++) {
		free(p.names[i]);
		free(p.paths[i]);
		free(prefixes[i]);
	}
	free(p.names);
	free(p.paths);
	free(prefixes);
	return ret;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The plan from a complete subgraph of workspace ws; takes the steps over from g. */
static int plan_from_subgraph(struct plan **out, const char *ws, struct subgraph *g,
			      const char *root, const struct config_base *base,
			      const struct plan_options *opts)
{
	struct plan *plan = xcalloc(1, sizeof(*plan));
	struct disk_patches disk;
	json_t *params = json_array();
	size_t i, j, n = g->nsteps, *sorted = xmalloc((n + 1) * sizeof(size_t)), *by_order = NULL;
	long long maxorder = -1;
	char *schedule_key = NULL;
	int ret = -1;

	memset(&disk, 0, sizeof(disk));
	*out = NULL;
	plan->workspace = xstrdup(ws);
	plan->process_key = g->key;
	plan->process = g->name;
	plan->schedule = g->schedule;
	plan->config = g->config;
	plan->inputs = g->inputs;
	plan->ninputs = g->ninputs;
	g->key = g->name = g->schedule = g->config = NULL;
	g->inputs = NULL;
	g->ninputs = 0;
	schedule_key = key_schedule(ws, plan->schedule);

	for (i = 0; i < n; i++)
		if (g->rows[i].order > maxorder)
			maxorder = g->rows[i].order;
	/* Orders are the config's section indexes, 0..n-1 as import wrote them. */
	if (maxorder >= 0 && (unsigned long long)maxorder >= 16 * (unsigned long long)n + 1024) {
		pm_error(PM_EFAIL, "a step of '%s' has order %lld in the graph, for %zu steps",
			 plan->process_key, maxorder, n);
		goto out;
	}
	/* Config order: rows came unsorted; a counting sort by order (a
	 * duplicate order, from a hand-edited graph, keeps the row order). */
	by_order = xmalloc(((size_t)(maxorder + 1) + 1) * sizeof(size_t));
	for (i = 0; i <= (size_t)(maxorder + 1); i++)
		by_order[i] = 0;
	for (i = 0; i < n; i++)
		by_order[g->rows[i].order + 1]++;
	for (i = 1; i <= (size_t)(maxorder + 1); i++)
		by_order[i] += by_order[i - 1];
	for (i = 0; i < n; i++)
		sorted[by_order[g->rows[i].order]++] = i;
	for (i = 0; i <= (size_t)(maxorder + 1); i++)
		by_order[i] = (size_t)-1;
	plan->steps = xcalloc(n + 1, sizeof(*plan->steps));
	if (opts && opts->latest_patch)
		disk_patches_load(&disk, root, plan->schedule);
	for (i = 0; i < n; i++) {
		struct plan_step *st = &plan->steps[plan->nsteps++];
		struct step_row *r = &g->rows[sorted[i]];

		/* Moved: g's slot keeps nothing to free twice. */
		*st = g->steps[sorted[i]];
		memset(&g->steps[sorted[i]], 0, sizeof(*st));
		by_order[r->order] = i;
		if (!st->procedure)
			st->procedure = xstrdup(st->name);
		if (!st->script)
			st->script = config_script_path(plan->schedule, st->procedure);
		st->key = key_child(plan->process_key, st->name);
		st->procedure_key = key_child(schedule_key, st->procedure);
		/* null, not an empty object, for a step without keys (most):
		 * jansson looks nothing up in it. */
		json_array_append_new(params, r->params ? json_incref(r->params) : json_null());
		if (opts && opts->latest_patch)
			pick_latest(plan, st, r->patch, &disk, opts);
	}
	for (i = 0; i < n; i++) {
		struct step_row *r = &g->rows[sorted[i]];
		struct plan_step *st = &plan->steps[i];

		st->deps = xmalloc((r->nafter + 1) * sizeof(size_t));
		for (j = 0; j < r->nafter; j++) {
			long long o = r->after[j];

			if (o >= 0 && o <= maxorder && by_order[o] != (size_t)-1 && by_order[o] != i)
				st->deps[st->ndeps++] = by_order[o];
		}
		/* Config order, whatever order the graph returned them in. */
		if (st->ndeps)
			qsort(st->deps, st->ndeps, sizeof(size_t), cmp_size);
	}
	if (plan_finish(plan, base, params, opts) < 0)
		goto out;
	*out = plan;
	plan = NULL;
	ret = 0;
out:
	free(sorted);
	free(by_order);
	free(schedule_key);
	disk_patches_release(&disk);
	json_decref(params);
	plan_free(plan);
	return ret;
}

/* A config text's blob id, computed beside the query (SHA-1 of a 100,000-step
 * config: 60 ms, while Neo4j answers). */
struct text_hash {
	const char *text;
	size_t len;
	char hash[41];
};

static void *text_hash_run(void *arg)
{
	struct text_hash *h = arg;

	config_text_hash(h->hash, h->text, h->len);
	return NULL;
}

int plan_load(struct plan **out, struct neo4j *db, const char *ws, const char *root,
	      const char *target, const struct plan_options *opts)
{
	struct config *cfg = NULL;
	struct config_base base;
	struct subgraph g;
	struct strbuf text = STRBUF_INIT;
	char *key = NULL, *config = NULL, *schedule = NULL, *process = NULL;
	char *croot = NULL, *cs = NULL, *cp = NULL;
	struct text_hash th;
	pthread_t hasher;
	int hashing = 0, r;
	const char *hash = th.hash;
	int ret = -1;

	*out = NULL;
	memset(&base, 0, sizeof(base));
	memset(&g, 0, sizeof(g));
	if (plan_resolve(db, ws, root, target, &schedule, &process, &config) < 0)
		return -1;
	key = key_process(ws, schedule, process);
	if (config) {
		/*
		 * Read once: the hash says whether the graph has it, the text is
		 * what a run keeps; compiled only when the graph lacks it.
		 */
		if (config_locate(config, &croot, &cs, &cp) < 0 || strbuf_read_file(&text, config) < 0)
			goto out;
		th.text = text.buf;
		th.len = text.len;
		hashing = pthread_create(&hasher, NULL, text_hash_run, &th) == 0;
		if (!hashing)
			text_hash_run(&th);
		root = croot;
	}
	/* base.conf first: its template says which step keys the query returns. */
	if (config_base_load(&base, root, schedule) < 0)
		goto out;
	r = query_subgraph(db, &g, key, &base, opts);
	if (hashing)
		pthread_join(hasher, NULL);
	hashing = 0;
	if (r < 0)
		goto out;
	if (config && (!g.config_hash || strcmp(g.config_hash, hash))) {
		struct import_stats st;
		int known = g.config_hash != NULL;

		/* Nothing is imported that check (and import) would refuse. */
		if (config_load_text(&cfg, config, text.buf, text.len) < 0 ||
		    plan_validate(NULL, cfg) < 0 ||
		    import_config(db, ws, cfg, 0, &st) < 0)
			goto out;
		notify(opts, "imported %s (%s): %ld nodes and %ld relationships created, "
		       "%ld nodes and %ld relationships deleted", config,
		       known ? "changed since the last import" : "not in the graph yet",
		       st.nodes_created, st.rels_created, st.nodes_deleted, st.rels_deleted);
		if (query_subgraph(db, &g, key, &base, opts) < 0)
			goto out;
	}
	if (!g.have_process) {
		pm_error(PM_EFAIL, "no process '%s/%s' in the graph of workspace '%s'; import its config first",
			 schedule, process, ws);
		goto out;
	}
	if (opts && opts->latest_patch && graph_patches(db, ws, &g) < 0)
		goto out;
	ret = plan_from_subgraph(out, ws, &g, root, &base, opts);
	if (ret == 0 && config) {
		(*out)->config_hash = xstrdup(hash);
		(*out)->config_text = strbuf_detach(&text, NULL);
	} else if (ret == 0 && g.config_hash) {
		(*out)->config_hash = xstrdup(g.config_hash);
	}
out:
	if (hashing)
		pthread_join(hasher, NULL);
	strbuf_release(&text);
	subgraph_release(&g);
	config_base_release(&base);
	config_free(cfg);
	free(schedule);
	free(process);
	free(croot);
	free(cs);
	free(cp);
	free(key);
	free(config);
	return ret;
}

/* --- JSON (contract) --- */

json_t *plan_to_json(const struct plan *plan)
{
	json_t *inputs = json_array(), *stages = json_array(), *left_out = json_array();
	size_t i, j;

	for (i = 0; i < plan->ninputs; i++)
		json_array_append_new(inputs, json_string(plan->inputs[i]));
	for (i = 0; i < plan->nstages; i++) {
		json_t *jobs = json_array();

		for (j = 0; j < plan->stages[i].njobs; j++) {
			const struct plan_job *job = &plan->jobs[plan->stages[i].jobs[j]];
			const struct plan_step *st = &plan->steps[job->step];

			json_array_append_new(jobs, json_pack("{s:s, s:s, s:o, s:o, s:s, s:I}",
				"step", st->name, "procedure", st->procedure,
				"shard", job->shard >= 0 ? json_integer(job->shard) : json_null(),
				"max_shard", st->max_shard > 0 ? json_integer(st->max_shard) : json_null(),
				"command", job->command, "priority", (json_int_t)st->priority));
		}
		json_array_append_new(stages, json_pack("{s:I, s:o}", "index", (json_int_t)i, "jobs", jobs));
	}
	for (i = 0; i < plan->nleft_out; i++)
		json_array_append_new(left_out, json_pack("{s:s, s:s, s:s}", "step", plan->left_out[i].step,
							  "procedure", plan->left_out[i].procedure,
							  "reason", plan->left_out[i].reason));
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "process", plan->process, "schedule", plan->schedule,
			 "inputs", inputs, "stages", stages, "left_out", left_out);
}

/*
 * The same document, written as it goes: plan_to_json built a tree of every
 * job and json_dumpf walked it (a quarter of a 10,000-step plan's
 * instructions, and a second copy of the plan in memory). Byte for byte what
 * json_dumpf(plan_to_json(plan), JSON_INDENT(2) | JSON_PRESERVE_ORDER) prints,
 * which the unit tests check.
 */
/* One string at a time through jsonw (the escaping json_dumpf does). */
static void put_json_string(FILE *out, struct strbuf *scratch, const char *s)
{
	strbuf_reset(scratch);
	jsonw_string(scratch, s);
	fwrite(scratch->buf, 1, scratch->len, out);
}

int plan_write_json(const struct plan *plan, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	fputs("{\n  \"process\": ", out);
	put_json_string(out, &sb, plan->process);
	fputs(",\n  \"schedule\": ", out);
	put_json_string(out, &sb, plan->schedule);
	fputs(",\n  \"inputs\": [", out);
	for (i = 0; i < plan->ninputs; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		put_json_string(out, &sb, plan->inputs[i]);
	}
	fputs(plan->ninputs ? "\n  ],\n  \"stages\": [" : "],\n  \"stages\": [", out);
	for (i = 0; i < plan->nstages; i++) {
		fprintf(out, "%s    {\n      \"index\": %zu,\n      \"jobs\": [", i ? ",\n" : "\n", i);
		for (j = 0; j < plan->stages[i].njobs; j++) {
			const struct plan_job *job = &plan->jobs[plan->stages[i].jobs[j]];
			const struct plan_step *st = &plan->steps[job->step];

			fputs(j ? ",\n        {\n          \"step\": " : "\n        {\n          \"step\": ", out);
			put_json_string(out, &sb, st->name);
			fputs(",\n          \"procedure\": ", out);
			put_json_string(out, &sb, st->procedure);
			if (job->shard >= 0)
				fprintf(out, ",\n          \"shard\": %d", job->shard);
			else
				fputs(",\n          \"shard\": null", out);
			if (st->max_shard > 0)
				fprintf(out, ",\n          \"max_shard\": %d", st->max_shard);
			else
				fputs(",\n          \"max_shard\": null", out);
			fputs(",\n          \"command\": ", out);
			put_json_string(out, &sb, job->command);
			fprintf(out, ",\n          \"priority\": %d\n        }", st->priority);
		}
		fputs(plan->stages[i].njobs ? "\n      ]\n    }" : "]\n    }", out);
	}
	fputs(plan->nstages ? "\n  ],\n  \"left_out\": [" : "],\n  \"left_out\": [", out);
	for (i = 0; i < plan->nleft_out; i++) {
		fputs(i ? ",\n    {\n      \"step\": " : "\n    {\n      \"step\": ", out);
		put_json_string(out, &sb, plan->left_out[i].step);
		fputs(",\n      \"procedure\": ", out);
		put_json_string(out, &sb, plan->left_out[i].procedure);
		fputs(",\n      \"reason\": ", out);
		put_json_string(out, &sb, plan->left_out[i].reason);
		fputs("\n    }", out);
	}
	fputs(plan->nleft_out ? "\n  ]\n}" : "]\n}", out);
	strbuf_release(&sb);
	return ferror(out) ? -1 : 0;
}
