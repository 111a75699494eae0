// pmeta's own write query, not to be pasted: pmeta sync runs it.
// pmeta sync, first step: the workspace claims the nodes an earlier pmeta
// wrote, which migration V0002 labelled :Unclaimed (docs/graph.md): those
// of the schedules it holds ($schedules: folders on disk and schedules of
// its fork history) and the runs it recorded ($runs: the run ids under its
// .pmeta/runs; or Run.root = $root, the path an earlier pmeta recorded).
// A claimed node gets the workspace's key, $prefix (graph/keys.c) + its old
// key, and the workspace property. When the workspace has a node of that
// key already (written before this sync), the history edges move to it
// (Run-OF, JobRun-OF, Step-RUNS, dataset edges) and the old node goes: fork
// edges come back from git in the next step of sync. Nodes of schedules and
// runs this workspace does not hold stay unclaimed for their own workspace.
// The examples claim nothing (no schedule, no run, no root):
// :param workspace => 'ws'
// :param prefix => 'ws/'
// :param schedules => []
// :param runs => []
// :param root => null
CALL () {
  MATCH (old:Unclaimed:Schedule) WHERE old.name IN $schedules
  OPTIONAL MATCH (twin:Schedule {key: $prefix + old.name})
  FOREACH (_ IN CASE WHEN twin IS NULL THEN [1] ELSE [] END |
    SET old.key = $prefix + old.name, old.workspace = $workspace
    REMOVE old:Unclaimed)
  FOREACH (_ IN CASE WHEN twin IS NULL THEN [] ELSE [1] END | DETACH DELETE old)
  RETURN count(old) AS schedules
}
CALL () {
  MATCH (old:Unclaimed:Dataset) WHERE old.schedule IN $schedules
  MATCH (twin:Dataset {key: $prefix + old.key})
  CALL (old, twin) { MATCH (s)-[o:READS]->(old) MERGE (s)-[:READS]->(twin) DELETE o }
  CALL (old, twin) { MATCH (s)-[o:WRITES]->(old) MERGE (s)-[:WRITES]->(twin) DELETE o }
  CALL (old, twin) { MATCH (s)-[o:DELETES]->(old) MERGE (s)-[:DELETES]->(twin) DELETE o }
  DETACH DELETE old
  RETURN count(*) AS datasets_merged
}
CALL () {
  MATCH (old:Unclaimed:Dataset) WHERE old.schedule IN $schedules
  SET old.key = $prefix + old.key, old.workspace = $workspace
  REMOVE old:Unclaimed
  RETURN count(old) AS datasets
}
CALL () {
  MATCH (old:Unclaimed:Procedure) WHERE old.schedule IN $schedules
  MATCH (twin:Procedure {key: $prefix + old.key})
  CALL (old, twin) { MATCH (s)-[o:RUNS]->(old) MERGE (s)-[:RUNS]->(twin) DELETE o }
  DETACH DELETE old
  RETURN count(*) AS procedures_merged
}
CALL () {
  MATCH (old:Unclaimed:Procedure) WHERE old.schedule IN $schedules
  SET old.key = $prefix + old.key, old.workspace = $workspace
  REMOVE old:Unclaimed
  RETURN count(old) AS procedures
}
CALL () {
  MATCH (old:Unclaimed:Step) WHERE split(old.process, '/')[0] IN $schedules
  MATCH (twin:Step {key: $prefix + old.key})
  CALL (old, twin) { MATCH (j)-[o:OF]->(old) MERGE (j)-[:OF]->(twin) DELETE o }
  DETACH DELETE old
  RETURN count(*) AS steps_merged
}
CALL () {
  MATCH (old:Unclaimed:Step) WHERE split(old.process, '/')[0] IN $schedules
  SET old.key = $prefix + old.key, old.process = $prefix + old.process, old.workspace = $workspace
  REMOVE old:Unclaimed
  RETURN count(old) AS steps, collect(old) AS claimed_steps
}
CALL () {
  MATCH (old:Unclaimed:Process) WHERE old.schedule IN $schedules
  MATCH (twin:Process {key: $prefix + old.key})
  CALL (old, twin) { MATCH (r)-[o:OF]->(old) MERGE (r)-[:OF]->(twin) DELETE o }
  DETACH DELETE old
  RETURN count(*) AS processes_merged
}
CALL () {
  MATCH (old:Unclaimed:Process) WHERE old.schedule IN $schedules
  SET old.key = $prefix + old.key, old.workspace = $workspace
  REMOVE old:Unclaimed
  WITH old
  MERGE (sc:Schedule {key: $prefix + old.schedule})
    ON CREATE SET sc.name = old.schedule, sc.workspace = $workspace
  MERGE (sc)-[:HAS_PROCESS]->(old)
  RETURN count(old) AS processes
}
// A claimed step that lost its process to a twin is retired from the twin.
CALL (claimed_steps) {
  UNWIND claimed_steps AS s
  WITH s WHERE NOT EXISTS { MATCH (:Process)-[:HAS_STEP|HAD_STEP]->(s) }
  MATCH (p:Process {key: s.process})
  MERGE (p)-[r:HAD_STEP]->(s)
    ON CREATE SET r.retired_at = datetime()
}
CALL () {
  MATCH (old:Unclaimed:Run) WHERE old.id IN $runs OR old.root = $root
  MATCH (:Run {key: $prefix + old.id})
  CALL (old) { MATCH (old)-[:HAS_JOB]->(j:JobRun) DETACH DELETE j }
  DETACH DELETE old
  RETURN count(*) AS runs_merged
}
CALL () {
  MATCH (old:Unclaimed:Run) WHERE old.id IN $runs OR old.root = $root
  SET old.key = $prefix + old.id, old.workspace = $workspace, old.process = $prefix + old.process
  REMOVE old:Unclaimed
  WITH old
  CALL (old) {
    MATCH (old)-[o:OF]->(p:Process) WHERE p.workspace <> $workspace
    DELETE o
  }
  CALL (old) {
    MATCH (p:Process {key: old.process})
    MERGE (old)-[:OF]->(p)
  }
  CALL (old) {
    MATCH (old)-[:HAS_JOB]->(j:JobRun)
    SET j.key = $prefix + j.key, j.workspace = $workspace, j.step_key = $prefix + j.step_key,
        j.procedure_key = $prefix + j.procedure_key, j.skipped_after = $prefix + j.skipped_after
    REMOVE j:Unclaimed
    WITH j
    CALL (j) {
      MATCH (j)-[o:OF]->(s:Step) WHERE s.workspace <> $workspace
      DELETE o
    }
    CALL (j) {
      MATCH (s:Step {key: j.step_key})
      MERGE (j)-[:OF]->(s)
    }
  }
  RETURN count(old) AS runs
}
RETURN schedules, datasets, procedures, steps, processes, runs,
  datasets_merged + procedures_merged + steps_merged + processes_merged + runs_merged AS merged
