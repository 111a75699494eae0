#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
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
	char *shown;    /* cfg.uri without the password it may hold: for messages */
	CURL *curl;
	struct curl_slist *headers;
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

/* One HTTP exchange. Returns 0 when a reply arrived (any status). */
static int http_send(struct neo4j *db, struct reply *r, const char *method,
		     const char *url, const char *body)
{
	CURL *c = db->curl;
	CURLcode rc;

	r->status = 0;
	r->max = db->cfg.max_reply;
	r->too_big = 0;
	strbuf_reset(&r->body);
	strbuf_reset(&r->location);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, db->headers);
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
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	db->requests++;
	rc = curl_easy_perform(c);
	{
		long n = 0;

		if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK && n > 0)
			db->connects += (unsigned long)n;
	}
	if (rc != CURLE_OK) {
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
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
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

/* POST statements to url; parse. Retries transient failures when allowed. */
static int post_statements(struct neo4j *db, json_t **results, const char *url,
			   json_t *statements, int retry, struct reply *keep)
{
	struct reply r;
	char *body = neo4j_request_body(statements);
	int attempt = 0, ret = -1, transient = 0;

	reply_init(&r);
	for (;;) {
		json_t *res = NULL;

		if (http_send(db, &r, "POST", url, body) < 0) {
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
		/* Backoff 50 ms, 100 ms, 200 ms ... capped at 2 s, with jitter. */
		{
			long ms = 50L << (attempt < 6 ? attempt : 6);

			if (ms > 2000)
				ms = 2000;
			sleep_ms(ms + rand() % (ms / 2 + 1));
		}
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
	free(body);
	return ret;
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
