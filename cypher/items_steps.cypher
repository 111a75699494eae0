// The incremental steps of a process (run/items.h): the current steps with
// an `items` key, their cap and run mode, the datasets they read, and the
// amend subfolders of those datasets that the schedule knows (datasets
// named <dataset>/<sub>), which are never items.
//   :param process => "ws/sche_001/p_002_v_000"
MATCH (p:Process {key: $process})-[:HAS_STEP]->(s:Step)
WHERE s.items IS NOT NULL
// (A pattern that reads as a number, items = 7, is stored typed: as text again.)
RETURN s.name AS step, toString(s.items) AS items, s.batch AS batch,
       s.per_handle_task_num AS per_handle_task_num, toString(s.run_mode) AS run_mode,
       [(s)-[:READS]->(d:Dataset) | d.name] AS reads,
       COLLECT {
         MATCH (s)-[:READS]->(d:Dataset)
         MATCH (a:Dataset {workspace: d.workspace})
         WHERE a.schedule = d.schedule AND a.name STARTS WITH d.name + '/'
           AND NOT substring(a.name, size(d.name) + 1) CONTAINS '/'
         RETURN DISTINCT a.name
       } AS amends
ORDER BY s.order
