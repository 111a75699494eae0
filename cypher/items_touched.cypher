// Neo4j Browser: which procedure versions touched a task. Every job that
// processed an item of this name, in any dataset of the workspace, oldest
// first: the run, step, procedure version and script blob, and the content
// it saw. `pmeta items --item NAME` prints the same.
//   :param workspace => "lab-ana"
//   :param name => "task_0001.json"
MATCH (i:Item {name: $name})<-[p:PROCESSED]-(j:JobRun)
WHERE i.workspace = $workspace
RETURN i.dataset AS dataset, i.name AS name, p.hash AS hash, j.run AS run, j.shard AS shard,
       j.step AS step, j.procedure AS procedure, j.blob AS blob, toString(p.at) AS at
ORDER BY at
