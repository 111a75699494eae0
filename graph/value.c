/*
 * Typed step values (see graph/value.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/value.h"
#include "util/strbuf.h"

/* [+-]digits, and nothing else. */
static int is_integer_text(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * A decimal float: digits with a '.' or an exponent, as strtod reads it,
 * but without the forms strtod also takes and no config means as a number
 * (inf, nan, hex, blanks).
 */
static int is_float_text(const char *s)
{
	int digits = 0, point = 0, exp = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			digits = 1;
		} else if (*s == '.' && !point && !exp) {
			point = 1;
		} else if ((*s == 'e' || *s == 'E') && digits && !exp) {
			exp = 1;
			if (s[1] == '+' || s[1] == '-')
				s++;
			if (s[1] < '0' || s[1] > '9')
				return 0;
		} else {
			return 0;
		}
	}
	return digits && (point || exp);
}

char *value_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xstrfmt("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_real(v)) {
		double d = json_real_value(v);
		char buf[40];
		int prec;

		/* The shortest of %.15g..%.17g that reads back as the same double. */
		for (prec = 15; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		/* A float prints as one: 2.0 stays "2.0", not "2". */
		if (!strpbrk(buf, ".eEn"))
			strcat(buf, ".0");
		return xstrdup(buf);
	}
	return NULL;
}

json_t *value_typed(const char *raw, int *exact)
{
	json_t *v = NULL;
	char *text;

	if (!strcasecmp(raw, "true") || !strcasecmp(raw, "false")) {
		v = json_boolean(!strcasecmp(raw, "true"));
	} else if (is_integer_text(raw)) {
		long long n;

		errno = 0;
		n = strtoll(raw, NULL, 10);
		if (!errno)
			v = json_integer((json_int_t)n);
	} else if (is_float_text(raw)) {
		double d;

		errno = 0;
		d = strtod(raw, NULL);
		if (!errno && isfinite(d))
			v = json_real(d);
	}
	if (!v) {
		*exact = 1;
		return json_string(raw);
	}
	text = value_text(v);
	*exact = !strcmp(text, raw);
	free(text);
	return v;
}

int value_bool(const char *text, int *on)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(text, yes[i])) {
			*on = 1;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*on = 0;
			return 0;
		}
	}
	return -1;
}
