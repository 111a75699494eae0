// The items of a dataset that steps processed (`pmeta items --dataset D`):
// per item, every processing, with its step, run and procedure version.
// Item keys are <dataset key>/<name>: $prefix is the dataset's key and '/'.
//   :param prefix => "lab-ana/sche_001/proc_001_v_000/"
//   :param dataset => "proc_001_v_000"
//   :param item => null
MATCH (i:Item)
WHERE i.key STARTS WITH $prefix AND i.dataset = $dataset AND ($item IS NULL OR i.name = $item)
MATCH (j:JobRun)-[p:PROCESSED]->(i)
RETURN i.dataset AS dataset, i.name AS name, p.hash AS hash, j.run AS run, j.shard AS shard,
       j.step AS step, j.procedure AS procedure, j.blob AS blob, toString(p.at) AS at
ORDER BY name, at
