/*
 * Unit tests of the Neo4j client: request building, reply parsing, and the
 * transport against a replay server on 127.0.0.1 that answers with canned
 * replies, for the error paths a live Neo4j cannot be made to produce
 * (truncated JSON, 500 with an HTML body, transient errors then success).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "graph/neo4j.h"
#include "util/err.h"
#include "util/strbuf.h"

static const char ok_body[] =
	"{\"results\":[{\"columns\":[\"a\",\"b\"],\"data\":[{\"row\":[1,\"x\"],\"meta\":[null,null]},"
	"{\"row\":[2,\"y\"],\"meta\":[null,null]}],\"stats\":{\"nodes_created\":3,\"contains_updates\":true}}],"
	"\"errors\":[]}";

static void test_request_body(void **state)
{
	json_t *stmts = json_array(), *body;
	char *s;

	(void)state;
	json_array_append_new(stmts, neo4j_stmt("MATCH (n {key: $k}) RETURN n", json_pack("{ss}", "k", "a'b\"c")));
	s = neo4j_request_body(stmts);
	body = json_loads(s, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(body, "statements"), 0),
							      "statement")),
			    "MATCH (n {key: $k}) RETURN n");
	/* The value travels as a parameter, untouched, never in the statement. */
	assert_string_equal(json_string_value(json_object_get(json_object_get(
				    json_array_get(json_object_get(body, "statements"), 0), "parameters"), "k")),
			    "a'b\"c");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(body, "statements"), 0),
						 "includeStats")));
	json_decref(body);
	json_decref(stmts);
	free(s);
}

static void test_parse_ok(void **state)
{
	json_t *res = NULL, *r0;
	char code[64];
	int transient;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 200, ok_body,
					   strlen(ok_body), "http://h"), 0);
	r0 = json_array_get(res, 0);
	assert_int_equal(neo4j_nrows(r0), 2);
	assert_int_equal(json_integer_value(neo4j_cell(r0, 1, "a")), 2);
	assert_string_equal(json_string_value(neo4j_cell(r0, 0, "b")), "x");
	assert_null(neo4j_cell(r0, 0, "nope"));
	assert_int_equal(neo4j_stat(r0, "nodes_created"), 3);
	assert_int_equal(neo4j_stat(r0, "relationships_created"), 0);
	json_decref(res);
}

static void test_parse_client_error(void **state)
{
	static const char body[] = "{\"results\":[],\"errors\":[{\"code\":\"Neo.ClientError.Statement.SyntaxError\","
				   "\"message\":\"Invalid input 'X'\"}]}";
	json_t *res = NULL;
	char code[64];
	int transient = 1;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 200, body, strlen(body),
					   "http://h"), -1);
	assert_null(res);
	assert_string_equal(code, "Neo.ClientError.Statement.SyntaxError");
	assert_int_equal(transient, 0);
	assert_int_equal(pm_error_class(), PM_ENEO4J);
	assert_non_null(strstr(pm_error_msg(), "Neo.ClientError.Statement.SyntaxError: Invalid input 'X'"));
}

static void test_parse_transient(void **state)
{
	static const char body[] = "{\"results\":[],\"errors\":[{\"code\":\"Neo.TransientError.Transaction.DeadlockDetected\","
				   "\"message\":\"deadlock\"}]}";
	json_t *res = NULL;
	char code[64];
	int transient = 0;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 200, body, strlen(body),
					   "http://h"), -1);
	assert_int_equal(transient, 1);
}

static void test_parse_truncated(void **state)
{
	json_t *res = NULL;
	char code[64];
	int transient = 1;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 200, ok_body, 40, "http://h"), -1);
	assert_non_null(strstr(pm_error_msg(), "not valid JSON"));
	assert_int_equal(transient, 0);
}

static void test_parse_html_500(void **state)
{
	static const char body[] = "<html><body><h1>500 Internal Server Error</h1></body></html>";
	json_t *res = NULL;
	char code[64];
	int transient = 0;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 500, body, strlen(body),
					   "http://h:1"), -1);
	assert_non_null(strstr(pm_error_msg(), "HTTP 500"));
	assert_non_null(strstr(pm_error_msg(), "http://h:1"));
	assert_int_equal(transient, 1);
}

static void test_parse_401(void **state)
{
	static const char body[] = "{\"errors\":[{\"code\":\"Neo.ClientError.Security.Unauthorized\",\"message\":\"Invalid username or password.\"}]}";
	json_t *res = NULL;
	char code[64];
	int transient = 0;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 401, body, strlen(body),
					   "http://h"), -1);
	assert_non_null(strstr(pm_error_msg(), "credentials"));
	assert_int_equal(transient, 0);
}

static void test_parse_no_results(void **state)
{
	static const char body[] = "{\"errors\":[]}";
	json_t *res = NULL;
	char code[64];
	int transient = 0;

	(void)state;
	assert_int_equal(neo4j_reply_parse(&res, code, sizeof(code), &transient, 200, body, strlen(body),
					   "http://h"), -1);
	assert_non_null(strstr(pm_error_msg(), "without \"results\""));
}

/* ---- a replay server: answers each request with the next canned reply ---- */

struct replay {
	int fd;
	int port;
	const char **replies;  /* full HTTP responses; NULL ends */
	int served;
	int connections;
	struct strbuf requests;
	pthread_t thread;
};

static int read_request(int c, struct strbuf *all)
{
	char buf[4096];
	struct strbuf req = STRBUF_INIT;
	long want = -1;

	for (;;) {
		char *hdr_end;
		ssize_t n;

		if (want >= 0 && (long)req.len >= want)
			break;
		n = read(c, buf, sizeof(buf));
		if (n <= 0) {
			strbuf_release(&req);
			return -1;
		}
		strbuf_add(&req, buf, (size_t)n);
		hdr_end = strstr(req.buf, "\r\n\r\n");
		if (hdr_end && want < 0) {
			const char *cl = strcasestr(req.buf, "Content-Length:");
			long len = cl && cl < hdr_end ? atol(cl + 15) : 0;

			want = (long)(hdr_end + 4 - req.buf) + len;
		}
	}
	strbuf_add(all, req.buf, req.len);
	strbuf_release(&req);
	return 0;
}

static void *replay_main(void *arg)
{
	struct replay *r = arg;

	while (r->replies[r->served]) {
		int c = accept(r->fd, NULL, NULL);

		if (c < 0)
			break;
		r->connections++;
		while (r->replies[r->served] && read_request(c, &r->requests) == 0) {
			const char *reply = r->replies[r->served++];

			if (write(c, reply, strlen(reply)) < 0)
				break;
			if (strstr(reply, "Connection: close"))
				break;
		}
		close(c);
	}
	return NULL;
}

static void replay_start(struct replay *r, const char **replies)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->requests, 0);
	r->replies = replies;
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(r->fd >= 0);
	setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(r->fd, 4), 0);
	getsockname(r->fd, (struct sockaddr *)&a, &len);
	r->port = ntohs(a.sin_port);
	pthread_create(&r->thread, NULL, replay_main, r);
}

static void replay_stop(struct replay *r)
{
	shutdown(r->fd, SHUT_RDWR);
	close(r->fd);
	pthread_join(r->thread, NULL);
}

static struct neo4j *open_capped(int port, unsigned long long max_reply)
{
	struct neo4j_config cfg;
	struct neo4j *db = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_reply = max_reply;
	cfg.uri = xstrfmt("http://127.0.0.1:%d", port);
	cfg.user = xstrdup("neo4j");
	cfg.password = xstrdup("s3cret-pw");
	cfg.database = xstrdup("neo4j");
	cfg.connect_timeout_ms = 2000;
	cfg.timeout_ms = 5000;
	cfg.max_retries = 3;
	assert_int_equal(neo4j_open(&db, &cfg), 0);
	neo4j_config_release(&cfg);
	return db;
}

static struct neo4j *open_at(int port)
{
	return open_capped(port, 0);
}

static char *http_reply(int status, const char *type, const char *body)
{
	return xstrfmt("HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s", status, type,
		       strlen(body), body);
}

static void test_transient_retried_on_one_connection(void **state)
{
	char *busy = http_reply(200, "application/json",
				"{\"results\":[],\"errors\":[{\"code\":\"Neo.TransientError.Database.DatabaseUnavailable\",\"message\":\"starting\"}]}");
	char *ok = http_reply(200, "application/json", ok_body);
	const char *replies[] = { busy, busy, ok, NULL };
	struct replay r;
	struct neo4j *db;
	json_t *res = NULL;

	(void)state;
	replay_start(&r, replies);
	db = open_at(r.port);
	assert_int_equal(neo4j_query(db, &res, "RETURN 1", NULL), 0);
	assert_int_equal(neo4j_nrows(res), 2);
	assert_int_equal(neo4j_request_count(db), 3);
	neo4j_free(db);
	replay_stop(&r);
	/* Keep-alive: three requests, one TCP connection. */
	assert_int_equal(r.connections, 1);
	assert_int_equal(r.served, 3);
	json_decref(res);
	free(busy);
	strbuf_release(&r.requests);
	free(ok);
}

static void test_client_error_not_retried(void **state)
{
	char *bad = http_reply(200, "application/json",
			       "{\"results\":[],\"errors\":[{\"code\":\"Neo.ClientError.Statement.SyntaxError\",\"message\":\"Invalid input\"}]}");
	const char *replies[] = { bad, bad, NULL };
	struct replay r;
	struct neo4j *db;

	(void)state;
	replay_start(&r, replies);
	db = open_at(r.port);
	assert_int_equal(neo4j_query(db, NULL, "RETRUN 1", NULL), -1);
	assert_int_equal(neo4j_request_count(db), 1);
	assert_string_equal(neo4j_last_code(db), "Neo.ClientError.Statement.SyntaxError");
	neo4j_free(db);
	/* Unblock the server's second accept-less wait. */
	replay_stop(&r);
	free(bad);
	strbuf_release(&r.requests);
}

static void test_html_500_and_truncated(void **state)
{
	char *html = http_reply(500, "text/html", "<html><body>Internal Server Error</body></html>");
	char *trunc = http_reply(200, "application/json", "{\"results\":[{\"columns\":[\"a\"],\"data\":[{\"row\":[1");
	const char *replies[] = { html, html, html, html, trunc, NULL };
	struct replay r;
	struct neo4j *db;

	(void)state;
	replay_start(&r, replies);
	db = open_at(r.port);
	/* 500 is transient: retried max_retries (3) times, then reported. */
	assert_int_equal(neo4j_query(db, NULL, "RETURN 1", NULL), -1);
	assert_int_equal(neo4j_request_count(db), 4);
	assert_non_null(strstr(pm_error_msg(), "HTTP 500"));
	assert_null(strstr(pm_error_msg(), "s3cret-pw"));
	assert_int_equal(neo4j_query(db, NULL, "RETURN 1", NULL), -1);
	assert_non_null(strstr(pm_error_msg(), "not valid JSON"));
	neo4j_free(db);
	replay_stop(&r);
	free(html);
	free(trunc);
	strbuf_release(&r.requests);
}

static void test_auth_header_not_in_errors(void **state)
{
	char *unauth = http_reply(401, "application/json",
				  "{\"errors\":[{\"code\":\"Neo.ClientError.Security.Unauthorized\",\"message\":\"Invalid username or password.\"}]}");
	const char *replies[] = { unauth, NULL };
	struct replay r;
	struct neo4j *db;

	(void)state;
	replay_start(&r, replies);
	db = open_at(r.port);
	assert_int_equal(neo4j_query(db, NULL, "RETURN 1", NULL), -1);
	assert_int_equal(pm_error_class(), PM_ENEO4J);
	assert_non_null(strstr(pm_error_msg(), "credentials"));
	assert_null(strstr(pm_error_msg(), "s3cret-pw"));
	neo4j_free(db);
	replay_stop(&r);
	/* Basic auth went in a header, never in the URL. */
	assert_null(strstr(r.requests.buf, "s3cret-pw@"));
	assert_non_null(strstr(r.requests.buf, "Authorization: Basic "));
	strbuf_release(&r.requests);
	free(unauth);
}

static void test_connection_refused(void **state)
{
	struct replay r;
	struct neo4j *db;
	int port;

	(void)state;
	/* Learn a free port, then close it. */
	{
		const char *none[] = { NULL };

		replay_start(&r, none);
		port = r.port;
		replay_stop(&r);
		strbuf_release(&r.requests);
	}
	db = open_at(port);
	assert_int_equal(neo4j_query(db, NULL, "RETURN 1", NULL), -1);
	assert_int_equal(pm_error_class(), PM_ENEO4J);
	assert_non_null(strstr(pm_error_msg(), "cannot reach Neo4j at http://127.0.0.1:"));
	neo4j_free(db);
}

static void test_uri_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "http://127.0.0.1:7474", "http://127.0.0.1:7474" },
		{ "http://user:pw@127.0.0.1:1", "http://user:***@127.0.0.1:1" },
		{ "https://u@h/db?x=a@b", "https://***@h/db?x=a@b" },
		/* Up to the last '@' before '?' or '#': a raw '/' or '@' in a password never shows. */
		{ "http://bob:uRi/SeCrEt@127.0.0.1:1", "http://bob:***@127.0.0.1:1" },
		{ "http://a:p@w@h:1/x?y@z", "http://a:***@h:1/x?y@z" },
		{ "http://a@b:p@w@h:1/x@y", "http://a@b:***@y" },
		{ "bolt://neo4j:s3cret@host", "bolt://neo4j:***@host" },
		{ "user:pw@host", "user:***@host" },
		{ "", "" },
		{ "not a uri", "not a uri" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = neo4j_uri_redact(cases[i][0]);

		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

/* neo4j_open refuses what is not an http(s) URL, naming it without credentials. */
static void test_open_refuses_bad_uris(void **state)
{
	static const char *const cases[][2] = {
		{ "bolt://127.0.0.1:1", "unsupported NEO4J_URI 'bolt://127.0.0.1:1'" },
		{ "neo4j://user:s3cret-pw@h:7687", "unsupported NEO4J_URI 'neo4j://user:***@h:7687'" },
		{ "ftp://x", "unsupported NEO4J_URI 'ftp://x'" },
		{ "", "NEO4J_URI is set but empty" },
		{ "http://", "NEO4J_URI 'http://' is not a URL" },
		{ "http://user:s3cret-pw@[::1", "NEO4J_URI 'http://user:***@[::1' is not a URL" },
		{ "http://user:s3c/ret-pw@h:1", "NEO4J_URI 'http://user:***@h:1' is not a URL" },
		{ "127.0.0.1:7474", "NEO4J_URI '127.0.0.1:7474'" },
	};
	struct neo4j_config cfg;
	struct neo4j *db = NULL;
	size_t i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.user = "neo4j";
	cfg.password = "pw";
	cfg.database = "neo4j";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg.uri = (char *)cases[i][0];
		assert_int_equal(neo4j_open(&db, &cfg), -1);
		assert_null(db);
		assert_int_equal(pm_error_class(), PM_ENEO4J);
		if (!strstr(pm_error_msg(), cases[i][1]))
			fail_msg("'%s' gave '%s'", cases[i][0], pm_error_msg());
		assert_null(strstr(pm_error_msg(), "s3cret"));
	}
	/* HTTPS in capitals is fine; a password never reaches neo4j_uri(). */
	cfg.uri = "HTTPS://user:s3cret-pw@127.0.0.1:7473";
	assert_int_equal(neo4j_open(&db, &cfg), 0);
	assert_string_equal(neo4j_uri(db), "HTTPS://user:***@127.0.0.1:7473");
	neo4j_free(db);
}

/* A body past the cap aborts the request, streamed or declared. */
static void test_reply_cap(void **state)
{
	struct strbuf big = STRBUF_INIT;
	char *declared = xstrdup("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: 1000000000\r\n\r\n{");
	char *small = http_reply(200, "application/json", ok_body);
	const char *replies[] = { NULL, small, NULL };
	const char *replies2[] = { declared, NULL };
	struct replay r;
	struct neo4j *db;
	json_t *res = NULL;
	size_t i;

	(void)state;
	/* No Content-Length: the body ends when the server closes. */
	strbuf_addstr(&big, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		      "Connection: close\r\n\r\n{\"results\":[\"");
	for (i = 0; i < 10000; i++)
		strbuf_addch(&big, 'x');
	strbuf_addstr(&big, "\"]}");
	replies[0] = big.buf;
	replay_start(&r, replies);
	db = open_capped(r.port, 4096);
	assert_int_equal(neo4j_query(db, NULL, "RETURN 1", NULL), -1);
	assert_int_equal(pm_error_class(), PM_ENEO4J);
	assert_non_null(strstr(pm_error_msg(), "sent a reply larger than 4096 bytes"));
	assert_non_null(strstr(pm_error_msg(), "PMETA_NEO4J_MAX_REPLY"));
	/* Not retried; the next request on the connection works. */
	assert_int_equal(neo4j_request_count(db), 1);
	assert_int_equal(neo4j_query(db, &res, "RETURN 1", NULL), 0);
	assert_int_equal(neo4j_nrows(res), 2);
	json_decref(res);
	neo4j_free(db);
	replay_stop(&r);
	strbuf_release(&r.requests);

	replay_start(&r, replies2);
	db = open_capped(r.port, 4096);
	assert_int_equal(neo4j_query(db, NULL, "RETURN 1", NULL), -1);
	assert_non_null(strstr(pm_error_msg(), "sent a reply larger than 4096 bytes"));
	neo4j_free(db);
	replay_stop(&r);
	strbuf_release(&r.requests);
	strbuf_release(&big);
	free(declared);
	free(small);
}

/* PMETA_NEO4J_TIMEOUT and PMETA_NEO4J_MAX_REPLY: what is taken, what is refused. */
static void test_limits_from_env(void **state)
{
	static const struct { const char *v; long ms; } timeouts[] = {
		{ "60", 60000 }, { "0.1", 100 }, { ".5", 500 }, { "1e1", 10000 }, { "86400", 86400000 },
		{ "2.0005", 2001 }, { "", 60000 }, { NULL, 60000 },
		{ "0", -1 }, { "0.0999", -1 }, { "-5", -1 }, { "+5", -1 }, { "abc", -1 }, { "inf", -1 },
		{ "nan", -1 }, { "1e300", -1 }, { "1e400", -1 }, { "86400.5", -1 }, { " 5", -1 },
		{ "5 ", -1 }, { "5s", -1 }, { "0x10", -1 }, { "1e", -1 },
	};
	static const struct { const char *v; unsigned long long bytes; } caps[] = {
		{ NULL, 1ULL << 30 }, { "", 1ULL << 30 }, { "1024", 1024 }, { "1K", 1024 },
		{ "1k", 1024 }, { "64K", 65536 }, { "4m", 4ULL << 20 }, { "2G", 2ULL << 30 },
		{ "1024G", 1ULL << 40 }, { "1099511627776", 1ULL << 40 },
		{ "1023", 0 }, { "0", 0 }, { "1025G", 0 }, { "1099511627777", 0 }, { "1KB", 0 },
		{ "1.5M", 0 }, { "-1", 0 }, { "K", 0 }, { "18446744073709551616", 0 }, { " 1M", 0 },
	};
	struct neo4j_config cfg;
	size_t i;

	(void)state;
	unsetenv("PMETA_NEO4J_MAX_REPLY");
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		int ret;

		if (timeouts[i].v)
			setenv("PMETA_NEO4J_TIMEOUT", timeouts[i].v, 1);
		else
			unsetenv("PMETA_NEO4J_TIMEOUT");
		ret = neo4j_config_from_env(&cfg);
		if (timeouts[i].ms < 0) {
			if (ret != -1)
				fail_msg("PMETA_NEO4J_TIMEOUT='%s' was taken", timeouts[i].v);
			assert_int_equal(pm_error_class(), PM_EUSAGE);
			assert_non_null(strstr(pm_error_msg(), "PMETA_NEO4J_TIMEOUT"));
		} else {
			if (ret != 0 || cfg.timeout_ms != timeouts[i].ms)
				fail_msg("PMETA_NEO4J_TIMEOUT='%s' gave %d, %ld ms", timeouts[i].v, ret,
					 cfg.timeout_ms);
			assert_true(cfg.connect_timeout_ms <= cfg.timeout_ms);
		}
		neo4j_config_release(&cfg);
	}
	unsetenv("PMETA_NEO4J_TIMEOUT");
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int ret;

		if (caps[i].v)
			setenv("PMETA_NEO4J_MAX_REPLY", caps[i].v, 1);
		else
			unsetenv("PMETA_NEO4J_MAX_REPLY");
		ret = neo4j_config_from_env(&cfg);
		if (!caps[i].bytes) {
			if (ret != -1)
				fail_msg("PMETA_NEO4J_MAX_REPLY='%s' was taken", caps[i].v);
			assert_int_equal(pm_error_class(), PM_EUSAGE);
			assert_non_null(strstr(pm_error_msg(), "PMETA_NEO4J_MAX_REPLY"));
		} else if (ret != 0 || cfg.max_reply != caps[i].bytes) {
			fail_msg("PMETA_NEO4J_MAX_REPLY='%s' gave %d, %llu", caps[i].v, ret, cfg.max_reply);
		}
		neo4j_config_release(&cfg);
	}
	unsetenv("PMETA_NEO4J_MAX_REPLY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_body),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_client_error),
		cmocka_unit_test(test_parse_transient),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_html_500),
		cmocka_unit_test(test_parse_401),
		cmocka_unit_test(test_parse_no_results),
		cmocka_unit_test(test_transient_retried_on_one_connection),
		cmocka_unit_test(test_client_error_not_retried),
		cmocka_unit_test(test_html_500_and_truncated),
		cmocka_unit_test(test_auth_header_not_in_errors),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_uri_redact),
		cmocka_unit_test(test_open_refuses_bad_uris),
		cmocka_unit_test(test_reply_cap),
		cmocka_unit_test(test_limits_from_env),
	};
	int ret;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = cmocka_run_group_tests_name("neo4j", tests, NULL, NULL);
	curl_global_cleanup();
	return ret;
}
