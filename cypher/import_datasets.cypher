// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import: the datasets the config's steps read, write or delete that
// the graph does not have yet, one transaction per batch (every lookup
// before any write, as in import_procedures.cypher). A dataset belongs to
// the schedule; one no step uses any more goes in import_orphan_datasets.
// $datasets: [[name, caption], ...], distinct by name (caption: its
// Browser caption, graph/caption.h; written when the dataset is created).
// The examples write nothing:
// :param datasets => []
// :param dataset_prefix => 'ws/sche_001/'
// :param schedule => 'sche_001'
// :param workspace => 'ws'
UNWIND $datasets AS x
OPTIONAL MATCH (d:Dataset {key: $dataset_prefix + x[0]})
WITH collect(CASE WHEN d IS NULL THEN x END) AS missing
UNWIND missing AS x
CREATE (:Dataset {key: $dataset_prefix + x[0], name: x[0], schedule: $schedule, workspace: $workspace,
                  caption: x[1]})
