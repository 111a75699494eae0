/*
 * pmeta items: what an incremental step processed (or what was processed
 * of a dataset), by which run and procedure version; --pending: the gap
 * now; --item: which versions touched one task. Reads Neo4j after writing
 * the workspace's unsynced journals and ledgers; the gap comes from the
 * disk and the step's ledger (run/items.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "graph/plan.h"
#include "run/items.h"
#include "run/journal.h"
#include "run/select.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta items (<step> | <dataset>) [-p <process>] [--dataset] [--pending]\n"
	"                   [--item <name>] [--json]\n"
	"   or: pmeta items --item <name> [--json]\n",
	"Lists the items an incremental step (items = GLOB) processed: each item of\n"
	"the datasets it reads, the content it had (git blob id), the run, shard,\n"
	"procedure version and script blob that processed it. A dataset lists its\n"
	"items and every step that processed them. --pending lists the step's gap\n"
	"now instead: the items its next run would get (new, or changed since it\n"
	"processed them). --item keeps one item name; alone, it answers which\n"
	"versions touched that task anywhere in the workspace.\n"
	"\n"
	"A name that is both a step and a dataset (a step writes the dataset named\n"
	"after it) means the step; --dataset says the dataset. A name used in two\n"
	"processes or schedules needs -p.\n",
	"Exit status: 0, 1 no such step or dataset (or it is not incremental, with\n"
	"--pending), 2 usage, 4 Neo4j unreachable.\n"
};

struct target {
	int dataset;           /* else a step */
	char *key, *schedule, *process;
};

static void target_release(struct target *t)
{
	free(t->key);
	free(t->schedule);
	free(t->process);
}

/* -p: "p_002_v_000" or "sche_001/p_002_v_000" matches schedule/process. */
static int process_matches(const char *want, const char *schedule, const char *process)
{
	const char *slash = want ? strchr(want, '/') : NULL;

	if (!want)
		return 1;
	if (!slash)
		return process && !strcmp(want, process);
	return !strncmp(want, schedule, (size_t)(slash - want)) && !schedule[slash - want] &&
	       (!process || !strcmp(slash + 1, process));
}

/* For a dataset, -p names the schedule through a process. */
static int schedule_matches(const char *want, const char *schedule, const json_t *steps_res,
			    size_t nrows)
{
	const char *slash = want ? strchr(want, '/') : NULL;
	size_t i;

	if (!want)
		return 1;
	if (slash)
		return !strncmp(want, schedule, (size_t)(slash - want)) && !schedule[slash - want];
	/* a bare process name: the schedules holding a process of that name */
	for (i = 0; i < nrows; i++) {
		const char *p = json_string_value(neo4j_cell(steps_res, i, "process"));
		const char *sc = json_string_value(neo4j_cell(steps_res, i, "schedule"));

		if (p && sc && !strcmp(p, want) && !strcmp(sc, schedule))
			return 1;
	}
	return 0;
}

static int resolve(struct target *t, struct neo4j *db, const char *ws, const char *name,
		   const char *process, int want_dataset)
{
	json_t *res = NULL;
	size_t i, n, nsteps = 0, ndatasets = 0, pick_step = 0, pick_ds = 0;
	struct strbuf which = STRBUF_INIT;
	int ret = -1;

	memset(t, 0, sizeof(*t));
	if (neo4j_query(db, &res, cypher_items_resolve, json_pack("{ssss}", "workspace", ws, "name",
								   name)) < 0)
		return -1;
	n = neo4j_nrows(res);
	for (i = 0; i < n; i++) {
		const char *kind = json_string_value(neo4j_cell(res, i, "kind"));
		const char *sc = json_string_value(neo4j_cell(res, i, "schedule"));
		const char *p = json_string_value(neo4j_cell(res, i, "process"));

		if (!kind || !sc)
			continue;
		if (!strcmp(kind, "step") && !want_dataset && process_matches(process, sc, p)) {
			strbuf_addf(&which, " %s/%s", sc, p);
			pick_step = i;
			nsteps++;
		} else if (!strcmp(kind, "dataset") && schedule_matches(process, sc, res, n)) {
			pick_ds = i;
			ndatasets++;
		}
	}
	if (nsteps > 1) {
		pm_error(PM_EUSAGE, "step '%s' is in %zu processes (%s); name one with -p",
			 name, nsteps, which.buf + 1);
		goto out;
	}
	if (nsteps == 1) {
		t->key = xstrdup(json_string_value(neo4j_cell(res, pick_step, "key")));
		t->schedule = xstrdup(json_string_value(neo4j_cell(res, pick_step, "schedule")));
		t->process = xstrdup(json_string_value(neo4j_cell(res, pick_step, "process")));
		ret = 0;
		goto out;
	}
	if (ndatasets > 1) {
		pm_error(PM_EUSAGE, "dataset '%s' is in %zu schedules; name one with -p "
			 "SCHEDULE/PROCESS", name, ndatasets);
		goto out;
	}
	if (ndatasets == 1) {
		t->dataset = 1;
		t->key = xstrdup(json_string_value(neo4j_cell(res, pick_ds, "key")));
		t->schedule = xstrdup(json_string_value(neo4j_cell(res, pick_ds, "schedule")));
		ret = 0;
		goto out;
	}
	pm_error(PM_EFAIL, "no %s '%s'%s%s in workspace '%s'", want_dataset ? "dataset" : "step or dataset",
		 name, process ? " in " : "", process ? process : "", ws);
out:
	strbuf_release(&which);
	json_decref(res);
	return ret;
}

static const char *cell_str(const json_t *res, size_t row, const char *col, const char *fallback)
{
	const char *v = json_string_value(neo4j_cell(res, row, col));

	return v ? v : fallback;
}

static void short_hash(char *out, const char *hash)
{
	snprintf(out, 9, "%s", hash && *hash ? hash : "-");
}

/* Rows of cypher/items_of_*.cypher or items_touched.cypher, as a table or JSON. */
static void print_rows(const json_t *res, int json, int with_step)
{
	size_t i, n = neo4j_nrows(res);
	json_t *arr;

	if (json) {
		static const char *const cols[] = { "dataset", "name", "hash", "run", "shard", "step",
						    "procedure", "blob", "at", NULL };

		arr = json_array();
		for (i = 0; i < n; i++) {
			json_t *o = json_object();
			size_t k;

			for (k = 0; cols[k]; k++) {
				json_t *v = neo4j_cell(res, i, cols[k]);

				json_object_set(o, !strcmp(cols[k], "at") ? "processed_at" : cols[k],
						v ? v : json_null());
			}
			json_array_append_new(arr, o);
		}
		{
			char *text = json_dumps(arr, JSON_INDENT(2));

			printf("%s\n", text);
			free(text);
		}
		json_decref(arr);
		return;
	}
	if (!n) {
		printf("nothing processed yet\n");
		return;
	}
	printf("%-36s %-8s %-36s %-5s %s%-18s %-8s %s\n", "ITEM", "CONTENT", "RUN", "SHARD",
	       with_step ? "STEP                 " : "", "PROCEDURE", "BLOB", "PROCESSED AT");
	for (i = 0; i < n; i++) {
		struct strbuf item = STRBUF_INIT;
		char hash[9], blob[9], shard[16];
		json_t *sh = neo4j_cell(res, i, "shard");

		strbuf_addf(&item, "%s/%s", cell_str(res, i, "dataset", "?"), cell_str(res, i, "name", "?"));
		short_hash(hash, cell_str(res, i, "hash", NULL));
		short_hash(blob, cell_str(res, i, "blob", NULL));
		if (json_is_integer(sh))
			snprintf(shard, sizeof(shard), "%lld", (long long)json_integer_value(sh));
		else
			snprintf(shard, sizeof(shard), "-");
		printf("%-36s %-8s %-36s %-5s ", item.buf, hash, cell_str(res, i, "run", "?"), shard);
		if (with_step)
			printf("%-20s ", cell_str(res, i, "step", "?"));
		printf("%-18s %-8s %s\n", cell_str(res, i, "procedure", "?"), blob,
		       cell_str(res, i, "at", "?"));
		strbuf_release(&item);
	}
}

/* The gap of one step of a process, printed; *total counts its items. */
static int print_pending(struct neo4j *db, const char *ws, const char *root, const char *schedule,
			 const char *process, const char *step, const char *dataset,
			 const char *item_name, int json, json_t *out, size_t *total)
{
	struct plan *plan = NULL;
	struct items_plan *ip = NULL;
	struct items_run *ir = NULL;
	struct items_run_options iopts = { 0 };
	struct item_list gap = ITEM_LIST_INIT;
	char *target = xstrfmt("%s/%s", schedule, process);
	const struct items_step *st;
	long s;
	size_t i;
	int ret = -1;

	if (plan_load(&plan, db, ws, root, target, NULL) < 0 || items_plan_load(&ip, db, plan, root) < 0)
		goto out;
	s = plan_step_find(plan, step);
	if (s < 0) {
		pm_error(PM_EFAIL, "no step [%s] in %s", step, target);
		goto out;
	}
	iopts.read_only = 1;
	items_run_init(&ir, ip, plan, &iopts);
	if (items_pending(ir, (size_t)s, &gap) < 0)
		goto out;
	st = items_run_step(ir, (size_t)s);
	for (i = 0; i < gap.n; i++) {
		const struct item *it = &gap.v[i];
		char *path;
		int shard = plan->steps[s].max_shard > 0 ?
			    items_shard_of(it->name, plan->steps[s].max_shard) : -1;

		if ((dataset && strcmp(dataset, it->dataset)) || (item_name && strcmp(item_name, it->name)))
			continue;
		path = items_path(root, ip->data_root, it);
		if (json) {
			json_array_append_new(out, json_pack("{sssssssssssoso}", "step", step, "process",
				target, "dataset", it->dataset, "name", it->name, "path", path,
				"why", json_string(it->changed ? "changed" : "new"),
				"shard", shard >= 0 ? json_integer(shard) : json_null()));
		} else {
			if (!*total)
				printf("%-44s %-8s %-5s %s\n", "ITEM", "WHY", "SHARD", "STEP");
			printf("%-44s %-8s ", path, it->changed ? "changed" : "new");
			if (shard >= 0)
				printf("%-5d ", shard);
			else
				printf("%-5s ", "-");
			printf("%s/%s\n", target, step);
		}
		(*total)++;
		free(path);
	}
	if (!json && st && st->batch && gap.n > (size_t)st->batch)
		printf("(step [%s] takes at most %ld a job: 'pmeta run --drain' takes them all)\n", step,
		       st->batch);
	ret = 0;
out:
	item_list_release(&gap);
	items_run_free(ir);
	items_plan_free(ip);
	plan_free(plan);
	free(target);
	return ret;
}

/* --pending for a dataset: the gap of every incremental step reading it, in that dataset. */
static int pending_of_dataset(struct neo4j *db, const char *ws, const char *root,
			      const struct target *t, const char *name, const char *item_name,
			      int json, json_t *out, size_t *total)
{
	json_t *res = NULL;
	size_t i;
	int ret = 0, found = 0;

	if (neo4j_query(db, &res, cypher_items_readers, json_pack("{ss}", "key", t->key)) < 0)
		return -1;
	for (i = 0; i < neo4j_nrows(res) && ret == 0; i++) {
		found = 1;
		ret = print_pending(db, ws, root, cell_str(res, i, "schedule", ""),
				    cell_str(res, i, "process", ""), cell_str(res, i, "step", ""), name,
				    item_name, json, out, total);
	}
	json_decref(res);
	if (ret == 0 && !found)
		return pm_error(PM_EFAIL, "no incremental step reads dataset '%s'", name);
	return ret;
}

int cmd_items(int argc, char **argv, struct ctx *ctx)
{
	const char *process = NULL, *item_name = NULL, *root, *ws, *name;
	int pending = 0, json = 0, want_dataset = 0, ret;
	struct target t = { 0 };
	struct neo4j *db;
	json_t *res = NULL, *out = NULL;
	size_t replayed = 0, total = 0;
	struct cmd_option options[] = {
		OPT_STRING('p', "process", &process, "<process>",
			   "the step's process, or the dataset's schedule\n"
			   "(p_002_v_000 or sche_001/p_002_v_000)"),
		OPT_FLAG(0, "dataset", &want_dataset, "the name is a dataset, not a step"),
		OPT_FLAG(0, "pending", &pending, "the gap now: what the next run would get"),
		OPT_STRING(0, "item", &item_name, "<name>", "only the item of this name"),
		OPT_FLAG(0, "json", &json, "print JSON"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (!argc && !item_name)
		return options_usage_error(&usage, options, "name a step or a dataset, or an --item");
	if (!argc && (pending || want_dataset || process))
		return options_usage_error(&usage, options, "--pending, --dataset and -p need a "
					   "step or a dataset");
	name = argc ? argv[0] : NULL;
	if (ctx_root(ctx, &root) < 0 || ctx_workspace(ctx, &ws) < 0 || ctx_db(ctx, &db) < 0)
		return cmd_error();
	/* What this workspace's runs processed while Neo4j was away goes in first. */
	if (journal_replay_all(db, ws, root, &replayed) < 0) {
		if (pm_error_class() == PM_ENEO4J)
			return cmd_error();
		cmd_warn("%s", pm_error_msg());
		pm_error_clear();
	}
	if (!name) {
		if (neo4j_query(db, &res, cypher_items_touched,
				json_pack("{ssss}", "workspace", ws, "name", item_name)) < 0)
			return cmd_error();
		print_rows(res, json, 1);
		json_decref(res);
		return EXIT_OK;
	}
	if (resolve(&t, db, ws, name, process, want_dataset) < 0)
		return cmd_error();
	if (pending) {
		out = json ? json_array() : NULL;
		if (t.dataset)
			ret = pending_of_dataset(db, ws, root, &t, name, item_name, json, out, &total);
		else
			ret = print_pending(db, ws, root, t.schedule, t.process, name, NULL, item_name,
					    json, out, &total);
		if (ret < 0) {
			ret = cmd_error();
		} else if (json) {
			char *text = json_dumps(out, JSON_INDENT(2));

			printf("%s\n", text);
			free(text);
		} else if (!total) {
			printf("nothing pending: %s has no item it has not processed\n", name);
		}
		json_decref(out);
		target_release(&t);
		return ret;
	}
	if (t.dataset) {
		char *prefix = key_child(t.key, "");

		ret = neo4j_query(db, &res, cypher_items_of_dataset,
				  json_pack("{ssssso}", "prefix", prefix, "dataset", name, "item",
					    item_name ? json_string(item_name) : json_null()));
		free(prefix);
	} else {
		ret = neo4j_query(db, &res, cypher_items_of_step,
				  json_pack("{ssso}", "step", t.key, "item",
					    item_name ? json_string(item_name) : json_null()));
	}
	if (ret < 0) {
		target_release(&t);
		return cmd_error();
	}
	print_rows(res, json, t.dataset);
	json_decref(res);
	target_release(&t);
	return EXIT_OK;
}
