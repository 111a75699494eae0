/*
 * OpenLineage events of a run (see run/openlineage.h): built from the
 * runner's events, appended to the run's outbox, delivered by a thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uuid/uuid.h>

#include "graph/keys.h"
#include "graph/plan.h"
#include "run/journal.h"
#include "run/openlineage.h"
#include "run/session.h"
#include "util/err.h"
#include "util/strbuf.h"

#define FACETS "https://openlineage.io/spec/facets/"
#define SCHEMA_RUN_EVENT OPENLINEAGE_SPEC "#/$defs/RunEvent"
#define SCHEMA_PARENT FACETS "1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet"
#define SCHEMA_ENGINE FACETS "1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet"
#define SCHEMA_ERROR FACETS "1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
#define SCHEMA_SOURCE FACETS "1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet"
#define SCHEMA_JOB_TYPE FACETS "2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
#define SCHEMA_LIFECYCLE FACETS "1-0-1/LifecycleStateChangeDatasetFacet.json#/$defs/LifecycleStateChangeDatasetFacet"

/* The HTTP transport's endpoint when the URL names none (as openlineage-python's). */
#define DEFAULT_ENDPOINT "api/v1/lineage"

struct openlineage {
	char *target;           /* absolute path, or the full endpoint URL */
	int is_url;
	double timeout;
	char *ws;
	char *run_id;
	char *run_key;
	char *process_job;      /* "<schedule>/<process>" */
	char *root;
	char *producer;
	char *version;
	char *dir;
	const struct plan *plan;
	json_t *io;
	struct journal outbox;
	/* shared with the thread, under lock */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	off_t written;          /* bytes of the outbox written */
	off_t sent;             /* bytes delivered */
	int stop;
	double deadline;        /* monotonic; after stop, give up then */
	unsigned long events, delivered;
	char *error;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int openlineage_target_is_url(const char *target)
{
	return !strncmp(target, "http://", 7) || !strncmp(target, "https://", 8);
}

void openlineage_uuid(char out[37], const char *name)
{
	uuid_t id;

	uuid_generate_sha1(id, *uuid_get_template("url"), name, strlen(name));
	uuid_unparse_lower(id, out);
}

static char *uuid_of(const char *label, const char *key)
{
	char *name = xstrfmt("pmeta:%s:%s", label, key), out[37];

	openlineage_uuid(out, name);
	free(name);
	return xstrdup(out);
}

/* --- delivery ------------------------------------------------------------- */

struct abort_check {
	struct openlineage *ol;   /* NULL: never abort (pmeta sync) */
};

static int progress_abort(void *data, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct abort_check *a = data;
	int stop;

	(void)dt; (void)dn; (void)ut; (void)un;
	if (!a->ol)
		return 0;
	pthread_mutex_lock(&a->ol->lock);
	stop = a->ol->stop && now_mono() > a->ol->deadline;
	pthread_mutex_unlock(&a->ol->lock);
	return stop;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *data)
{
	(void)ptr; (void)data;
	return size * nmemb;
}

/* Delivers one event (len bytes, no newline). 0, or -1 with *error set (caller frees). */
static int deliver(const char *target, double timeout, const char *line, size_t len,
		   struct abort_check *abort_check, char **error)
{
	if (!openlineage_target_is_url(target)) {
		/* One write(2) per line: writers appending at once do not interleave. */
		struct strbuf sb = STRBUF_INIT;
		int fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644), saved;
		ssize_t n = -1;

		strbuf_add(&sb, line, len);
		strbuf_addch(&sb, '\n');
		if (fd >= 0) {
			n = write(fd, sb.buf, sb.len);
			saved = n < 0 ? errno : EIO;
			if (close(fd) < 0 && n == (ssize_t)sb.len) {
				saved = errno;
				n = -1;
			}
			errno = saved;
		}
		if (n == (ssize_t)sb.len) {
			strbuf_release(&sb);
			return 0;
		}
		strbuf_release(&sb);
		*error = xstrfmt("cannot append to '%s': %s", target, strerror(errno));
		return -1;
	} else {
		CURL *c = curl_easy_init();
		struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
		char errbuf[CURL_ERROR_SIZE] = "";
		long status = 0;
		CURLcode rc;
		const char *key = getenv("PMETA_OPENLINEAGE_API_KEY");
		char *auth = NULL;

		if (!c) {
			*error = xstrdup("cannot start libcurl");
			curl_slist_free_all(h);
			return -1;
		}
		if (key && *key) {
			auth = xstrfmt("Authorization: Bearer %s", key);
			h = curl_slist_append(h, auth);
		}
		curl_easy_setopt(c, CURLOPT_URL, target);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, line);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout * 1000));
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_abort);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, abort_check);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
		curl_slist_free_all(h);
		free(auth);
		if (rc == CURLE_OK && status >= 200 && status < 300)
			return 0;
		if (rc != CURLE_OK)
			*error = xstrfmt("%s: %s", target, *errbuf ? errbuf : curl_easy_strerror(rc));
		else
			*error = xstrfmt("%s answered HTTP %ld", target, status);
		return -1;
	}
}

static off_t read_sent(const char *dir)
{
	char *path = xstrfmt("%s/openlineage.sent", dir);
	FILE *f = fopen(path, "r");
	long long v = 0;

	free(path);
	if (!f)
		return 0;
	if (fscanf(f, "%lld", &v) != 1 || v < 0)
		v = 0;
	fclose(f);
	return (off_t)v;
}

static void write_sent(const char *dir, off_t sent)
{
	char *path = xstrfmt("%s/openlineage.sent", dir), *tmp = xstrfmt("%s/openlineage.sent.tmp", dir);
	FILE *f = fopen(tmp, "w");

	/* Best effort: a lost marker only means an event may be sent twice. */
	if (f && fprintf(f, "%lld\n", (long long)sent) > 0 && fclose(f) == 0)
		rename(tmp, path);
	else if (f)
		fclose(f);
	free(path);
	free(tmp);
}

/*
 * Delivers the outbox of dir from byte *sent up to `upto` (whole lines
 * only), moving *sent and the marker along. 0 when everything up to `upto`
 * went, -1 with *error at the first failure.
 */
static int deliver_outbox(const char *dir, const char *target, double timeout, off_t *sent,
			  off_t upto, struct abort_check *abort_check, size_t *count, char **error)
{
	char *path = xstrfmt("%s/openlineage.jsonl", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	char *buf = NULL;
	size_t len, pos = 0;

	free(path);
	if (fd < 0) {
		*error = xstrfmt("cannot read the outbox of %s: %s", dir, strerror(errno));
		return -1;
	}
	len = (size_t)(upto - *sent);
	buf = xmalloc(len + 1);
	if (pread(fd, buf, len, *sent) != (ssize_t)len) {
		*error = xstrfmt("cannot read the outbox of %s: %s", dir, strerror(errno));
		ret = -1;
		goto out;
	}
	buf[len] = '\0';
	while (pos < len) {
		char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n;

		if (!nl)
			break;  /* a line being written */
		n = (size_t)(nl - (buf + pos));
		*nl = '\0';
		if (n && deliver(target, timeout, buf + pos, n, abort_check, error) < 0) {
			ret = -1;
			break;
		}
		pos += n + 1;
		*sent += (off_t)(n + 1);
		write_sent(dir, *sent);
		if (count)
			(*count)++;
	}
out:
	free(buf);
	close(fd);
	return ret;
}

static void *sender(void *arg)
{
	struct openlineage *ol = arg;
	struct abort_check ac = { ol };
	double backoff = 0.5;

	pthread_mutex_lock(&ol->lock);
	for (;;) {
		off_t upto, sent;
		size_t count = 0;
		char *error = NULL;
		int r;

		while (!ol->stop && ol->sent == ol->written)
			pthread_cond_wait(&ol->cond, &ol->lock);
		if (ol->sent == ol->written || (ol->stop && now_mono() > ol->deadline))
			break;
		upto = ol->written;
		sent = ol->sent;
		pthread_mutex_unlock(&ol->lock);
		r = deliver_outbox(ol->dir, ol->target, ol->timeout, &sent, upto, &ac, &count, &error);
		pthread_mutex_lock(&ol->lock);
		ol->sent = sent;
		ol->delivered += count;
		if (r == 0) {
			backoff = 0.5;
			continue;
		}
		free(ol->error);
		ol->error = error;
		/* Down or slow: wait, then try the same event again (a run that
		 * ended waits no longer than its deadline). */
		{
			double until = now_mono() + backoff;

			if (ol->stop && until > ol->deadline)
				until = ol->deadline;
			while (now_mono() < until) {
				struct timespec ts;
				double left = until - now_mono();

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += (time_t)left;
				ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&ol->cond, &ol->lock, &ts);
				if (ol->stop && until > ol->deadline)
					until = ol->deadline;
			}
		}
		if (backoff < 5)
			backoff *= 2;
		if (ol->stop && now_mono() > ol->deadline)
			break;
	}
	pthread_mutex_unlock(&ol->lock);
	return NULL;
}

/* --- events ---------------------------------------------------------------- */

static void append(struct openlineage *ol, json_t *event)
{
	if (journal_append(&ol->outbox, event, 0) < 0) {
		pthread_mutex_lock(&ol->lock);
		free(ol->error);
		ol->error = xstrfmt("cannot write the outbox: %s", pm_error_msg());
		pthread_mutex_unlock(&ol->lock);
		pm_error_clear();
	} else {
		pthread_mutex_lock(&ol->lock);
		ol->written = ol->outbox.size;
		ol->events++;
		pthread_cond_signal(&ol->cond);
		pthread_mutex_unlock(&ol->lock);
	}
	json_decref(event);
}

static json_t *facet(const char *schema, const char *producer)
{
	return json_pack("{s:s, s:s}", "_producer", producer, "_schemaURL", schema);
}

static json_t *time_json(long long ms)
{
	char *s = run_time_iso(ms ? ms : runner_wall_ms());
	json_t *v = json_string(s);

	free(s);
	return v;
}

/* blob: the git blob id of the script a job ran (its provenance), or NULL */
static json_t *job_json(struct openlineage *ol, const char *name, const char *type,
			const struct plan_step *ps, const char *blob)
{
	json_t *facets = json_object(), *jt = facet(SCHEMA_JOB_TYPE, ol->producer);

	json_object_set_new(jt, "processingType", json_string("BATCH"));
	json_object_set_new(jt, "integration", json_string("PMETA"));
	json_object_set_new(jt, "jobType", json_string(type));
	json_object_set_new(facets, "jobType", jt);
	if (ps && ps->script) {
		json_t *src = facet(SCHEMA_SOURCE, ol->producer);
		char *url = xstrfmt("file://%s/%s", ol->root, ps->script);
		char *repo = xstrfmt("file://%s", ol->root);

		json_object_set_new(src, "type", json_string("git"));
		json_object_set_new(src, "url", json_string(url));
		json_object_set_new(src, "repoUrl", json_string(repo));
		json_object_set_new(src, "path", json_string(ps->script));
		if (blob && *blob)
			json_object_set_new(src, "version", json_string(blob));
		json_object_set_new(facets, "sourceCodeLocation", src);
		free(url);
		free(repo);
	}
	return json_pack("{s:s, s:s, s:o}", "namespace", ol->ws, "name", name, "facets", facets);
}

static json_t *datasets(struct openlineage *ol, const char *step, const char *kind, int drop)
{
	json_t *names = json_object_get(json_object_get(ol->io, step), kind), *out = json_array();
	size_t i;

	for (i = 0; i < json_array_size(names); i++) {
		char *name = xstrfmt("%s/%s", ol->plan->schedule, json_string_value(json_array_get(names, i)));
		json_t *facets = json_object();

		if (drop) {
			json_t *lc = facet(SCHEMA_LIFECYCLE, ol->producer);

			json_object_set_new(lc, "lifecycleStateChange", json_string("DROP"));
			json_object_set_new(facets, "lifecycleStateChange", lc);
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "namespace", ol->ws, "name", name,
						     "facets", facets));
		free(name);
	}
	return out;
}

static json_t *run_event(struct openlineage *ol, const char *type, long long ms, json_t *run, json_t *job)
{
	return json_pack("{s:s, s:o, s:s, s:s, s:o, s:o}", "eventType", type, "eventTime", time_json(ms),
			 "producer", ol->producer, "schemaURL", SCHEMA_RUN_EVENT, "run", run, "job", job);
}

static json_t *engine_facet(struct openlineage *ol)
{
	json_t *f = facet(SCHEMA_ENGINE, ol->producer);

	json_object_set_new(f, "name", json_string("pmeta"));
	json_object_set_new(f, "version", json_string(ol->version));
	return f;
}

/* An event of the run itself: the process as the job. */
static void process_event(struct openlineage *ol, const char *type, long long ms)
{
	char *id = uuid_of("Run", ol->run_key);
	json_t *run = json_pack("{s:s, s:{s:o}}", "runId", id, "facets", "processing_engine",
				engine_facet(ol));

	append(ol, run_event(ol, type, ms, run, job_json(ol, ol->process_job, "PROCESS", NULL, NULL)));
	free(id);
}

void openlineage_run_started(struct openlineage *ol, long long started_ms)
{
	if (ol)
		process_event(ol, "START", started_ms);
}

void openlineage_run_ended(struct openlineage *ol, const char *status, long long finished_ms)
{
	if (ol)
		process_event(ol, !strcmp(status, "succeeded") ? "COMPLETE" :
			      !strcmp(status, "aborted") ? "ABORT" : "FAIL", finished_ms);
}

void openlineage_job_event(struct openlineage *ol, const struct runner *r, enum runner_event ev,
			   size_t job)
{
	const struct job_result *jr;
	const struct plan_job *pj;
	const struct plan_step *ps;
	const char *type;
	char *key, *id, *parent_id, *name;
	json_t *run, *facets, *event;
	long long ms;

	if (!ol || job >= ol->plan->njobs)
		return;
	jr = &r->jobs[job];
	pj = &ol->plan->jobs[job];
	ps = &ol->plan->steps[pj->step];
	if (ev == RUNNER_JOB_STARTED) {
		type = jr->attempts > 1 ? "RUNNING" : "START";
		ms = jr->started_ms;
	} else if (ev == RUNNER_JOB_FINISHED) {
		/* An incremental job with nothing new never ran: no run to tell of. */
		if (jr->state == JOB_UP_TO_DATE)
			return;
		type = jr->state == JOB_SUCCEEDED ? "COMPLETE" : jr->state == JOB_FAILED ? "FAIL" : "ABORT";
		ms = jr->finished_ms;
	} else {
		return;
	}
	key = key_jobrun(ol->ws, ol->run_id, ps->name, pj->shard);
	id = uuid_of("JobRun", key);
	parent_id = uuid_of("Run", ol->run_key);
	name = xstrfmt("%s/%s", ol->process_job, ps->name);
	facets = json_object();
	json_object_set_new(facets, "parent", json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}}",
		"_producer", ol->producer, "_schemaURL", SCHEMA_PARENT,
		"run", "runId", parent_id, "job", "namespace", ol->ws, "name", ol->process_job));
	json_object_set_new(facets, "processing_engine", engine_facet(ol));
	if (ev == RUNNER_JOB_FINISHED && jr->state == JOB_FAILED) {
		json_t *err = facet(SCHEMA_ERROR, ol->producer);
		char *msg = jr->error ? xstrdup(jr->error) :   /* failed before it started */
			    jr->timed_out ? xstrfmt("timed out after %ld s", ps->timeout) :
			    jr->signal ? xstrfmt("killed by %s", run_signal_name(jr->signal)) :
			    xstrfmt("exit %d", jr->exit_code);

		json_object_set_new(err, "message", json_string(msg));
		json_object_set_new(err, "programmingLanguage", json_string("shell"));
		json_object_set_new(facets, "errorMessage", err);
		free(msg);
	}
	run = json_pack("{s:s, s:o}", "runId", id, "facets", facets);
	event = run_event(ol, type, ms, run, job_json(ol, name, "STEP", ps, jr->script.blob));
	json_object_set_new(event, "inputs", datasets(ol, ps->name, "reads", 0));
	{
		json_t *outs = datasets(ol, ps->name, "writes", 0), *dropped = datasets(ol, ps->name, "deletes", 1);

		json_array_extend(outs, dropped);
		json_decref(dropped);
		json_object_set_new(event, "outputs", outs);
	}
	append(ol, event);
	free(key);
	free(id);
	free(parent_id);
	free(name);
}

/* --- lifecycle ------------------------------------------------------------- */

static double timeout_from_env(int *bad)
{
	const char *v = getenv("PMETA_OPENLINEAGE_TIMEOUT");
	char *end;
	double t;

	*bad = 0;
	if (!v || !*v)
		return OPENLINEAGE_TIMEOUT;
	errno = 0;
	t = strtod(v, &end);
	if (*end || errno || !(t >= 0.1 && t <= 600)) {
		*bad = 1;
		return OPENLINEAGE_TIMEOUT;
	}
	return t;
}

/* The target as stored: an absolute path, or the URL with the default endpoint. */
static char *resolve_target(const char *target)
{
	if (openlineage_target_is_url(target)) {
		const char *rest = strstr(target, "://") + 3, *slash = strchr(rest, '/');

		if (!slash || !strcmp(slash, "/"))
			return xstrfmt("%s%s%s", target, slash ? "" : "/", DEFAULT_ENDPOINT);
		return xstrdup(target);
	}
	if (target[0] == '/')
		return xstrdup(target);
	{
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		return xstrfmt("%s/%s", cwd, target);
	}
}

/* The target checked and as stored (caller frees), or NULL with a PM_EUSAGE error. */
static char *checked_target(const char *given, double *timeout)
{
	char *target;
	int bad;

	*timeout = timeout_from_env(&bad);
	if (bad) {
		pm_error(PM_EUSAGE, "PMETA_OPENLINEAGE_TIMEOUT must be seconds from 0.1 to 600, not '%s'",
			 getenv("PMETA_OPENLINEAGE_TIMEOUT"));
		return NULL;
	}
	if (!*given) {
		pm_error(PM_EUSAGE, "the OpenLineage target is empty (a file or an http(s):// URL)");
		return NULL;
	}
	if (strstr(given, "://") && !openlineage_target_is_url(given)) {
		pm_error(PM_EUSAGE, "OpenLineage target '%s': only http:// and https:// URLs, or a file", given);
		return NULL;
	}
	target = resolve_target(given);
	if (!target) {
		pm_error(PM_EUSAGE, "OpenLineage target '%s': %s", given, strerror(errno));
		return NULL;
	}
	if (!openlineage_target_is_url(target)) {
		/* The file must be writable now, not found broken after the first job. */
		int fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			pm_error(PM_EUSAGE, "OpenLineage file '%s': %s", given, strerror(errno));
			free(target);
			return NULL;
		}
		close(fd);
	}
	return target;
}

int openlineage_check(const char *target)
{
	double timeout;
	char *t = checked_target(target, &timeout);

	free(t);
	return t ? 0 : -1;
}

int openlineage_start(struct openlineage **out, const struct openlineage_options *opts)
{
	struct openlineage *ol;
	char *path, *target;
	double timeout;
	FILE *f;

	*out = NULL;
	target = checked_target(opts->target, &timeout);
	if (!target)
		return -1;
	ol = xcalloc(1, sizeof(*ol));
	ol->target = target;
	ol->is_url = openlineage_target_is_url(target);
	ol->timeout = timeout;
	ol->ws = xstrdup(opts->plan->workspace);
	ol->run_id = xstrdup(opts->run_id);
	ol->run_key = key_run(opts->plan->workspace, opts->run_id);
	ol->process_job = xstrfmt("%s/%s", opts->plan->schedule, opts->plan->process);
	ol->root = xstrdup(opts->root);
	ol->producer = xstrdup(opts->producer);
	ol->version = xstrdup(opts->version);
	ol->dir = xstrdup(opts->run_dir);
	ol->plan = opts->plan;
	ol->io = opts->io ? json_deep_copy(opts->io) : json_object();
	ol->outbox.fd = -1;
	pthread_mutex_init(&ol->lock, NULL);
	pthread_cond_init(&ol->cond, NULL);
	/* Where the events go, for `pmeta sync` to send what is left. */
	path = xstrfmt("%s/openlineage.target", ol->dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", target) < 0 || fclose(f) != 0) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
		free(path);
		openlineage_finish(ol, 0, NULL);
		return -1;
	}
	free(path);
	path = xstrfmt("%s/openlineage.jsonl", ol->dir);
	if (journal_create(&ol->outbox, path) < 0) {
		free(path);
		openlineage_finish(ol, 0, NULL);
		return -1;
	}
	free(path);
	if (pthread_create(&ol->thread, NULL, sender, ol) != 0) {
		pm_error(PM_EFAIL, "cannot start the OpenLineage thread");
		openlineage_finish(ol, 0, NULL);
		return -1;
	}
	ol->thread_started = 1;
	*out = ol;
	return 0;
}

void openlineage_finish(struct openlineage *ol, double wait_s, struct openlineage_result *res)
{
	if (!ol)
		return;
	if (ol->thread_started) {
		pthread_mutex_lock(&ol->lock);
		ol->stop = 1;
		ol->deadline = now_mono() + wait_s;
		pthread_cond_signal(&ol->cond);
		pthread_mutex_unlock(&ol->lock);
		pthread_join(ol->thread, NULL);
	}
	if (res) {
		res->events = ol->events;
		res->delivered = ol->delivered;
		res->error = ol->sent == ol->written ? NULL : ol->error ? xstrdup(ol->error) :
			     xstrdup("not delivered in time");
	}
	journal_close(&ol->outbox);
	pthread_mutex_destroy(&ol->lock);
	pthread_cond_destroy(&ol->cond);
	json_decref(ol->io);
	free(ol->error);
	free(ol->target);
	free(ol->ws);
	free(ol->run_id);
	free(ol->run_key);
	free(ol->process_job);
	free(ol->root);
	free(ol->producer);
	free(ol->version);
	free(ol->dir);
	free(ol);
}

/* --- pmeta sync ------------------------------------------------------------ */

static char *read_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	char *s = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (*buf)
			s = xstrdup(buf);
	}
	fclose(f);
	return s;
}

int openlineage_resend_all(const char *root, size_t *runs, size_t *delivered)
{
	char **ids;
	size_t n = runs_local(&ids, root), i;
	int ret = 0;

	*runs = 0;
	*delivered = 0;
	/* Every run is tried; the first failure is the one reported. */
	for (i = 0; i < n; i++) {
		char *dir = run_dir(root, ids[i]);
		char *path = xstrfmt("%s/openlineage.jsonl", dir), *tpath = xstrfmt("%s/openlineage.target", dir);
		char *target = NULL, *error = NULL;
		struct stat st;
		struct abort_check ac = { NULL };
		int lock = -1, bad;
		off_t sent;

		if (stat(path, &st) < 0 || (sent = read_sent(dir)) >= st.st_size)
			goto next;
		if (run_lock(&lock, dir, 0) < 0) {
			pm_error_clear();  /* a live run delivers its own events */
			goto next;
		}
		target = read_line(tpath);
		if (!target)
			goto next;
		(*runs)++;
		if (deliver_outbox(dir, target, timeout_from_env(&bad), &sent, st.st_size, &ac, delivered,
				   &error) < 0) {
			if (ret == 0)
				ret = pm_error(PM_EFAIL, "OpenLineage events of run %s not delivered: %s",
					       ids[i], error);
			free(error);
		}
next:
		if (lock >= 0)
			close(lock);
		free(target);
		free(path);
		free(tpath);
		free(dir);
	}
	free_strings(ids, n);
	return ret;
}
