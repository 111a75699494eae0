#ifndef PMETA_CAPTION_H
#define PMETA_CAPTION_H

/*
 * The short text Neo4j Browser draws inside a node (its `caption`
 * property, cypher/pmeta.grass). Browser fits a caption into the node's
 * circle word by word (words split at spaces) and cuts a word that does
 * not fit with an ellipsis: `proc_004_v_001` in a 55 px circle shows as
 * `proc_0…`, so versions could not be told apart. A caption is at most two
 * short words:
 *
 *   proc_004_v_001                  -> "proc_004 v_001"   the family, then the version
 *   algo_local_model_gbdt_v_000     -> "model_gbdt v_000" a long family keeps its last parts
 *   proc_001_v_000/predict          -> "predict"          a dataset: its last path part
 *   sche_001, model_gbdt            -> themselves         any other name
 *
 * A word is at most CAPTION_WORD_MAX characters: a longer name (or family)
 * keeps the trailing '_' parts that fit, or, when its last part alone is
 * longer, that part's first CAPTION_WORD_MAX characters.
 */

#define CAPTION_WORD_MAX 12

struct neo4j;

/* The caption of a node named name (a version, step, dataset or schedule name); caller frees. */
char *caption_of(const char *name);

/*
 * Gives every Process, Step, Procedure and Dataset of workspace ws that has
 * no caption yet (written before captions, or claimed from an earlier pmeta)
 * its caption; *filled counts them (may be NULL). `pmeta import`, `fork`
 * and `sync` write the caption of what they create. 0, or -1 with a
 * PM_ENEO4J error.
 */
int caption_fill(struct neo4j *db, const char *ws, long *filled);

#endif
