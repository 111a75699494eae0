/*
 * Incremental steps in a run (run/items.h): settings from the graph, the
 * gate and settle hooks of the runner, the no-op check, lineage writes.
 *
 * Ownership: the items_plan owns the step settings; an items_run borrows
 * them and owns, per plan step, its ledger and this run's gap, and per
 * plan job the items it was handed (names and paths) and the paths of its
 * items and done files, which the runner's job_result borrows.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cypher.h"
#include "graph/config.h"
#include "graph/neo4j.h"
#include "graph/plan.h"
#include "run/items.h"
#include "run/journal.h"
#include "run/ledger.h"
#include "run/runner.h"
#include "run/watch.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/strmap.h"

/* --- settings --- */

void items_plan_free(struct items_plan *ip)
{
	size_t i;

	if (!ip)
		return;
	for (i = 0; i < ip->nsteps; i++)
		items_step_release(&ip->steps[i]);
	free(ip->steps);
	free(ip->by_step);
	free(ip->root);
	free(ip->data_root);
	free(ip);
}

/* A list of strings from a JSON array (sorted, unique); *n its length. */
static char **string_list(json_t *arr, size_t *n)
{
	char **v = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_t *x;
	size_t i, k = 0;

	*n = 0;
	json_array_foreach(arr, i, x)
		if (json_is_string(x))
			v[(*n)++] = xstrdup(json_string_value(x));
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_strings);
	for (i = 0; i < *n; i++) {
		if (k && !strcmp(v[k - 1], v[i])) {
			free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
	return v;
}

/* A cap stored typed (an integer) or as text; 0 when absent or not a positive number. */
static long cap_of(json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (long)json_integer_value(v) : 0;
	if (s) {
		char *end;
		long n = strtol(s, &end, 10);

		return *s && !*end && n > 0 ? n : 0;
	}
	return 0;
}

int items_plan_load(struct items_plan **out, struct neo4j *db, const struct plan *plan,
		    const char *root)
{
	struct items_plan *ip = xcalloc(1, sizeof(*ip));
	struct config_base base;
	json_t *res = NULL;
	size_t i, j, n;
	int ret = -1;

	*out = NULL;
	memset(&base, 0, sizeof(base));
	ip->root = xstrdup(root);
	ip->nplan_steps = plan->nsteps;
	ip->by_step = xcalloc(plan->nsteps + 1, sizeof(*ip->by_step));
	if (!plan->process_key) {
		ret = pm_error(PM_EFAIL, "the plan of %s/%s has no graph key", plan->schedule, plan->process);
		goto out;
	}
	if (neo4j_query(db, &res, cypher_items_steps, json_pack("{ss}", "process", plan->process_key)) < 0)
		goto out;
	n = neo4j_nrows(res);
	ip->steps = xcalloc(n + 1, sizeof(*ip->steps));
	for (i = 0; i < n; i++) {
		struct items_step *st = &ip->steps[ip->nsteps];
		const char *name = json_string_value(neo4j_cell(res, i, "step"));
		const char *glob = json_string_value(neo4j_cell(res, i, "items"));
		const char *mode = json_string_value(neo4j_cell(res, i, "run_mode"));
		long batch = cap_of(neo4j_cell(res, i, "batch"));

		if (!name || !glob)
			continue;
		st->step = xstrdup(name);
		st->glob = xstrdup(glob);
		st->batch = batch ? batch : cap_of(neo4j_cell(res, i, "per_handle_task_num"));
		st->force = mode && !strcmp(mode, "force");
		st->datasets = string_list(neo4j_cell(res, i, "reads"), &st->ndatasets);
		st->skip = string_list(neo4j_cell(res, i, "amends"), &st->nskip);
		ip->nsteps++;
	}
	for (i = 0; i < ip->nsteps; i++)
		for (j = 0; j < plan->nsteps; j++)
			if (!strcmp(plan->steps[j].name, ip->steps[i].step))
				ip->by_step[j] = &ip->steps[i];
	if (config_base_load(&base, root, plan->schedule) < 0)
		goto out;
	ip->data_root = config_data_root(&base, root, plan->schedule);
	*out = ip;
	ip = NULL;
	ret = 0;
out:
	config_base_release(&base);
	json_decref(res);
	items_plan_free(ip);
	return ret;
}

/* --- a run --- */

struct step_state {
	const struct items_step *st;  /* NULL: not incremental */
	struct ledger ledger;
	int loaded;
	int computed;                 /* gap known for this run */
	struct item_list gap;
	int appended;                 /* a batch went to the ledger: sync it */
	/* the last look (run/watch.h): */
	unsigned long long *gens;     /* per dataset, taken before the scan; 0 = unwatched */
	int has_dirs;                 /* the scan found folder items */
	size_t seen;                  /* items the last scan or look saw */
	int looked;                   /* a look stored in this run, to commit */
	int nothing_new;              /* the no-op check's scan found an empty gap */
};

static void looks_commit(struct items_run *ir);

struct job_items {
	struct item *items;           /* handed to the job (names owned) */
	char **paths;                 /* as its items file names them */
	size_t n;
	char *items_file, *done_file;
};

struct items_run {
	const struct items_plan *ip;
	const struct plan *plan;
	int force, read_only;
	char *run_id, *run_dir;
	struct step_state *steps;     /* per plan step */
	struct job_items *jobs;       /* per plan job */
	int left;
	struct strbuf warning;
};

int items_run_init(struct items_run **out, const struct items_plan *ip, const struct plan *plan,
		   const struct items_run_options *opts)
{
	struct items_run *ir = xcalloc(1, sizeof(*ir));
	size_t i;

	ir->ip = ip;
	ir->plan = plan;
	ir->force = opts->force;
	ir->read_only = opts->read_only;
	strbuf_init(&ir->warning, 0);
	ir->steps = xcalloc(plan->nsteps + 1, sizeof(*ir->steps));
	ir->jobs = xcalloc(plan->njobs + 1, sizeof(*ir->jobs));
	for (i = 0; i < plan->nsteps; i++) {
		struct ledger empty = LEDGER_INIT;

		ir->steps[i].ledger = empty;
		ir->steps[i].st = i < ip->nplan_steps ? ip->by_step[i] : NULL;
	}
	items_run_set_dir(ir, opts->run_id, opts->run_dir);
	*out = ir;
	return 0;
}

void items_run_set_dir(struct items_run *ir, const char *run_id, const char *run_dir)
{
	free(ir->run_id);
	free(ir->run_dir);
	ir->run_id = run_id ? xstrdup(run_id) : NULL;
	ir->run_dir = run_dir ? xstrdup(run_dir) : NULL;
}

static void job_items_release(struct job_items *ji)
{
	size_t i;

	for (i = 0; i < ji->n; i++) {
		free(ji->items[i].name);
		free(ji->paths[i]);
	}
	free(ji->items);
	free(ji->paths);
	free(ji->items_file);
	free(ji->done_file);
	memset(ji, 0, sizeof(*ji));
}

void items_run_free(struct items_run *ir)
{
	size_t i;

	if (!ir)
		return;
	for (i = 0; i < ir->plan->nsteps; i++) {
		struct step_state *ss = &ir->steps[i];

		/* Hashes learnt on the way: the next run need not learn them again. */
		if (ss->loaded && !ir->read_only && ledger_flush(&ss->ledger) < 0)
			pm_error_clear();
	}
	looks_commit(ir);
	for (i = 0; i < ir->plan->nsteps; i++) {
		struct step_state *ss = &ir->steps[i];

		ledger_release(&ss->ledger);
		item_list_release(&ss->gap);
		free(ss->gens);
	}
	for (i = 0; i < ir->plan->njobs; i++)
		job_items_release(&ir->jobs[i]);
	free(ir->steps);
	free(ir->jobs);
	free(ir->run_id);
	free(ir->run_dir);
	strbuf_release(&ir->warning);
	free(ir);
}

static void warn(struct items_run *ir, const char *fmt, ...) PM_PRINTF(2, 3);

static void warn(struct items_run *ir, const char *fmt, ...)
{
	va_list ap;

	if (ir->warning.len)
		strbuf_addstr(&ir->warning, "; ");
	va_start(ap, fmt);
	strbuf_vaddf(&ir->warning, fmt, ap);
	va_end(ap);
}

static int load_ledger(struct items_run *ir, size_t step)
{
	struct step_state *ss = &ir->steps[step];
	char *path;
	int ret;

	if (ss->loaded)
		return 0;
	path = ledger_path(ir->ip->root, ir->plan->schedule, ir->plan->process, ss->st->step);
	ret = ledger_load(&ss->ledger, path);
	free(path);
	ss->loaded = ret == 0;
	return ret;
}

/*
 * Looks that found nothing new, kept between the cycles of one pmeta
 * (run/watch.h): a step whose datasets' folders nothing touched since,
 * whose ledger is the same file of the same size, and whose settings are
 * the same, still has nothing new; it is not read again for LOOK_MAX_S.
 * Only the caller's thread touches them (the no-op check's workers get
 * the steps no look vouches for).
 */
#define LOOK_MAX_S 300.0

struct look {
	char *ledger;                 /* the step's ledger: whose look it is */
	char *settings;               /* pattern, datasets, skips, data root */
	unsigned long long *gens;
	size_t ndatasets, seen;
	double at;                    /* monotonic */
	long long size, mtime_ns, ino;   /* the ledger then; ino 0 = not committed yet */
};

static struct look *looks;
static size_t nlooks, alooks;

static char *settings_of(const struct items_run *ir, const struct items_step *st)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addf(&sb, "%s\n%s\n", ir->ip->data_root, st->glob);
	for (i = 0; i < st->ndatasets; i++)
		strbuf_addf(&sb, "r %s\n", st->datasets[i]);
	for (i = 0; i < st->nskip; i++)
		strbuf_addf(&sb, "s %s\n", st->skip[i]);
	return strbuf_detach(&sb, NULL);
}

static struct look *look_of(const char *ledger)
{
	size_t i;

	for (i = 0; i < nlooks; i++)
		if (!strcmp(looks[i].ledger, ledger))
			return &looks[i];
	return NULL;
}

static int ledger_stat(const char *path, long long *size, long long *mtime_ns, long long *ino)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*size = -1;
		*mtime_ns = 0;
		*ino = -1;   /* no ledger yet is a state too */
		return errno == ENOENT ? 0 : -1;
	}
	*size = (long long)st.st_size;
	*mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	*ino = (long long)st.st_ino;
	return 0;
}

/*
 * Takes the generations of the step's dataset folders (before any scan),
 * then: 1 when a committed look still vouches that nothing is new.
 */
static int look_check(struct items_run *ir, size_t step)
{
	struct step_state *ss = &ir->steps[step];
	const struct items_step *st = ss->st;
	char *path = ledger_path(ir->ip->root, ir->plan->schedule, ir->plan->process, st->step);
	struct look *lk;
	long long size, mtime, ino;
	size_t i;
	int ok = 0;

	free(ss->gens);
	ss->gens = xcalloc(st->ndatasets + 1, sizeof(*ss->gens));
	for (i = 0; i < st->ndatasets; i++) {
		char *dir = xstrfmt("%s/%s", ir->ip->data_root, st->datasets[i]);

		ss->gens[i] = watch_generation(dir);
		free(dir);
	}
	lk = look_of(path);
	if (lk && lk->ino && !ir->force && !st->force && lk->ndatasets == st->ndatasets &&
	    runner_now() - lk->at < LOOK_MAX_S && ledger_stat(path, &size, &mtime, &ino) == 0 &&
	    size == lk->size && mtime == lk->mtime_ns && ino == lk->ino) {
		char *set = settings_of(ir, st);

		ok = !strcmp(set, lk->settings);
		for (i = 0; ok && i < st->ndatasets; i++)
			ok = ss->gens[i] && ss->gens[i] == lk->gens[i];
		free(set);
	}
	if (ok)
		ss->seen = lk->seen;
	free(path);
	return ok;
}

/* After a scan that found nothing new: remember it (committed once the ledger is written). */
static void look_store(struct items_run *ir, size_t step, int nothing_new)
{
	struct step_state *ss = &ir->steps[step];
	const struct items_step *st = ss->st;
	char *path;
	struct look *lk;
	size_t i;

	if (!nothing_new || ss->has_dirs || ir->force || st->force || ir->read_only || !ss->gens)
		return;
	for (i = 0; i < st->ndatasets; i++)
		if (!ss->gens[i])
			return;   /* a folder not watched: every look reads it */
	path = ledger_path(ir->ip->root, ir->plan->schedule, ir->plan->process, st->step);
	lk = look_of(path);
	if (!lk) {
		if (nlooks == alooks) {
			alooks = alooks ? 2 * alooks : 16;
			looks = xrealloc(looks, alooks * sizeof(*looks));
		}
		lk = &looks[nlooks++];
		memset(lk, 0, sizeof(*lk));
		lk->ledger = path;
	} else {
		free(path);
		free(lk->settings);
		free(lk->gens);
	}
	lk->settings = settings_of(ir, st);
	lk->gens = xcalloc(st->ndatasets + 1, sizeof(*lk->gens));
	memcpy(lk->gens, ss->gens, st->ndatasets * sizeof(*lk->gens));
	lk->ndatasets = st->ndatasets;
	lk->seen = ss->seen;
	lk->at = runner_now();
	lk->ino = 0;
	ss->looked = 1;
}

/* The looks of this run hold once the ledgers are written: record them as they are now. */
static void looks_commit(struct items_run *ir)
{
	size_t i;

	for (i = 0; i < ir->plan->nsteps; i++) {
		struct step_state *ss = &ir->steps[i];
		struct look *lk;
		char *path;

		if (!ss->looked)
			continue;
		ss->looked = 0;
		path = ledger_path(ir->ip->root, ir->plan->schedule, ir->plan->process, ss->st->step);
		lk = look_of(path);
		if (lk && ledger_stat(path, &lk->size, &lk->mtime_ns, &lk->ino) < 0)
			lk->ino = 0;
		free(path);
	}
}

void items_looks_forget(void)
{
	size_t i;

	for (i = 0; i < nlooks; i++) {
		free(looks[i].ledger);
		free(looks[i].settings);
		free(looks[i].gens);
	}
	free(looks);
	looks = NULL;
	nlooks = alooks = 0;
}

/* The step's gap now, into *gap. */
static int compute_gap(struct items_run *ir, size_t step, struct item_list *gap, size_t *nseen)
{
	struct step_state *ss = &ir->steps[step];
	struct item_list all = ITEM_LIST_INIT;
	int ret;

	if (load_ledger(ir, step) < 0)
		return -1;
	ret = items_scan(&all, ss->st, ir->ip->data_root);
	if (ret == 0) {
		size_t i;

		for (i = 0; i < all.n && !ss->has_dirs; i++)
			ss->has_dirs = all.v[i].dir;
		ret = items_gap(gap, &all, &ss->ledger, ir->ip->data_root, ir->force || ss->st->force);
	}
	ss->seen = all.n + gap->n;
	if (nseen)
		*nseen += ss->seen;
	item_list_release(&all);
	if (ret < 0)
		pm_error_prefix("step [%s]: cannot compute its items", ss->st->step);
	return ret;
}

/*
 * The no-op check looks at every step's datasets: a few thousand stats a
 * step, kernel time that threads spread over the cores. Each worker takes
 * whole steps (a step's ledger and state are then touched by one thread
 * only) until the steps are done or one has something new.
 */
struct check_pool {
	struct items_run *ir;
	const size_t *steps;
	size_t nsteps, next;
	int found, failed;
	char *error;
	enum pm_errclass cls;
	size_t seen;
	pthread_mutex_t mu;
};

static void *check_steps(void *arg)
{
	struct check_pool *cp = arg;

	for (;;) {
		struct item_list gap = ITEM_LIST_INIT;
		size_t step, seen = 0;
		int ret;

		pthread_mutex_lock(&cp->mu);
		if (cp->found || cp->failed || cp->next == cp->nsteps) {
			pthread_mutex_unlock(&cp->mu);
			break;
		}
		step = cp->steps[cp->next++];
		pthread_mutex_unlock(&cp->mu);
		ret = compute_gap(cp->ir, step, &gap, &seen);
		pthread_mutex_lock(&cp->mu);
		cp->seen += seen;
		cp->ir->steps[step].nothing_new = ret == 0 && !gap.n;
		if (ret < 0 && !cp->failed) {
			cp->failed = 1;
			cp->error = xstrdup(pm_error_msg());
			cp->cls = pm_error_class();
		} else if (ret == 0 && gap.n) {
			cp->found = 1;
		}
		pthread_mutex_unlock(&cp->mu);
		item_list_release(&gap);
	}
	return NULL;
}

int items_up_to_date(struct items_run *ir, const unsigned char *selected, size_t *nitems)
{
	const struct plan *plan = ir->plan;
	struct check_pool cp;
	size_t *steps = xcalloc(plan->nsteps + 1, sizeof(size_t));
	unsigned char *wanted = xcalloc(plan->nsteps + 1, 1);
	pthread_t threads[8];
	size_t i, n = 0, nthreads;
	sigset_t block, old;
	int ret = 1;

	memset(&cp, 0, sizeof(cp));
	for (i = 0; i < plan->njobs; i++) {
		size_t s = plan->jobs[i].step;

		if (!selected[i])
			continue;
		if (!ir->steps[s].st || ir->force || ir->steps[s].st->force) {
			ret = 0;    /* it runs whatever the disk holds */
			goto out;
		}
		wanted[s] = 1;
	}
	/* Steps a look vouches for need no scan; the others go to the workers. */
	for (i = 0; i < plan->nsteps; i++) {
		if (!wanted[i])
			continue;
		if (look_check(ir, i))
			cp.seen += ir->steps[i].seen;
		else
			steps[n++] = i;
	}
	cp.ir = ir;
	cp.steps = steps;
	cp.nsteps = n;
	pthread_mutex_init(&cp.mu, NULL);
	nthreads = runner_ncpu();
	if (nthreads > n)
		nthreads = n;
	if (nthreads > sizeof(threads) / sizeof(threads[0]))
		nthreads = sizeof(threads) / sizeof(threads[0]);
	/* Signals stay the main thread's business. */
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, check_steps, &cp) != 0)
			break;
	nthreads = i;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	check_steps(&cp);
	for (i = 1; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&cp.mu);
	if (cp.failed) {
		pm_error(cp.cls, "%s", cp.error);
		ret = -1;
	} else if (cp.found) {
		ret = 0;
	}
	for (i = 0; i < n; i++) {
		struct step_state *ss = &ir->steps[steps[i]];

		if (ss->loaded && !ir->read_only && ledger_flush(&ss->ledger) < 0)
			pm_error_clear();   /* a hash learnt again next time */
		look_store(ir, steps[i], ss->nothing_new);
	}
	looks_commit(ir);
out:
	free(cp.error);
	free(wanted);
	free(steps);
	if (nitems)
		*nitems = cp.seen;
	return ret;
}

int items_pending(struct items_run *ir, size_t step, struct item_list *gap)
{
	if (step >= ir->plan->nsteps || !ir->steps[step].st)
		return pm_error(PM_EFAIL, "step [%s] is not incremental (it has no 'items =')",
				step < ir->plan->nsteps ? ir->plan->steps[step].name : "?");
	return compute_gap(ir, step, gap, NULL);
}

const struct items_step *items_run_step(const struct items_run *ir, size_t step)
{
	return step < ir->plan->nsteps ? ir->steps[step].st : NULL;
}

static int write_items_file(const char *path, char **paths, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	int fd, ret = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		strbuf_addstr(&sb, paths[i]);
		strbuf_addch(&sb, '\n');
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		ret = pm_error(PM_EFAIL, "cannot write items file '%s': %s", path, strerror(errno));
	if (fd >= 0 && close(fd) < 0 && !ret)
		ret = pm_error(PM_EFAIL, "cannot write items file '%s': %s", path, strerror(errno));
	strbuf_release(&sb);
	return ret;
}

/* "<run dir>/<step>[.<shard>]<ext>" (caller frees). */
static char *job_file(const struct items_run *ir, size_t job, const char *ext)
{
	const struct plan_job *pj = &ir->plan->jobs[job];
	const char *step = ir->plan->steps[pj->step].name;

	if (pj->shard < 0)
		return xstrfmt("%s/%s%s", ir->run_dir, step, ext);
	return xstrfmt("%s/%s.%d%s", ir->run_dir, step, pj->shard, ext);
}

int items_gate(void *data, struct runner *r, size_t job)
{
	struct items_run *ir = data;
	const struct plan_job *pj = &ir->plan->jobs[job];
	struct step_state *ss = &ir->steps[pj->step];
	struct job_result *jr = &r->jobs[job];
	struct job_items *ji = &ir->jobs[job];
	int force, max_shard = ir->plan->steps[pj->step].max_shard;
	size_t i;

	if (!ss->st)
		return RUNNER_GATE_RUN;
	if (jr->nitems >= 0)
		return RUNNER_GATE_RUN;   /* a retry: the items it was handed */
	if (!ir->run_dir || ir->read_only)
		return pm_error(PM_EFAIL, "items of step [%s]: no run folder", ss->st->step);
	force = ir->force || ss->st->force;
	/* Once per step and run: its shards share the scan, each takes its part. */
	if (!ss->computed) {
		if (!look_check(ir, pj->step)) {
			if (compute_gap(ir, pj->step, &ss->gap, NULL) < 0)
				return RUNNER_GATE_FAIL;
			look_store(ir, pj->step, !ss->gap.n);
		}
		ss->computed = 1;
	}
	ji->items = xcalloc(ss->gap.n + 1, sizeof(*ji->items));
	ji->paths = xcalloc(ss->gap.n + 1, sizeof(*ji->paths));
	for (i = 0; i < ss->gap.n; i++) {
		struct item it = ss->gap.v[i];

		if (max_shard > 0 && items_shard_of(it.name, max_shard) != pj->shard)
			continue;
		if (!force && ss->st->batch && (long)ji->n == ss->st->batch) {
			ir->left = 1;   /* the rest wait for the next run */
			break;
		}
		if (!it.hash[0] && item_hash(&it, ir->ip->data_root) < 0) {
			if (errno == ENOENT) {
				pm_error_clear();
				continue;   /* gone since the scan */
			}
			return RUNNER_GATE_FAIL;
		}
		it.name = xstrdup(it.name);
		ji->items[ji->n] = it;
		ji->paths[ji->n] = items_path(ir->ip->root, ir->ip->data_root, &it);
		ji->n++;
	}
	if (!ji->n && !force) {
		jr->nitems = 0;
		return RUNNER_GATE_UP_TO_DATE;
	}
	ji->items_file = job_file(ir, job, ".items");
	ji->done_file = job_file(ir, job, ".done");
	unlink(ji->done_file);
	if (write_items_file(ji->items_file, ji->paths, ji->n) < 0)
		return RUNNER_GATE_FAIL;
	jr->items_file = ji->items_file;
	jr->done_file = ji->done_file;
	jr->nitems = (long)ji->n;
	jr->nprocessed = 0;
	return RUNNER_GATE_RUN;
}

/* Drops trailing blanks and a leading "./"; returns s. */
static char *trim_path(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	return s;
}

/*
 * Which of the job's items its PMETA_DONE file names (marks[i] = 1), as
 * written in the items file or absolute. Returns how many, or -1 when the
 * job wrote no such file (then all of them count).
 */
static long read_done(struct items_run *ir, size_t job, unsigned char *marks)
{
	struct job_items *ji = &ir->jobs[job];
	struct strbuf sb = STRBUF_INIT;
	struct strmap index = STRMAP_INIT;
	size_t i, root_len = strlen(ir->ip->root), unknown = 0;
	long count = 0;
	char *line, *next;

	if (access(ji->done_file, F_OK) < 0)
		return -1;
	if (strbuf_read_file(&sb, ji->done_file) < 0) {
		warn(ir, "%s", pm_error_msg());
		pm_error_clear();
		return 0;   /* unreadable: it finished nothing we can tell */
	}
	for (i = 0; i < ji->n; i++)
		strmap_put(&index, ji->paths[i], i);
	for (line = sb.buf; line && *line; line = next) {
		size_t idx;
		char *p;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p = trim_path(line);
		if (!*p)
			continue;
		/* An absolute path inside the workspace names the relative one. */
		if (p[0] == '/' && !strncmp(p, ir->ip->root, root_len) && p[root_len] == '/' &&
		    !strmap_get(&index, p, NULL))
			p += root_len + 1;
		if (strmap_get(&index, p, &idx)) {
			count += !marks[idx];
			marks[idx] = 1;
		} else {
			unknown++;
		}
	}
	if (unknown)
		warn(ir, "%s: %zu lines name no item the job was given", ji->done_file, unknown);
	strmap_release(&index);
	strbuf_release(&sb);
	return count;
}

void items_settled(void *data, struct runner *r, size_t job)
{
	struct items_run *ir = data;
	const struct plan_job *pj = &ir->plan->jobs[job];
	const struct plan_step *ps = &ir->plan->steps[pj->step];
	struct step_state *ss = &ir->steps[pj->step];
	struct job_result *jr = &r->jobs[job];
	struct job_items *ji = &ir->jobs[job];
	struct ledger_batch b;
	struct ledger_rec *recs;
	unsigned char *marks;
	size_t i, n = 0;
	long done;

	jr->nprocessed = 0;
	if (!ss->st || jr->state != JOB_SUCCEEDED || !ji->n)
		return;
	marks = xcalloc(ji->n, 1);
	done = read_done(ir, job, marks);
	recs = xcalloc(ji->n, sizeof(*recs));
	for (i = 0; i < ji->n; i++) {
		const struct item *it = &ji->items[i];

		if (done >= 0 && !marks[i])
			continue;
		recs[n].dataset = it->dataset;
		recs[n].name = it->name;
		recs[n].hash = it->hash;
		recs[n].size = it->size;
		recs[n].mtime_ns = it->mtime_ns;
		recs[n].hashed_ms = it->hashed_ms;
		n++;
	}
	b.run_id = ir->run_id;
	b.shard = pj->shard;
	b.procedure = ps->procedure;
	b.blob = jr->script.blob;   /* what the job ran (vcs/provenance.h), "" unknown */
	b.at_ms = jr->finished_ms ? jr->finished_ms : runner_wall_ms();
	if (n && ledger_append(&ss->ledger, &b, recs, n) < 0) {
		warn(ir, "step [%s]: %s: its %zu items will be processed again", ps->name,
		     pm_error_msg(), n);
		pm_error_clear();
		n = 0;
	}
	/* Items PMETA_DONE left out stay in the gap: a later run gets them again
	 * (not --drain's business: the script chose to leave them). */
	if (n)
		ss->appended = 1;
	jr->nprocessed = (long)n;
	free(recs);
	free(marks);
}

int items_run_left(const struct items_run *ir)
{
	return ir->left;
}

const char *items_run_warning(const struct items_run *ir)
{
	return ir->warning.len ? ir->warning.buf : NULL;
}

int items_run_sync(struct items_run *ir, struct neo4j *db, const char *ws, size_t *nitems)
{
	size_t i, total = 0;
	int ret = 0;

	for (i = 0; i < ir->plan->nsteps; i++) {
		struct step_state *ss = &ir->steps[i];
		size_t n = 0;

		if (!ss->loaded)
			continue;
		if (ledger_flush(&ss->ledger) < 0)
			pm_error_clear();
		if (!ledger_unsynced(ss->ledger.path))
			continue;
		if (ledger_sync(db, ws, ss->ledger.path, &n) < 0) {
			ret = -1;
			break;
		}
		total += n;
		if (ledger_compact(&ss->ledger) < 0) {
			warn(ir, "%s", pm_error_msg());
			pm_error_clear();
		}
	}
	if (nitems)
		*nitems = total;
	return ret;
}

/* --- the light record of a check --- */

int items_record_check(struct neo4j *db, const struct plan *plan, const char *root,
		       long long *checks)
{
	char *path = xstrfmt("%s/.pmeta/items/%s/%s/checks", root, plan->schedule, plan->process);
	char *tmp = xstrfmt("%s.tmp", path), *at;
	long long count = 0, last = 0, now = runner_wall_ms();
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (f) {
		if (fscanf(f, "%lld %lld", &count, &last) != 2)
			count = 0;
		fclose(f);
	}
	count++;
	*checks = count;
	{
		char *dir = xstrfmt("%s/.pmeta/items/%s/%s", root, plan->schedule, plan->process);
		char *p;

		for (p = dir + strlen(root) + 1; *p; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0755);
				*p = '/';
			}
		mkdir(dir, 0755);
		free(dir);
	}
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%lld %lld\n", count, now) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	at = run_time_iso(now);
	ret = neo4j_query(db, NULL, cypher_items_checked,
			  json_pack("{sssssI}", "process", plan->process_key, "at", at, "checks",
				    (json_int_t)count));
	free(at);
out:
	free(path);
	free(tmp);
	return ret;
}
