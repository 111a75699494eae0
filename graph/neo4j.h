#ifndef PMETA_NEO4J_H
#define PMETA_NEO4J_H

/*
 * Neo4j over its HTTP Cypher API (POST /db/{db}/tx/commit and the explicit
 * /tx endpoints). One CURL handle per connection, so every statement of a
 * process reuses one keep-alive TCP connection.
 *
 * Every value reaches Cypher as a parameter: a statement is a constant
 * (from cypher/) and a JSON object of parameters.
 *
 * Functions return 0 or -1 with a PM_ENEO4J error recorded; the Neo4j
 * status code of the last failure (e.g. "Neo.ClientError.Statement.SyntaxError")
 * is kept for callers that branch on it.
 */

#include <stddef.h>

#include <jansson.h>

struct neo4j_config {
	char *uri;          /* base URI, http://host:port */
	char *user;
	char *password;     /* never printed */
	char *database;
	long connect_timeout_ms;
	long timeout_ms;    /* whole request */
	unsigned long long max_reply;  /* bytes of one reply body; 0 = the default */
	int max_retries;    /* for Neo.TransientError.* on autocommit requests */
};

/* The limits a user may set (README, "Neo4j on loopback"). */
#define NEO4J_TIMEOUT_DEFAULT 60.0        /* PMETA_NEO4J_TIMEOUT, seconds */
#define NEO4J_TIMEOUT_MIN 0.1
#define NEO4J_TIMEOUT_MAX 86400.0
#define NEO4J_MAX_REPLY_DEFAULT (1ULL << 30)  /* PMETA_NEO4J_MAX_REPLY, bytes */
#define NEO4J_MAX_REPLY_MIN (1ULL << 10)
#define NEO4J_MAX_REPLY_MAX (1ULL << 40)

/*
 * Fills cfg from NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE,
 * PMETA_NEO4J_TIMEOUT (seconds) and PMETA_NEO4J_MAX_REPLY (bytes, or with a
 * suffix K, M or G) with the documented defaults; an empty variable is unset
 * (but an empty NEO4J_URI is kept, for neo4j_open to refuse). Returns -1 with
 * a PM_EUSAGE error naming the variable when a limit is not a valid value;
 * cfg is filled either way (release it).
 */
int neo4j_config_from_env(struct neo4j_config *cfg);
void neo4j_config_release(struct neo4j_config *cfg);

struct neo4j;

/*
 * Copies cfg; does no I/O. Refuses a URI that is empty, not a URL, or not
 * http(s). The URI messages show (neo4j_uri) has no password.
 */
int neo4j_open(struct neo4j **out, const struct neo4j_config *cfg);
void neo4j_free(struct neo4j *db);
/* The URI for messages: any password in it replaced by "***". */
const char *neo4j_uri(const struct neo4j *db);
/*
 * uri with the credentials of its authority part hidden (user:***@host, or
 * ***@host without a user): what follows "://" up to the last '@' before
 * '?' or '#' (not '/': a raw '/' in a password must not end it); new string.
 */
char *neo4j_uri_redact(const char *uri);
/*
 * The URI as a link for a person to open: no user, password, query or
 * fragment, no trailing '/' (the Browser asks for credentials itself); new
 * string.
 */
char *neo4j_uri_public(const struct neo4j *db);
const char *neo4j_database(const struct neo4j *db);
/* Status code of the last Neo4j error ("" when the failure had none). */
const char *neo4j_last_code(const struct neo4j *db);
/* Number of HTTP requests sent, and TCP connections opened, so far (for
 * tests and benchmarks: keep-alive means one connection for many requests). */
unsigned long neo4j_request_count(const struct neo4j *db);
unsigned long neo4j_connect_count(const struct neo4j *db);

/*
 * GET / (the discovery document: neo4j_version, neo4j_edition); needs no
 * auth, so it tells "unreachable" apart from "wrong password".
 */
int neo4j_discover(struct neo4j *db, json_t **out);

/*
 * A statement object {statement, parameters, ...}; params is stolen (may be
 * NULL). Returns a new reference.
 */
json_t *neo4j_stmt(const char *statement, json_t *params);

/*
 * Runs the statements (a JSON array of neo4j_stmt objects, borrowed) in one
 * transaction. On success *results is a new reference to the reply's
 * "results" array, one entry per statement. Transient errors are retried
 * with backoff, at most cfg.max_retries times.
 */
int neo4j_commit(struct neo4j *db, json_t **results, json_t *statements);
/* The same against another database of the server (e.g. "system"). */
int neo4j_commit_db(struct neo4j *db, const char *database, json_t **results,
		    json_t *statements);
/* One statement; *result (may be NULL) is a new reference to its result. */
int neo4j_query(struct neo4j *db, json_t **result, const char *statement,
		json_t *params);

/* Explicit transactions, for commands that need several round trips. */
struct neo4j_tx;
int neo4j_tx_begin(struct neo4j *db, struct neo4j_tx **out);
/* statements borrowed; results may be NULL. */
int neo4j_tx_run(struct neo4j_tx *tx, json_t **results, json_t *statements);
int neo4j_tx_query(struct neo4j_tx *tx, json_t **result, const char *statement,
		   json_t *params);
/* Commits and frees tx, whatever the outcome. statements may be NULL. */
int neo4j_tx_commit(struct neo4j_tx *tx, json_t **results, json_t *statements);
/* Rolls back (best effort) and frees tx; accepts NULL. */
void neo4j_tx_rollback(struct neo4j_tx *tx);

/* Result accessors (all borrowed). */
size_t neo4j_nrows(const json_t *result);
json_t *neo4j_row(const json_t *result, size_t row);
/* The cell of column `column` in row `row`, or NULL. */
json_t *neo4j_cell(const json_t *result, size_t row, const char *column);
/* A counter of the result's stats ("nodes_created", ...); 0 when absent. */
long neo4j_stat(const json_t *result, const char *name);

/*
 * Exposed for unit tests: the request body for statements, and the parsing
 * of a reply. neo4j_reply_parse returns 0 with *results set, or -1 with the
 * error recorded; *code receives the Neo4j status code (or "") and
 * *transient whether a retry may succeed.
 */
char *neo4j_request_body(json_t *statements);
int neo4j_reply_parse(json_t **results, char *code, size_t codesz, int *transient,
		      long http_status, const char *body, size_t len, const char *uri);

#endif
