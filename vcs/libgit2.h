#ifndef PMETA_LIBGIT2_H
#define PMETA_LIBGIT2_H

/*
 * libgit2's global start and stop, without the certificate bundle.
 *
 * Debian's libgit2 1.5 is built with mbedTLS, whose start-up
 * (git_libgit2_init -> git_mbedtls_stream_global_init) parses the whole
 * system CA bundle: about 54 M instructions, 10 ms, three quarters of a
 * `pmeta version`. pmeta talks to no git remote, so no verb needs TLS
 * through libgit2. vcs_libgit2_init(0) starts libgit2 with an empty CA
 * chain; vcs_libgit2_init(1) loads the bundle as libgit2 would.
 */

/* Returns what git_libgit2_init() returns (the init count, or < 0). */
int vcs_libgit2_init(int tls);
void vcs_libgit2_shutdown(void);

/* How many CA bundle loads were skipped so far (for the unit test). */
int vcs_libgit2_skipped_cert_loads(void);

#endif
