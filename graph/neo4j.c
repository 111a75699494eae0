#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "graph/neo4j.h"
#include "util/err.h"
#include "util/strbuf.h"

struct neo4j {
	struct neo4j_config cfg;
	char *shown;        /* cfg.uri without the password it may hold: for messages */
	int trace;          /* PMETA_TRACE set: one stderr line per request */
	int no_query_api;   /* the server answered 404 to /query/v2 */
	CURL *curl;
	struct curl_slist *headers;
	struct curl_slist *chunked_headers;  /* headers + Transfer-Encoding: chunked */
	char code[128];
	unsigned long requests;
	unsigned long connects;
};

struct neo4j_tx {
	struct neo4j *db;
	char *url;  /* .../db/{db}/tx/{id} */
};

static char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return xstrdup(v && *v ? v : fallback);
}

/* PMETA_NEO4J_TIMEOUT: a plain decimal number of seconds within the limits. */
static int timeout_from_env(long *ms)
{
	const char *t = getenv("PMETA_NEO4J_TIMEOUT");
	char *end;
	double s;

	if (!t || !*t)
		return 0;
	errno = 0;
	s = strtod(t, &end);
	/* No sign, no "inf"/"nan", no hex: digits, a point, an exponent. */
	if ((!isdigit((unsigned char)t[0]) && t[0] != '.') || *end || errno ||
	    t[strspn(t, "0123456789.eE+-")] || !isfinite(s) ||
	    s < NEO4J_TIMEOUT_MIN || s > NEO4J_TIMEOUT_MAX)
		return pm_error(PM_EUSAGE,
				"PMETA_NEO4J_TIMEOUT='%s' is not a number of seconds from %g to %g",
				t, NEO4J_TIMEOUT_MIN, NEO4J_TIMEOUT_MAX);
	*ms = (long)(s * 1000 + 0.5);
	return 0;
}

/* PMETA_NEO4J_MAX_REPLY: bytes, or a whole number with a suffix K, M or G (x 1024^n). */
static int max_reply_from_env(unsigned long long *bytes)
{
	const char *v = getenv("PMETA_NEO4J_MAX_REPLY");
	unsigned long long n, mult = 1;
	char *end;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = isdigit((unsigned char)v[0]) ? strtoull(v, &end, 10) : 0;
	if (isdigit((unsigned char)v[0]) && !errno && end[0] && !end[1]) {
		switch (end[0]) {
		case 'k': case 'K': mult = 1ULL << 10; end++; break;
		case 'm': case 'M': mult = 1ULL << 20; end++; break;
		case 'g': case 'G': mult = 1ULL << 30; end++; break;
		default: break;
		}
	}
	if (!isdigit((unsigned char)v[0]) || errno || *end || n > NEO4J_MAX_REPLY_MAX / mult ||
	    n * mult < NEO4J_MAX_REPLY_MIN)
		return pm_error(PM_EUSAGE,
				"PMETA_NEO4J_MAX_REPLY='%s' is not a size from 1K to 1024G "
				"(bytes, or a whole number with the suffix K, M or G)", v);
	*bytes = n * mult;
	return 0;
}

int neo4j_config_from_env(struct neo4j_config *cfg)
{
	const char *uri = getenv("NEO4J_URI"), *sep;
	size_t n, keep;

	memset(cfg, 0, sizeof(*cfg));
	/* Set but empty is kept: neo4j_open refuses it rather than guess. */
	cfg->uri = xstrdup(uri ? uri : "http://127.0.0.1:7474");
	/* Trailing slashes go (paths are appended), but not those of "http://". */
	sep = strstr(cfg->uri, "://");
	keep = sep ? (size_t)(sep - cfg->uri) + 3 : 0;
	n = strlen(cfg->uri);
	while (n > keep && cfg->uri[n - 1] == '/')
		cfg->uri[--n] = '\0';
	cfg->user = env_or("NEO4J_USERNAME", "neo4j");
	cfg->password = env_or("NEO4J_PASSWORD", "");
	cfg->database = env_or("NEO4J_DATABASE", "neo4j");
	cfg->connect_timeout_ms = 3000;
	cfg->timeout_ms = (long)(NEO4J_TIMEOUT_DEFAULT * 1000);
	cfg->max_reply = NEO4J_MAX_REPLY_DEFAULT;
	cfg->max_retries = 5;
	if (timeout_from_env(&cfg->timeout_ms) < 0 || max_reply_from_env(&cfg->max_reply) < 0)
		return -1;
	if (cfg->connect_timeout_ms > cfg->timeout_ms)
		cfg->connect_timeout_ms = cfg->timeout_ms;
	return 0;
}

void neo4j_config_release(struct neo4j_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->uri);
	free(cfg->user);
	if (cfg->password) {
		memset(cfg->password, 0, strlen(cfg->password));
		free(cfg->password);
	}
	free(cfg->database);
	memset(cfg, 0, sizeof(*cfg));
}

char *neo4j_uri_redact(const char *uri)
{
	const char *sep = strstr(uri, "://"), *host = sep ? sep + 3 : uri, *end, *at = NULL, *colon, *p;

	/* Up to the query, not the first '/': a raw '/' in a password must not end it. */
	end = host + strcspn(host, "?#");
	for (p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return xstrdup(uri);
	colon = memchr(host, ':', (size_t)(at - host));
	/* The user may show; what follows it up to the last '@' never does. */
	if (colon)
		return xstrfmt("%.*s:***%s", (int)(colon - uri), uri, at);
	return xstrfmt("%.*s***%s", (int)(host - uri), uri, at);
}

/* NEO4J_URI must be an http(s) URL with a host; messages show it redacted. */
static int check_uri(const char *uri)
{
	static const char hint[] = "pmeta speaks Neo4j's HTTP API, such as http://127.0.0.1:7474";
	CURLU *u;
	CURLUcode rc;
	char *scheme = NULL, *shown;
	int ret = 0;

	if (!*uri)
		return pm_error(PM_ENEO4J, "NEO4J_URI is set but empty: %s (unset it for that default)",
				hint);
	shown = neo4j_uri_redact(uri);
	u = curl_url();
	if (!u) {
		free(shown);
		return pm_error(PM_ENEO4J, "cannot initialise libcurl");
	}
	rc = curl_url_set(u, CURLUPART_URL, uri, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK)
		ret = pm_error(PM_ENEO4J, "NEO4J_URI '%s' is not a URL (%s): %s", shown,
			       curl_url_strerror(rc), hint);
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		 (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")))
		ret = pm_error(PM_ENEO4J, "unsupported NEO4J_URI '%s': %s", shown, hint);
	curl_free(scheme);
	curl_url_cleanup(u);
	free(shown);
	return ret;
}

int neo4j_open(struct neo4j **out, const struct neo4j_config *cfg)
{
	struct neo4j *db;

	*out = NULL;
	if (check_uri(cfg->uri) < 0)
		return -1;
	db = xcalloc(1, sizeof(*db));
	/*
	 * Credentials come from NEO4J_USERNAME and NEO4J_PASSWORD only: libcurl's
	 * CURLOPT_USERNAME and CURLOPT_PASSWORD (always set) override those of
	 * the URI. Messages show the URI as neo4j_uri_redact makes it.
	 */
	db->cfg.uri = xstrdup(cfg->uri);
	db->shown = neo4j_uri_redact(cfg->uri);
	db->cfg.user = xstrdup(cfg->user);
	db->cfg.password = xstrdup(cfg->password);
	db->cfg.database = xstrdup(cfg->database);
	db->cfg.connect_timeout_ms = cfg->connect_timeout_ms;
	db->cfg.timeout_ms = cfg->timeout_ms;
	db->cfg.max_reply = cfg->max_reply ? cfg->max_reply : NEO4J_MAX_REPLY_DEFAULT;
	db->cfg.max_retries = cfg->max_retries;
	db->trace = getenv("PMETA_TRACE") && *getenv("PMETA_TRACE") && strcmp(getenv("PMETA_TRACE"), "0");
	db->curl = curl_easy_init();
	if (!db->curl) {
		neo4j_free(db);
		return pm_error(PM_ENEO4J, "cannot initialise libcurl");
	}
	db->headers = curl_slist_append(NULL, "Content-Type: application/json");
	db->headers = curl_slist_append(db->headers, "Accept: application/json;charset=UTF-8");
	db->headers = curl_slist_append(db->headers, "User-Agent: pmeta");
	/* No "Expect: 100-continue" on large bodies: waiting for the 100 costs a
	 * round trip (up to a second) per import request. */
	db->headers = curl_slist_append(db->headers, "Expect:");
	db->chunked_headers = curl_slist_append(NULL, "Content-Type: application/json");
	db->chunked_headers = curl_slist_append(db->chunked_headers, "Accept: application/json;charset=UTF-8");
	db->chunked_headers = curl_slist_append(db->chunked_headers, "User-Agent: pmeta");
	db->chunked_headers = curl_slist_append(db->chunked_headers, "Expect:");
	db->chunked_headers = curl_slist_append(db->chunked_headers, "Transfer-Encoding: chunked");
	*out = db;
	return 0;
}

void neo4j_free(struct neo4j *db)
{
	if (!db)
		return;
	if (db->curl)
		curl_easy_cleanup(db->curl);
	curl_slist_free_all(db->headers);
	curl_slist_free_all(db->chunked_headers);
	neo4j_config_release(&db->cfg);
	free(db->shown);
	free(db);
}

const char *neo4j_uri(const struct neo4j *db)
{
	return db->shown;
}

char *neo4j_uri_public(const struct neo4j *db)
{
	CURLU *u = curl_url();
	char *part = NULL, *out;

	if (u && !curl_url_set(u, CURLUPART_URL, db->cfg.uri, 0) &&
	    !curl_url_set(u, CURLUPART_USER, NULL, 0) &&
	    !curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) &&
	    !curl_url_set(u, CURLUPART_QUERY, NULL, 0) &&
	    !curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) &&
	    !curl_url_get(u, CURLUPART_URL, &part, 0)) {
		size_t n = strlen(part);

		while (n && part[n - 1] == '/')
			n--;
		out = xstrfmt("%.*s", (int)n, part);
	} else {
		out = xstrdup(db->shown);   /* checked at open: not reached */
	}
	curl_free(part);
	curl_url_cleanup(u);
	return out;
}

const char *neo4j_database(const struct neo4j *db)
{
	return db->cfg.database;
}

const char *neo4j_last_code(const struct neo4j *db)
{
	return db->code;
}

unsigned long neo4j_request_count(const struct neo4j *db)
{
	return db->requests;
}

unsigned long neo4j_connect_count(const struct neo4j *db)
{
	return db->connects;
}

json_t *neo4j_stmt(const char *statement, json_t *params)
{
	json_t *s = json_object();

	json_object_set_new(s, "statement", json_string(statement));
	json_object_set_new(s, "parameters", params ? params : json_object());
	json_object_set_new(s, "includeStats", json_true());
	json_object_set_new(s, "resultDataContents", json_pack("[s]", "row"));
	return s;
}

char *neo4j_request_body(json_t *statements)
{
	json_t *body = json_pack("{sO}", "statements", statements);
	char *s = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	return s;
}

static int is_transient(const char *code)
{
	return !strncmp(code, "Neo.TransientError.", 19);
}

int neo4j_reply_parse(json_t **results, char *code, size_t codesz, int *transient,
		      long http_status, const char *body, size_t len, const char *uri)
{
	json_error_t jerr;
	json_t *root, *errors, *res;

	*results = NULL;
	*transient = 0;
	code[0] = '\0';
	if (http_status == 401)
		return pm_error(PM_ENEO4J,
				"Neo4j at %s refused the credentials (HTTP 401): check NEO4J_USERNAME and NEO4J_PASSWORD",
				uri);
	root = json_loadb(body, len, 0, &jerr);
	if (!root && http_status == 404)
		return pm_error(PM_ENEO4J, "Neo4j at %s answered 404: no such endpoint (is it Neo4j 4 or newer?)",
				uri);
	if (!root) {
		if (http_status >= 500)
			*transient = 1;
		if (http_status < 200 || http_status >= 300)
			return pm_error(PM_ENEO4J, "Neo4j at %s answered HTTP %ld with a body that is not JSON",
					uri, http_status);
		return pm_error(PM_ENEO4J, "Neo4j at %s sent a reply that is not valid JSON (%s at byte %d)",
				uri, jerr.text, jerr.position);
	}
	errors = json_object_get(root, "errors");
	if (json_is_array(errors) && json_array_size(errors) > 0) {
		json_t *e = json_array_get(errors, 0);
		const char *c = json_string_value(json_object_get(e, "code"));
		const char *m = json_string_value(json_object_get(e, "message"));

		snprintf(code, codesz, "%s", c ? c : "");
		*transient = is_transient(code);
		size_t ml = m ? strlen(m) : 0;

		/* Keep Neo4j's own words after the code, minus trailing space. */
		while (ml && (m[ml - 1] == '\n' || m[ml - 1] == ' ' || m[ml - 1] == '\r'))
			ml--;
		pm_error(PM_ENEO4J, "%s: %.*s", c ? c : "Neo4j error", (int)(m ? ml : 12),
			 m ? m : "(no message)");
		json_decref(root);
		return -1;
	}
	if (http_status < 200 || http_status >= 300) {
		*transient = http_status >= 500;
		json_decref(root);
		return pm_error(PM_ENEO4J, "Neo4j at %s answered HTTP %ld", uri, http_status);
	}
	res = json_object_get(root, "results");
	if (!json_is_array(res)) {
		json_decref(root);
		return pm_error(PM_ENEO4J, "Neo4j at %s sent a reply without \"results\"", uri);
	}
	*results = json_incref(res);
	json_decref(root);
	return 0;
}

struct reply {
	long status;
	struct strbuf body;
	struct strbuf location;
	unsigned long long max;  /* the body's cap (cfg.max_reply) */
	int too_big;             /* the body passed it: the transfer was aborted */
};

static size_t collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct reply *r = userdata;
	size_t n = size * nmemb;

	/* Returning less than n makes libcurl abort the transfer (CURLE_WRITE_ERROR). */
	if (r->body.len + n > r->max) {
		r->too_big = 1;
		return 0;
	}
	strbuf_add(&r->body, ptr, n);
	return n;
}

static size_t collect_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct reply *r = userdata;
	size_t n = size * nmemb;

	if (n > 9 && !strncasecmp(ptr, "Location:", 9)) {
		const char *v = ptr + 9;
		size_t vl = n - 9;

		while (vl && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		strbuf_reset(&r->location);
		strbuf_add(&r->location, v, vl);
	}
	return n;
}

/*
 * What one request sends: a whole body, or a head, the parameters as a
 * neo4j_body writes them while libcurl sends (chunked), and a tail. A
 * streamed body never exists whole in memory: libcurl asks for the next
 * piece when it has sent the previous one.
 */
struct request {
	const char *body;              /* the whole body, or NULL when streamed */
	char *head, *tail;             /* streamed: the JSON around the parameters */
	struct neo4j_body *params;
	struct strbuf chunk;           /* the piece being sent */
	size_t off;
	int part;                      /* 0 head, 1 parameters, 2 tail, 3 done */
	size_t sent;
	int failed;                    /* the writer failed: its error is recorded */
};

#define REQUEST_INIT { NULL, NULL, NULL, NULL, STRBUF_INIT, 0, 0, 0, 0 }
#define STREAM_PIECE 16384        /* bytes asked of a neo4j_body at a time */

static void request_rewind(struct request *q)
{
	strbuf_reset(&q->chunk);
	q->off = 0;
	q->part = 0;
	q->sent = 0;
	q->failed = 0;
	if (q->params && q->params->rewind)
		q->params->rewind(q->params->arg);
}

/* libcurl sends a request again from the start when the kept-alive
 * connection it reused turned out closed: a streamed body starts over. */
static int seek_body(void *arg, curl_off_t offset, int origin)
{
	struct request *q = arg;

	if (offset != 0 || origin != SEEK_SET || !q->params || !q->params->rewind)
		return CURL_SEEKFUNC_CANTSEEK;
	request_rewind(q);
	return CURL_SEEKFUNC_OK;
}

static void request_release(struct request *q)
{
	free(q->head);
	free(q->tail);
	strbuf_release(&q->chunk);
}

/* libcurl's read callback: the next bytes of a streamed body. */
static size_t read_body(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct request *q = userdata;
	size_t want = size * nitems, n;

	while (q->off == q->chunk.len) {
		int more;

		strbuf_reset(&q->chunk);
		q->off = 0;
		switch (q->part) {
		case 0:
			strbuf_addstr(&q->chunk, q->head);
			q->part = 1;
			break;
		case 1:
			do
				more = q->params->next(q->params->arg, &q->chunk);
			while (more > 0 && q->chunk.len < STREAM_PIECE);
			if (more < 0) {
				q->failed = 1;
				return CURL_READFUNC_ABORT;
			}
			if (!more)
				q->part = 2;
			break;
		case 2:
			strbuf_addstr(&q->chunk, q->tail);
			q->part = 3;
			break;
		default:
			return 0;
		}
	}
	n = q->chunk.len - q->off;
	if (n > want)
		n = want;
	memcpy(buf, q->chunk.buf + q->off, n);
	q->off += n;
	q->sent += n;
	return n;
}

/* PMETA_TRACE: what went where, how big, how long (never a credential or
 * a parameter value: only the path below NEO4J_URI and sizes). */
static void trace(const struct neo4j *db, const char *method, const char *url,
		  const struct request *q, const struct reply *r, CURLcode rc, double secs)
{
	size_t n = strlen(db->cfg.uri);
	const char *path = !strncmp(url, db->cfg.uri, n) ? url + n : url;
	size_t sent = !q ? 0 : q->body ? strlen(q->body) : q->sent;
	const char *how = q && !q->body ? " (streamed)" : "";

	if (rc != CURLE_OK)
		fprintf(stderr, "pmeta: neo4j %s %s: %zu bytes sent%s, %s after %.1f ms\n", method, path,
			sent, how, curl_easy_strerror(rc), secs * 1000);
	else
		fprintf(stderr, "pmeta: neo4j %s %s: %zu bytes sent%s, HTTP %ld, %zu bytes received in %.1f ms\n",
			method, path, sent, how, r->status, r->body.len, secs * 1000);
}

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One HTTP exchange; q may be NULL (no body). Returns 0 when a reply
 * arrived (any status). */
static int http_send(struct neo4j *db, struct reply *r, const char *method,
		     const char *url, struct request *q)
{
	CURL *c = db->curl;
	CURLcode rc;
	double t0 = db->trace ? now_secs() : 0;

	r->status = 0;
	r->max = db->cfg.max_reply;
	r->too_big = 0;
	strbuf_reset(&r->body);
	strbuf_reset(&r->location);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, q && !q->body ? db->chunked_headers : db->headers);
	curl_easy_setopt(c, CURLOPT_USERNAME, db->cfg.user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, db->cfg.password);
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, db->cfg.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, db->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	/* A declared Content-Length above the cap fails before the body comes. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (!strcmp(method, "POST") && q && !q->body) {
		/* A second send of the same request (a retry): from the start. */
		if (q->part)
			request_rewind(q);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(c, CURLOPT_READDATA, q);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_body);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, NULL);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q && q->body ? q->body : "");
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	db->requests++;
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (db->trace)
		trace(db, method, url, q, r, rc, now_secs() - t0);
	{
		long n = 0;

		if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK && n > 0)
			db->connects += (unsigned long)n;
	}
	if (rc != CURLE_OK) {
		if (q && q->failed)
			return -1;  /* the body's writer recorded why */
		if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return pm_error(PM_ENEO4J,
					"Neo4j at %s sent a reply larger than %llu bytes; the request was "
					"aborted (the cap is PMETA_NEO4J_MAX_REPLY)", db->shown, r->max);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			return pm_error(PM_ENEO4J, "Neo4j at %s did not answer within %.1f s",
					db->shown, db->cfg.timeout_ms / 1000.0);
		return pm_error(PM_ENEO4J, "cannot reach Neo4j at %s: %s", db->shown,
				curl_easy_strerror(rc));
	}
	return 0;
}

static void reply_init(struct reply *r)
{
	r->status = 0;
	r->max = NEO4J_MAX_REPLY_DEFAULT;
	r->too_big = 0;
	strbuf_init(&r->body, 0);
	strbuf_init(&r->location, 0);
}

static void reply_release(struct reply *r)
{
	strbuf_release(&r->body);
	strbuf_release(&r->location);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Before retry number attempt + 1: 50 ms, 100 ms, 200 ms ... capped at 2 s,
 * with jitter. */
static void backoff(int attempt)
{
	long ms = 50L << (attempt < 6 ? attempt : 6);

	if (ms > 2000)
		ms = 2000;
	sleep_ms(ms + rand() % (ms / 2 + 1));
}

static char *db_url(const struct neo4j *db, const char *database, const char *tail);

/* POST q to url; parse. Retries transient failures when allowed (a
 * streamed body only when its writer can start again). */
static int post_request(struct neo4j *db, json_t **results, const char *url,
			struct request *q, int retry, struct reply *keep)
{
	struct reply r;
	int attempt = 0, ret = -1, transient = 0;

	if (!q->body && (!q->params || !q->params->rewind))
		retry = 0;
	reply_init(&r);
	for (;;) {
		json_t *res = NULL;

		if (http_send(db, &r, "POST", url, q) < 0) {
			db->code[0] = '\0';
			goto out;
		}
		if (!neo4j_reply_parse(&res, db->code, sizeof(db->code), &transient,
				       r.status, r.body.buf, r.body.len, db->shown)) {
			if (results)
				*results = res;
			else
				json_decref(res);
			ret = 0;
			goto out;
		}
		if (!retry || !transient || attempt >= db->cfg.max_retries)
			goto out;
		backoff(attempt);
		attempt++;
	}
out:
	if (keep && ret == 0) {
		strbuf_reset(&keep->location);
		strbuf_add(&keep->location, r.location.buf, r.location.len);
		strbuf_reset(&keep->body);
		strbuf_add(&keep->body, r.body.buf, r.body.len);
	}
	reply_release(&r);
	return ret;
}

/* POST statements to url; parse. Retries transient failures when allowed. */
static int post_statements(struct neo4j *db, json_t **results, const char *url,
			   json_t *statements, int retry, struct reply *keep)
{
	struct request q = REQUEST_INIT;
	char *body = neo4j_request_body(statements);
	int ret;

	q.body = body;
	ret = post_request(db, results, url, &q, retry, keep);
	request_release(&q);
	free(body);
	return ret;
}

/* A JSON string of s (caller frees). */
static char *json_quote(const char *s)
{
	json_t *v = json_string(s);
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	json_decref(v);
	return text ? text : xstrdup("\"\"");
}

/* A tx endpoint's body of one statement whose parameters params writes. */
static void request_statement(struct request *q, const char *statement, struct neo4j_body *params)
{
	char *text = json_quote(statement);

	q->head = xstrfmt("{\"statements\":[{\"statement\":%s,\"includeStats\":true,"
			  "\"resultDataContents\":[\"row\"],\"parameters\":", text);
	q->tail = xstrdup("}]}");
	q->params = params;
	free(text);
}

static int first_result(json_t **result, json_t *results);

int neo4j_query_body(struct neo4j *db, json_t **result, const char *statement,
		     struct neo4j_body *params)
{
	struct request q = REQUEST_INIT;
	json_t *results = NULL;
	char *url = db_url(db, db->cfg.database, "tx/commit");
	int ret;

	if (result)
		*result = NULL;
	request_statement(&q, statement, params);
	ret = post_request(db, &results, url, &q, 1, NULL);
	request_release(&q);
	free(url);
	if (ret < 0)
		return -1;
	return first_result(result, results);
}

static char *db_url(const struct neo4j *db, const char *database, const char *tail)
{
	char *esc = curl_easy_escape(db->curl, database, 0);
	char *url = xstrfmt("%s/db/%s/%s", db->cfg.uri, esc ? esc : database, tail);

	curl_free(esc);
	return url;
}

int neo4j_commit_db(struct neo4j *db, const char *database, json_t **results,
		    json_t *statements)
{
	char *url = db_url(db, database, "tx/commit");
	int ret;

	if (results)
		*results = NULL;
	ret = post_statements(db, results, url, statements, 1, NULL);
	free(url);
	return ret;
}

int neo4j_commit(struct neo4j *db, json_t **results, json_t *statements)
{
	return neo4j_commit_db(db, db->cfg.database, results, statements);
}

static int first_result(json_t **result, json_t *results)
{
	if (result) {
		json_t *r = json_array_get(results, 0);

		*result = r ? json_incref(r) : NULL;
	}
	json_decref(results);
	return 0;
}

int neo4j_query(struct neo4j *db, json_t **result, const char *statement, json_t *params)
{
	json_t *stmts = json_array(), *results = NULL;
	int ret;

	if (result)
		*result = NULL;
	json_array_append_new(stmts, neo4j_stmt(statement, params));
	ret = neo4j_commit(db, &results, stmts);
	json_decref(stmts);
	if (ret < 0)
		return -1;
	return first_result(result, results);
}

int neo4j_discover(struct neo4j *db, json_t **out)
{
	struct reply r;
	char *url = xstrfmt("%s/", db->cfg.uri);
	int ret = -1;

	*out = NULL;
	reply_init(&r);
	if (http_send(db, &r, "GET", url, NULL) < 0)
		goto out;
	if (r.status != 200) {
		pm_error(PM_ENEO4J, "Neo4j at %s answered HTTP %ld to GET /", db->shown, r.status);
		goto out;
	}
	*out = json_loadb(r.body.buf, r.body.len, 0, NULL);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		pm_error(PM_ENEO4J, "%s does not look like Neo4j (its discovery document is not JSON)",
			 db->shown);
		goto out;
	}
	ret = 0;
out:
	reply_release(&r);
	free(url);
	return ret;
}

int neo4j_tx_begin(struct neo4j *db, struct neo4j_tx **out)
{
	struct reply keep;
	json_t *empty = json_array(), *results = NULL, *root;
	char *url = db_url(db, db->cfg.database, "tx");
	const char *commit;
	int ret = -1;

	*out = NULL;
	reply_init(&keep);
	if (post_statements(db, &results, url, empty, 1, &keep) < 0)
		goto out;
	root = json_loadb(keep.body.buf, keep.body.len, 0, NULL);
	commit = json_string_value(json_object_get(root, "commit"));
	if (!commit && keep.location.len == 0) {
		json_decref(root);
		pm_error(PM_ENEO4J, "Neo4j at %s opened a transaction without telling where", db->shown);
		goto out;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->db = db;
	if (keep.location.len) {
		(*out)->url = xstrdup(keep.location.buf);
	} else {
		size_t n = strlen(commit);

		/* ".../tx/17/commit" -> ".../tx/17" */
		(*out)->url = xstrndup(commit, n > 7 ? n - 7 : n);
	}
	json_decref(root);
	ret = 0;
out:
	json_decref(results);
	json_decref(empty);
	reply_release(&keep);
	free(url);
	return ret;
}

int neo4j_tx_run(struct neo4j_tx *tx, json_t **results, json_t *statements)
{
	if (results)
		*results = NULL;
	/* No retry inside a transaction: a failure rolled it back on the server. */
	return post_statements(tx->db, results, tx->url, statements, 0, NULL);
}

int neo4j_tx_query_body(struct neo4j_tx *tx, json_t **result, const char *statement,
			struct neo4j_body *params)
{
	struct request q = REQUEST_INIT;
	json_t *results = NULL;
	int ret;

	if (result)
		*result = NULL;
	request_statement(&q, statement, params);
	/* No retry inside a transaction: a failure rolled it back on the server. */
	ret = post_request(tx->db, &results, tx->url, &q, 0, NULL);
	request_release(&q);
	if (ret < 0)
		return -1;
	return first_result(result, results);
}

int neo4j_tx_query(struct neo4j_tx *tx, json_t **result, const char *statement, json_t *params)
{
	json_t *stmts = json_array(), *results = NULL;
	int ret;

	if (result)
		*result = NULL;
	json_array_append_new(stmts, neo4j_stmt(statement, params));
	ret = neo4j_tx_run(tx, &results, stmts);
	json_decref(stmts);
	if (ret < 0)
		return -1;
	return first_result(result, results);
}

int neo4j_tx_commit(struct neo4j_tx *tx, json_t **results, json_t *statements)
{
	json_t *empty = statements ? NULL : json_array();
	char *url = xstrfmt("%s/commit", tx->url);
	int ret;

	if (results)
		*results = NULL;
	ret = post_statements(tx->db, results, url, statements ? statements : empty, 0, NULL);
	json_decref(empty);
	free(url);
	free(tx->url);
	free(tx);
	return ret;
}

void neo4j_tx_rollback(struct neo4j_tx *tx)
{
	struct reply r;

	if (!tx)
		return;
	reply_init(&r);
	/* Best effort: the server also rolls back idle transactions itself. */
	http_send(tx->db, &r, "DELETE", tx->url, NULL);
	reply_release(&r);
	free(tx->url);
	free(tx);
}

size_t neo4j_nrows(const json_t *result)
{
	return json_array_size(json_object_get(result, "data"));
}

json_t *neo4j_row(const json_t *result, size_t row)
{
	return json_object_get(json_array_get(json_object_get(result, "data"), row), "row");
}

json_t *neo4j_cell(const json_t *result, size_t row, const char *column)
{
	json_t *cols = json_object_get(result, "columns");
	size_t i;

	for (i = 0; i < json_array_size(cols); i++)
		if (!strcmp(json_string_value(json_array_get(cols, i)), column))
			return json_array_get(neo4j_row(result, row), i);
	return NULL;
}

long neo4j_stat(const json_t *result, const char *name)
{
	return (long)json_integer_value(json_object_get(json_object_get(result, "stats"), name));
}

/* --- rows without a tree --- */

/*
 * A recursive-descent reader over a received reply. jansson's json_loadb
 * built a tree of the whole reply first (about 200 instructions a byte,
 * 40% of a 10,000-step plan, and as much again to free it); this reader
 * first skims the top-level object for its "errors" and the span of its
 * rows, then parses one row at a time into an arena that the next row
 * reuses. Skipped values ("meta", bookmarks) are only scanned.
 */

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct arena_block *head;   /* the block being filled; older ones after it */
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	void *p;

	if (!b || b->size - b->used < need) {
		size_t size = need > 65536 ? need : 65536;

		b = xmalloc(sizeof(*b) + size);
		b->next = a->head;
		b->used = 0;
		b->size = size;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	return p;
}

/* Empties the arena, keeping its newest block for the next row. */
static void arena_reset(struct arena *a)
{
	struct arena_block *b;

	if (!a->head)
		return;
	b = a->head->next;
	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	a->head->next = NULL;
	a->head->used = 0;
}

static void arena_release(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}

#define READER_MAX_DEPTH 64

struct reader {
	const char *start, *p, *end;
	struct arena arena;
	struct neo4j_value *stack;   /* the parsed children of open containers */
	size_t nstack, astack;
	const char *err;             /* what was wrong, at p */
	int depth;
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static int reader_fail(struct reader *r, const char *what)
{
	if (!r->err)
		r->err = what;
	return -1;
}

/* At '"': moves past the closing quote; *escaped says whether any '\'. */
static int scan_string(struct reader *r, const char **body, size_t *len, int *escaped)
{
	const char *p = r->p + 1;

	*escaped = 0;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(r->end - p));
		const char *b;

		if (!q)
			return reader_fail(r, "unterminated string");
		/* A quote preceded by an odd number of backslashes is escaped. */
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if (b != q)
			*escaped = 1;
		if ((q - b) % 2 == 0) {
			*body = r->p + 1;
			*len = (size_t)(q - (r->p + 1));
			r->p = q + 1;
			if (!*escaped && memchr(*body, '\\', *len))
				*escaped = 1;
			return 0;
		}
		p = q + 1;
	}
}

/* Bytes that matter to skip_value: 1 quote, 2 open, 3 close, 4 a scalar's end. */
static const unsigned char skip_class[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
	[','] = 4, [':'] = 4, [' '] = 4, ['\t'] = 4, ['\r'] = 4, ['\n'] = 4,
};

/* Skips one value of any kind; checks brackets and strings, not grammar. */
static int skip_value(struct reader *r)
{
	const char *p, *end = r->end;
	int depth = 0;

	skip_ws(r);
	if (r->p >= end)
		return reader_fail(r, "unexpected end");
	p = r->p;
	if (skip_class[(unsigned char)*p] != 1 && skip_class[(unsigned char)*p] != 2) {
		/* A scalar: up to the next delimiter. */
		while (p < end && skip_class[(unsigned char)*p] < 3)
			p++;
		if (p == r->p)
			return reader_fail(r, "expected a value");
		r->p = p;
		return 0;
	}
	for (; p < end; p++) {
		switch (skip_class[(unsigned char)*p]) {
		case 1: {
			const char *s;
			size_t n;
			int esc;

			r->p = p;
			if (scan_string(r, &s, &n, &esc) < 0)
				return -1;
			p = r->p - 1;
			if (!depth)
				return 0;
			break;
		}
		case 2:
			depth++;
			break;
		case 3:
			if (--depth == 0) {
				r->p = p + 1;
				return 0;
			}
			if (depth < 0) {
				r->p = p;
				return reader_fail(r, "unbalanced bracket");
			}
			break;
		}
	}
	r->p = p;
	return reader_fail(r, "unexpected end");
}

static void put_utf8(char **o, unsigned long c)
{
	char *d = *o;

	if (c < 0x80) {
		*d++ = (char)c;
	} else if (c < 0x800) {
		*d++ = (char)(0xc0 | (c >> 6));
		*d++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*d++ = (char)(0xe0 | (c >> 12));
		*d++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*d++ = (char)(0x80 | (c & 0x3f));
	} else {
		*d++ = (char)(0xf0 | (c >> 18));
		*d++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*d++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*d++ = (char)(0x80 | (c & 0x3f));
	}
	*o = d;
}

static int hex4(const char *s, unsigned long *out)
{
	int i;

	*out = 0;
	for (i = 0; i < 4; i++) {
		int c = s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		*out = *out << 4 | (unsigned long)v;
	}
	return 0;
}

/* Decodes the escapes of a string body into dst (at most len + 1 bytes). */
static int unescape(struct reader *r, char *dst, const char *s, size_t len, size_t *outlen)
{
	const char *end = s + len;
	char *o = dst;

	while (s < end) {
		unsigned long c, lo;

		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		if (++s >= end)
			return reader_fail(r, "bad escape");
		switch (*s++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (end - s < 4 || hex4(s, &c) < 0)
				return reader_fail(r, "bad \\u escape");
			s += 4;
			if (c >= 0xd800 && c < 0xdc00) {
				if (end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) < 0 ||
				    lo < 0xdc00 || lo >= 0xe000)
					return reader_fail(r, "lone surrogate in \\u escape");
				s += 6;
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			} else if (c >= 0xdc00 && c < 0xe000) {
				return reader_fail(r, "lone surrogate in \\u escape");
			}
			put_utf8(&o, c);
			break;
		default:
			return reader_fail(r, "bad escape");
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - dst);
	return 0;
}

static int parse_string(struct reader *r, struct neo4j_value *v)
{
	const char *body;
	size_t len;
	int escaped;
	char *dst;

	if (scan_string(r, &body, &len, &escaped) < 0)
		return -1;
	/* Escapes only shrink: \uXXXX (6 bytes) is at most 3 of UTF-8, a pair 4 of 12. */
	dst = arena_alloc(&r->arena, len + 1);
	v->type = NEO4J_STRING;
	v->u.str = dst;
	if (!escaped) {
		memcpy(dst, body, len);
		dst[len] = '\0';
		v->len = len;
		return 0;
	}
	return unescape(r, dst, body, len, &v->len);
}

static int parse_number(struct reader *r, struct neo4j_value *v)
{
	const char *s = r->p, *p = s;
	unsigned long long u = 0;
	char buf[64], *end;
	size_t n;

	/* The common case, a small integer, without strtoll. */
	if (p < r->end && *p == '-')
		p++;
	while (p < r->end && *p >= '0' && *p <= '9' && u < 100000000000000000ULL)
		u = u * 10 + (unsigned)(*p++ - '0');
	if (p > s + (*s == '-') && (p >= r->end || !strchr("0123456789.eE+-", *p) || !*p)) {
		v->type = NEO4J_INT;
		v->u.integer = *s == '-' ? -(long long)u : (long long)u;
		r->p = p;
		return 0;
	}
	while (p < r->end && *p && strchr("+-0123456789.eE", *p))
		p++;
	n = (size_t)(p - s);
	if (!n || n >= sizeof(buf))
		return reader_fail(r, "bad number");
	r->p = p;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	if (!memchr(buf, '.', n) && !memchr(buf, 'e', n) && !memchr(buf, 'E', n)) {
		v->type = NEO4J_INT;
		v->u.integer = strtoll(buf, &end, 10);
		if (*end)
			return reader_fail(r, "bad number");
		if (errno != ERANGE)
			return 0;
	}
	v->type = NEO4J_FLOAT;
	v->u.real = strtod(buf, &end);
	if (*end)
		return reader_fail(r, "bad number");
	return 0;
}

static int parse_literal(struct reader *r, const char *word, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return reader_fail(r, "bad literal");
	r->p += n;
	return 0;
}

static void stack_push(struct reader *r, const struct neo4j_value *v)
{
	if (r->nstack == r->astack) {
		r->astack = r->astack ? 2 * r->astack : 64;
		r->stack = xrealloc(r->stack, r->astack * sizeof(*r->stack));
	}
	r->stack[r->nstack++] = *v;
}

static int parse_value(struct reader *r, struct neo4j_value *v);

/* A list or a map: children on the stack, then moved into the arena. */
static int parse_container(struct reader *r, struct neo4j_value *v, char close)
{
	size_t base = r->nstack, n;
	struct neo4j_value *items;

	if (++r->depth > READER_MAX_DEPTH)
		return reader_fail(r, "nested too deep");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
	} else {
		for (;;) {
			struct neo4j_value child;

			skip_ws(r);
			if (close == '}') {
				if (r->p >= r->end || *r->p != '"')
					return reader_fail(r, "expected a key");
				if (parse_string(r, &child) < 0)
					return -1;
				stack_push(r, &child);
				skip_ws(r);
				if (r->p >= r->end || *r->p != ':')
					return reader_fail(r, "expected ':'");
				r->p++;
			}
			if (parse_value(r, &child) < 0)
				return -1;
			stack_push(r, &child);
			skip_ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				continue;
			}
			if (r->p < r->end && *r->p == close) {
				r->p++;
				break;
			}
			return reader_fail(r, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
		}
	}
	n = r->nstack - base;
	items = arena_alloc(&r->arena, (n ? n : 1) * sizeof(*items));
	if (n)
		memcpy(items, r->stack + base, n * sizeof(*items));
	r->nstack = base;
	r->depth--;
	v->type = close == ']' ? NEO4J_LIST : NEO4J_MAP;
	v->len = close == ']' ? n : n / 2;
	v->u.items = items;
	return 0;
}

static int parse_value(struct reader *r, struct neo4j_value *v)
{
	skip_ws(r);
	if (r->p >= r->end)
		return reader_fail(r, "unexpected end");
	memset(v, 0, sizeof(*v));
	switch (*r->p) {
	case '"':
		return parse_string(r, v);
	case '[':
		return parse_container(r, v, ']');
	case '{':
		return parse_container(r, v, '}');
	case 't':
		v->type = NEO4J_BOOL;
		v->u.boolean = 1;
		return parse_literal(r, "true", 4);
	case 'f':
		v->type = NEO4J_BOOL;
		return parse_literal(r, "false", 5);
	case 'n':
		v->type = NEO4J_NULL;
		return parse_literal(r, "null", 4);
	default:
		return parse_number(r, v);
	}
}

const char *neo4j_value_str(const struct neo4j_value *v)
{
	return v && v->type == NEO4J_STRING ? v->u.str : NULL;
}

/* Walks the members of the object at r->p: calls member(key, ...) with r->p
 * at each value, which must consume it. */
static int each_member(struct reader *r, int (*member)(struct reader *, const char *, size_t, void *),
		       void *arg)
{
	skip_ws(r);
	if (r->p >= r->end || *r->p != '{')
		return reader_fail(r, "expected an object");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 0;
	}
	for (;;) {
		const char *key;
		size_t klen;
		int esc;

		skip_ws(r);
		if (r->p >= r->end || *r->p != '"')
			return reader_fail(r, "expected a key");
		if (scan_string(r, &key, &klen, &esc) < 0)
			return -1;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return reader_fail(r, "expected ':'");
		r->p++;
		if (member(r, key, klen, arg) < 0)
			return -1;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return 0;
		}
		return reader_fail(r, "expected ',' or '}'");
	}
}

/* Walks the elements of the array at r->p: each(...) must consume one. */
static int each_element(struct reader *r, int (*each)(struct reader *, size_t, void *), void *arg)
{
	size_t i = 0;

	skip_ws(r);
	if (r->p >= r->end || *r->p != '[')
		return reader_fail(r, "expected an array");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return 0;
	}
	for (;; i++) {
		if (each(r, i, arg) < 0)
			return -1;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return 0;
		}
		return reader_fail(r, "expected ',' or ']'");
	}
}

static int key_is(const char *key, size_t klen, const char *want)
{
	return klen == strlen(want) && !memcmp(key, want, klen);
}

/* The top level: where "errors" and the rows are. */
struct top {
	const char *errors, *errors_end;
	const char *rows;            /* at the value of "data" (v2) or "results" (tx) */
	int tx;                      /* rows is tx/commit's "results" */
};

static int top_member(struct reader *r, const char *key, size_t klen, void *arg)
{
	struct top *t = arg;

	skip_ws(r);
	if (key_is(key, klen, "errors")) {
		t->errors = r->p;
		if (skip_value(r) < 0)
			return -1;
		t->errors_end = r->p;
		return 0;
	}
	if (key_is(key, klen, "data") || key_is(key, klen, "results")) {
		t->rows = r->p;
		t->tx = key[0] == 'r';
	}
	return skip_value(r);
}

/* Hands rows to the caller; `failed` tells a caller's -1 from a reader's. */
struct rows {
	neo4j_row_fn fn;
	void *arg;
	int failed;
	struct neo4j_value row;
	int have_row;
};

static int deliver(struct reader *r, struct rows *rs, const struct neo4j_value *row)
{
	if (row->type != NEO4J_LIST)
		return reader_fail(r, "a row is not a list");
	if (rs->fn(rs->arg, row->u.items, row->len) < 0) {
		rs->failed = 1;
		return -1;
	}
	arena_reset(&r->arena);
	return 0;
}

/* query/v2: "data": {"fields": [...], "values": [[row], ...]} */
static int v2_row(struct reader *r, size_t i, void *arg)
{
	struct neo4j_value row;

	(void)i;
	if (parse_value(r, &row) < 0)
		return -1;
	return deliver(r, arg, &row);
}

static int v2_member(struct reader *r, const char *key, size_t klen, void *arg)
{
	if (key_is(key, klen, "values"))
		return each_element(r, v2_row, arg);
	return skip_value(r);
}

/* tx/commit: "results": [{"columns": [...], "data": [{"row": [...], "meta": [...]}, ...]}] */
static int tx_row_member(struct reader *r, const char *key, size_t klen, void *arg)
{
	struct rows *rs = arg;

	if (key_is(key, klen, "row")) {
		rs->have_row = 1;
		return parse_value(r, &rs->row);
	}
	return skip_value(r);
}

static int tx_row(struct reader *r, size_t i, void *arg)
{
	struct rows *rs = arg;

	(void)i;
	rs->have_row = 0;
	if (each_member(r, tx_row_member, rs) < 0)
		return -1;
	if (!rs->have_row)
		return reader_fail(r, "a data entry without \"row\"");
	return deliver(r, rs, &rs->row);
}

static int tx_result_member(struct reader *r, const char *key, size_t klen, void *arg)
{
	if (key_is(key, klen, "data"))
		return each_element(r, tx_row, arg);
	return skip_value(r);
}

static int tx_result(struct reader *r, size_t i, void *arg)
{
	/* Rows of the first statement only. */
	if (i > 0)
		return skip_value(r);
	return each_member(r, tx_result_member, arg);
}

int neo4j_rows_parse(neo4j_row_fn fn, void *arg, char *code, size_t codesz, int *transient,
		     long http_status, const char *body, size_t len, const char *uri)
{
	struct reader r;
	struct top top;
	struct rows rs;
	int ret = -1;

	*transient = 0;
	code[0] = '\0';
	if (http_status == 401)
		return pm_error(PM_ENEO4J,
				"Neo4j at %s refused the credentials (HTTP 401): check NEO4J_USERNAME and NEO4J_PASSWORD",
				uri);
	memset(&r, 0, sizeof(r));
	memset(&top, 0, sizeof(top));
	memset(&rs, 0, sizeof(rs));
	r.start = r.p = body;
	r.end = body + len;
	if (each_member(&r, top_member, &top) < 0) {
		if (http_status == 404)
			return NEO4J_ENOENDPOINT;
		if (http_status >= 500)
			*transient = 1;
		if (http_status < 200 || http_status >= 300)
			return pm_error(PM_ENEO4J, "Neo4j at %s answered HTTP %ld with a body that is not JSON",
					uri, http_status);
		return pm_error(PM_ENEO4J, "Neo4j at %s sent a reply that is not valid JSON (%s at byte %ld)",
				uri, r.err, (long)(r.p - r.start));
	}
	if (top.errors) {
		json_t *errors = json_loadb(top.errors, (size_t)(top.errors_end - top.errors), 0, NULL);

		if (json_array_size(errors) > 0) {
			/* The same words as neo4j_reply_parse, from a tx/commit-shaped copy. */
			json_t *root = json_pack("{s:O}", "errors", errors);
			char *s = json_dumps(root, JSON_COMPACT);
			json_t *dummy = NULL;

			neo4j_reply_parse(&dummy, code, codesz, transient, http_status, s, strlen(s), uri);
			json_decref(dummy);
			free(s);
			json_decref(root);
			json_decref(errors);
			return -1;
		}
		json_decref(errors);
	}
	if (http_status == 404)
		return NEO4J_ENOENDPOINT;
	if (http_status < 200 || http_status >= 300) {
		*transient = http_status >= 500;
		return pm_error(PM_ENEO4J, "Neo4j at %s answered HTTP %ld", uri, http_status);
	}
	if (!top.rows)
		return pm_error(PM_ENEO4J, "Neo4j at %s sent a reply without rows", uri);
	rs.fn = fn;
	rs.arg = arg;
	r.p = top.rows;
	if (top.tx)
		ret = each_element(&r, tx_result, &rs);
	else
		ret = each_member(&r, v2_member, &rs);
	if (ret < 0 && !rs.failed)
		pm_error(PM_ENEO4J, "Neo4j at %s sent a reply that is not valid JSON (%s at byte %ld)",
			 uri, r.err ? r.err : "?", (long)(r.p - r.start));
	arena_release(&r.arena);
	free(r.stack);
	return ret < 0 ? -1 : 0;
}

static int post_rows(struct neo4j *db, const char *url, struct request *q, neo4j_row_fn fn,
		     void *arg)
{
	struct reply r;
	int attempt = 0, ret = -1, transient = 0;
	int retry = q->body || (q->params && q->params->rewind);

	reply_init(&r);
	for (;;) {
		if (http_send(db, &r, "POST", url, q) < 0) {
			db->code[0] = '\0';
			break;
		}
		ret = neo4j_rows_parse(fn, arg, db->code, sizeof(db->code), &transient, r.status,
				       r.body.buf, r.body.len, db->shown);
		if (ret != -1 || !retry || !transient || attempt >= db->cfg.max_retries)
			break;
		backoff(attempt);
		attempt++;
	}
	reply_release(&r);
	return ret;
}

/*
 * One statement to the Query API, its rows to fn; to tx/commit when the
 * server has none. The parameters are the JSON text whole (not NULL), or
 * streamed from params: then only a writer that can start over is sent to
 * tx/commit after the Query API's 404.
 */
static int query_rows(struct neo4j *db, const char *statement, const char *whole,
		      struct neo4j_body *params, neo4j_row_fn fn, void *arg)
{
	char *url, *text = json_quote(statement);
	int ret = NEO4J_ENOENDPOINT;

	if (!db->no_query_api) {
		struct request q = REQUEST_INIT;
		char *body = NULL;

		if (whole) {
			body = xstrfmt("{\"statement\":%s,\"parameters\":%s}", text, whole);
			q.body = body;
		} else {
			q.head = xstrfmt("{\"statement\":%s,\"parameters\":", text);
			q.tail = xstrdup("}");
			q.params = params;
		}
		url = db_url(db, db->cfg.database, "query/v2");
		ret = post_rows(db, url, &q, fn, arg);
		free(url);
		free(body);
		request_release(&q);
		if (ret == NEO4J_ENOENDPOINT)
			db->no_query_api = 1;
	}
	if (ret == NEO4J_ENOENDPOINT && (whole || params->rewind)) {
		struct request q = REQUEST_INIT;
		char *body = NULL;

		if (whole) {
			body = xstrfmt("{\"statements\":[{\"statement\":%s,\"parameters\":%s,"
				       "\"includeStats\":true,\"resultDataContents\":[\"row\"]}]}",
				       text, whole);
			q.body = body;
		} else {
			/* The Query API's request took what the writer had written. */
			params->rewind(params->arg);
			request_statement(&q, statement, params);
		}
		url = db_url(db, db->cfg.database, "tx/commit");
		ret = post_rows(db, url, &q, fn, arg);
		free(url);
		free(body);
		request_release(&q);
	}
	if (ret == NEO4J_ENOENDPOINT)
		ret = pm_error(PM_ENEO4J, "Neo4j at %s answered 404: no such endpoint (is it Neo4j 4 or newer?)",
			       db->shown);
	free(text);
	return ret;
}

int neo4j_query_rows(struct neo4j *db, const char *statement, json_t *params, neo4j_row_fn fn,
		     void *arg)
{
	char *text;
	int ret;

	if (!params)
		params = json_object();
	text = json_dumps(params, JSON_COMPACT);
	ret = query_rows(db, statement, text ? text : "{}", NULL, fn, arg);
	free(text);
	json_decref(params);
	return ret;
}

int neo4j_query_rows_body(struct neo4j *db, const char *statement, struct neo4j_body *params,
			  neo4j_row_fn fn, void *arg)
{
	return query_rows(db, statement, NULL, params, fn, arg);
}
