/*
 * vcs/libgit2.c: libgit2 starts without parsing the CA bundle unless TLS is
 * wanted. Fails when the interposed mbedTLS loader is not the one libgit2
 * calls (then every verb pays ~54 M instructions at start again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <git2.h>

#include "vcs/libgit2.h"

int mbedtls_x509_crt_parse_file(void *chain, const char *path);

static void test_init_skips_the_bundle(void **state)
{
	(void)state;
	assert_int_equal(vcs_libgit2_skipped_cert_loads(), 0);
	assert_true(vcs_libgit2_init(0) > 0);
	/* libgit2's mbedTLS start-up asked for the bundle, and got nothing. */
	assert_int_equal(vcs_libgit2_skipped_cert_loads(), 1);
	vcs_libgit2_shutdown();
}

static void test_tls_hands_on_to_mbedtls(void **state)
{
	char chain[4096] = { 0 };

	(void)state;
	assert_true(vcs_libgit2_init(1) > 0);
	/* The start-up load went to mbedTLS: nothing more was skipped. */
	assert_int_equal(vcs_libgit2_skipped_cert_loads(), 1);
	/* mbedTLS's own parser answers: a missing file is its MBEDTLS_ERR_PK_FILE_IO_ERROR. */
	assert_int_equal(mbedtls_x509_crt_parse_file(chain, "/nonexistent/ca.crt"), -0x3e00);
	vcs_libgit2_shutdown();
}

static void test_skipped_load_is_empty_success(void **state)
{
	char chain[16] = { 0 };
	int before = vcs_libgit2_skipped_cert_loads();

	(void)state;
	assert_true(vcs_libgit2_init(0) > 0);
	assert_int_equal(vcs_libgit2_skipped_cert_loads(), before + 1);
	assert_int_equal(mbedtls_x509_crt_parse_file(chain, "/nonexistent/ca.crt"), 0);
	assert_int_equal(vcs_libgit2_skipped_cert_loads(), before + 2);
	vcs_libgit2_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_skips_the_bundle),
		cmocka_unit_test(test_tls_hands_on_to_mbedtls),
		cmocka_unit_test(test_skipped_load_is_empty_success),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
