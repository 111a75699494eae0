// What a step processed (`pmeta items STEP`): every item its jobs processed,
// with the content hash each job saw, the run, shard, procedure version and
// script blob, oldest first per item. $item (or null) keeps one item name.
//   :param step => "lab-ana/sche_001/p_002_v_000/proc_004_v_000"
//   :param item => null
MATCH (s:Step {key: $step})<-[:OF]-(j:JobRun)-[p:PROCESSED]->(i:Item)
WHERE $item IS NULL OR i.name = $item
RETURN i.dataset AS dataset, i.name AS name, p.hash AS hash, j.run AS run, j.shard AS shard,
       j.step AS step, j.procedure AS procedure, j.blob AS blob, toString(p.at) AS at
ORDER BY dataset, name, at
