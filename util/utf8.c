/*
 * UTF-8 validation (util/utf8.h). Hand-written rather than a dependency:
 * the table of RFC 3629 section 4 is twenty lines, and no library pmeta
 * links (jansson validates internally but does not export it) offers it.
 */
#include "util/utf8.h"

size_t utf8_valid_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;  /* range of the second byte */
		size_t len, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			if (c == 0xE0)
				lo = 0xA0;      /* no overlong forms */
			else if (c == 0xED)
				hi = 0x9F;      /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			if (c == 0xF0)
				lo = 0x90;      /* no overlong forms */
			else if (c == 0xF4)
				hi = 0x8F;      /* nothing above U+10FFFF */
		} else {
			return i;               /* 0x80-0xC1, 0xF5-0xFF never start a character */
		}
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return i;
		i += len;
	}
	return n;
}
