#ifndef PMETA_JSONW_H
#define PMETA_JSONW_H

/*
 * JSON text written straight into a strbuf, for documents too large or too
 * hot to build as a jansson tree first (a plan's output, an import's
 * request body). Strings are escaped as jansson's json_dumps escapes them
 * (", \, control characters; UTF-8 passes through), so the bytes match.
 */

#include "util/strbuf.h"

/* s as a quoted JSON string. */
void jsonw_string(struct strbuf *sb, const char *s);

#endif
