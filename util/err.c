#include <stdio.h>
#include <string.h>

#include "util/err.h"

static _Thread_local char errmsg[2048];
static _Thread_local enum pm_errclass errcls = PM_EFAIL;

int pm_verror(enum pm_errclass cls, const char *fmt, va_list ap)
{
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	errcls = cls;
	return -1;
}

int pm_error(enum pm_errclass cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pm_verror(cls, fmt, ap);
	va_end(ap);
	return -1;
}

int pm_error_prefix(const char *fmt, ...)
{
	char old[sizeof(errmsg)];
	va_list ap;
	int n;

	memcpy(old, errmsg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(errmsg)) {
		size_t len = (size_t)n, room = sizeof(errmsg) - len - 2;
		size_t oldlen = strnlen(old, room);

		errmsg[len] = ':';
		errmsg[len + 1] = ' ';
		memcpy(errmsg + len + 2, old, oldlen);
		errmsg[len + 2 + oldlen] = '\0';
	}
	return -1;
}

const char *pm_error_msg(void)
{
	return errmsg[0] ? errmsg : "unknown error";
}

enum pm_errclass pm_error_class(void)
{
	return errcls;
}

void pm_error_clear(void)
{
	errmsg[0] = '\0';
	errcls = PM_EFAIL;
}
