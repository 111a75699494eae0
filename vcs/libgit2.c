/*
 * Starting libgit2 without loading the CA bundle: see vcs/libgit2.h.
 *
 * libgit2 loads the bundle through mbedtls_x509_crt_parse_file(), which it
 * imports from libmbedx509. A function of that name in the executable comes
 * first in the dynamic linker's lookup (ELF symbol interposition, as malloc
 * replacements work), so libgit2's call lands here: while no TLS is wanted
 * it leaves the chain empty and reports success; otherwise it hands the call
 * on to mbedTLS's own function (dlsym RTLD_NEXT). A libgit2 built with
 * another TLS backend never calls it, and nothing changes. The definition
 * lives in the same object as vcs_libgit2_init() so that linking pmeta's
 * archive always brings it in.
 */
#include <dlfcn.h>
#include <stddef.h>

#include <git2.h>

#include "vcs/libgit2.h"

static int tls_wanted;
static int skipped;

int vcs_libgit2_init(int tls)
{
	tls_wanted = tls;
	return git_libgit2_init();
}

void vcs_libgit2_shutdown(void)
{
	git_libgit2_shutdown();
}

int vcs_libgit2_skipped_cert_loads(void)
{
	return skipped;
}

/*
 * mbedTLS 2.28's signature, with the chain opaque: pmeta does not build
 * against mbedTLS's headers. Declared here to satisfy
 * -Wmissing-prototypes; it is an interposer, not part of pmeta's API.
 */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	int (*real)(void *, const char *);

	if (!tls_wanted) {
		skipped++;
		return 0;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	if (!real)
		return -0x2900; /* MBEDTLS_ERR_X509_FILE_IO_ERROR */
	return real(chain, path);
}
