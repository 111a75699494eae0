// pmeta import: the datasets the config's steps read, write or delete that
// the graph does not have yet, one transaction per batch (every lookup
// before any write, as in import_procedures.cypher). A dataset belongs to
// the schedule; one no step uses any more goes in import_orphan_datasets.
// $datasets: [name, ...], distinct.
UNWIND $datasets AS name
OPTIONAL MATCH (d:Dataset {key: $dataset_prefix + name})
WITH collect(CASE WHEN d IS NULL THEN name END) AS missing
UNWIND missing AS name
CREATE (:Dataset {key: $dataset_prefix + name, name: name, schedule: $schedule, workspace: $workspace})
