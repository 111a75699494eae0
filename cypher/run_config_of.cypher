// Which config did a run use: its path, hash and text, even after the file
// changed (the text is null when the graph has none for that hash).
// :param run => 'ws/20261121T101500Z-1f4a3f9c0d18b2e4f67'
MATCH (r:Run {key: $run})
OPTIONAL MATCH (r)-[:USED_CONFIG]->(c:ConfigText)
RETURN r.config AS config, r.config_hash AS hash, c.text AS text
