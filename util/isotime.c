/*
 * ISO 8601 times (see util/isotime.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/isotime.h"
#include "util/strbuf.h"

/* n digits at *s as a number, advancing *s; -1 when they are not digits. */
static long digits(const char **s, int n)
{
	long v = 0;

	for (; n > 0; n--, (*s)++) {
		if (!isdigit((unsigned char)**s))
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v;
}

int iso_time_parse(const char *s, long long *ms)
{
	struct tm tm;
	long y, mo, d, h, mi, sec = 0, frac = 0, off = 0;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((y = digits(&s, 4)) < 0 || *s++ != '-' || (mo = digits(&s, 2)) < 1 || *s++ != '-' ||
	    (d = digits(&s, 2)) < 1 || *s++ != 'T' || (h = digits(&s, 2)) < 0 || *s++ != ':' ||
	    (mi = digits(&s, 2)) < 0)
		return -1;
	if (*s == ':') {
		s++;
		if ((sec = digits(&s, 2)) < 0)
			return -1;
		if (*s == '.') {
			int n = 0;

			for (s++; isdigit((unsigned char)*s); s++, n++)
				if (n < 3)
					frac = frac * 10 + (*s - '0');
			if (!n)
				return -1;
			for (; n < 3; n++)
				frac *= 10;
		}
	}
	if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1;
		long oh, om;

		if ((oh = digits(&s, 2)) < 0 || *s++ != ':' || (om = digits(&s, 2)) < 0)
			return -1;
		off = sign * (oh * 60 + om) * 60;
	} else if (*s++ != 'Z') {
		return -1;
	}
	if (*s && *s != '[')
		return -1;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	*ms = ((long long)timegm(&tm) - off) * 1000 + frac;
	return 0;
}

static char *format(long long ms, int with_ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char stamp[32];

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	return with_ms ? xstrfmt("%s.%03dZ", stamp, (int)(ms % 1000)) : xstrfmt("%sZ", stamp);
}

char *iso_time_ms(long long ms)
{
	return format(ms, 1);
}

char *iso_time_s(long long ms)
{
	return format(ms, 0);
}
