#ifndef PMETA_ISOTIME_H
#define PMETA_ISOTIME_H

/*
 * ISO 8601 times as pmeta writes them ("2026-11-21T10:15:00.123Z") and as
 * Neo4j's HTTP API prints datetime values back: that drops zero seconds and
 * trailing zeros ("2026-11-21T10:15Z", "2026-11-21T10:15:00.12Z") and may
 * carry an offset ("+01:00") or a zone id ("[Europe/Paris]").
 */

/* Milliseconds since the epoch; 0, or -1 when s is not such a time. */
int iso_time_parse(const char *s, long long *ms);
/* "2026-11-21T10:15:00.123Z" (caller frees). */
char *iso_time_ms(long long ms);
/* "2026-11-21T10:15:00Z" (caller frees). */
char *iso_time_s(long long ms);

#endif
