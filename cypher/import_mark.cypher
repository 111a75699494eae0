// pmeta import, 7/7: what this import wrote, for the next one to find the
// graph unchanged (import_unchanged.cypher): the digest of its inputs and
// how many relationships the process's steps have now. Written only when
// they differ, like every property of the import.
MATCH (p:Process {key: $process})
WITH p, COUNT { (p)-[:HAS_STEP]->()-[:RUNS|READS|WRITES|DELETES|AFTER]->() } AS rels
FOREACH (_ IN CASE WHEN p.import_digest IS NULL OR p.import_digest <> $digest
                     OR p.import_rels IS NULL OR p.import_rels <> rels THEN [1] ELSE [] END |
  SET p.import_digest = $digest, p.import_rels = rels)
