#ifndef PMETA_VALUE_H
#define PMETA_VALUE_H

/*
 * Step keys in the graph are typed (contract, docs/graph.md): a value whose
 * whole text is an integer, a float or true/false is stored as one, so that
 * `WHERE s.max_shard > 1` works; anything else stays a string. When the
 * typed value does not print back as the same text ("0.50", "007", "True"),
 * the step also keeps the text in its raw_values list ("threshold=0.50"), so
 * commands made from a template are the same from the graph as from the file.
 */

#include <jansson.h>

/*
 * The typed JSON value of a config value (new reference). *exact says
 * whether value_text() of the result gives raw back.
 */
json_t *value_typed(const char *raw, int *exact);

/*
 * The text of a scalar as a command template shows it (caller frees):
 * strings as they are, integers in decimal, floats in the shortest form
 * that reads back the same, booleans true/false. NULL for other values.
 */
char *value_text(const json_t *v);

/*
 * A switch's text (`enabled = false`): true, yes, on, 1 and false, no, off,
 * 0, in any case. 0 with *on set, or -1 when the text is none of them.
 */
int value_bool(const char *text, int *on);

#endif
