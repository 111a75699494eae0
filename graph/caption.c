#include <stdlib.h>
#include <string.h>

#include "cypher.h"
#include "graph/caption.h"
#include "graph/neo4j.h"
#include "util/strbuf.h"
#include "vcs/version.h"

/* One word of at most CAPTION_WORD_MAX characters (see caption.h). */
static void add_word(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s);
	const char *last = strrchr(s, '_'), *from;

	if (len <= CAPTION_WORD_MAX) {
		strbuf_addstr(sb, s);
		return;
	}
	from = last && last[1] ? last + 1 : s;
	if (strlen(from) > CAPTION_WORD_MAX) {
		strbuf_add(sb, from, CAPTION_WORD_MAX);
		return;
	}
	/* Earlier parts join while the word still fits. */
	while (from > s) {
		const char *prev = from - 1;   /* the '_' before the part */

		while (prev > s && prev[-1] != '_')
			prev--;
		if ((size_t)(s + len - prev) > CAPTION_WORD_MAX)
			break;
		from = prev;
	}
	strbuf_addstr(sb, from);
}

char *caption_of(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const char *base = strrchr(name, '/');
	char *family = NULL, *version = NULL;

	base = base && base[1] ? base + 1 : name;
	if (version_split(base, &family, &version) == 0) {
		add_word(&sb, family);
		strbuf_addf(&sb, " v_%s", version);
	} else {
		add_word(&sb, base);
	}
	free(family);
	free(version);
	return strbuf_detach(&sb, NULL);
}

int caption_fill(struct neo4j *db, const char *ws, long *filled)
{
	json_t *res = NULL, *rows = json_array();
	size_t i, n;
	int ret = -1;

	if (filled)
		*filled = 0;
	if (neo4j_query(db, &res, cypher_sync_captions_missing, json_pack("{s:s}", "workspace", ws)) < 0)
		goto out;
	n = neo4j_nrows(res);
	for (i = 0; i < n; i++) {
		const char *name = json_string_value(neo4j_cell(res, i, "name"));
		char *caption = caption_of(name ? name : "");

		json_array_append_new(rows, json_pack("[O, s]", neo4j_cell(res, i, "id"), caption));
		free(caption);
	}
	json_decref(res);
	res = NULL;
	if (n && neo4j_query(db, &res, cypher_sync_captions_set, json_pack("{s:O}", "captions", rows)) < 0)
		goto out;
	if (filled && res)
		*filled = (long)json_integer_value(neo4j_cell(res, 0, "captions"));
	ret = 0;
out:
	json_decref(res);
	json_decref(rows);
	return ret;
}
