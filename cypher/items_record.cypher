// pmeta's own write query, not to be pasted: pmeta run and sync run it.
// Item lineage from a step's ledger (run/ledger.h): the items each job
// processed. $jobs: [[jobrun key, processed at (ISO 8601), dataset,
// [[item key, name, content hash], ...]], ...], all of step $step (its
// key); $workspace and $schedule go on new Item nodes, which point at
// their Dataset when the graph has it ($dataset_prefix + dataset is its
// key). Everything is MERGEd: a replay changes nothing. A JobRun not
// written yet (its run's records come later) is created by its key and
// filled in by them.
// The examples write nothing:
// :param jobs => []
// :param step => null
// :param workspace => null
// :param schedule => null
// :param dataset_prefix => ''
UNWIND $jobs AS b
MERGE (j:JobRun {key: b[0]})
  ON CREATE SET j.workspace = $workspace
WITH j, b, datetime(b[1]) AS at
OPTIONAL MATCH (s:Step {key: $step})
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | MERGE (j)-[:OF]->(s))
WITH j, b, at
OPTIONAL MATCH (d:Dataset {key: $dataset_prefix + b[2]})
UNWIND b[3] AS it
MERGE (i:Item {key: it[0]})
  ON CREATE SET i.workspace = $workspace, i.schedule = $schedule, i.dataset = b[2], i.name = it[1]
MERGE (j)-[p:PROCESSED]->(i)
SET p.hash = it[2], p.at = at
FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END | MERGE (i)-[:IN]->(d))
RETURN count(p) AS items
