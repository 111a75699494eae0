// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, last of the final transaction: the digest of what this import wrote, for the next one
// to find the graph unchanged (import_unchanged.cypher). Written only when
// it differs, like every property of the import.
// The examples write nothing:
// :param process => null
// :param digest => '0123456789abcdef0123456789abcdef01234567'
MATCH (p:Process {key: $process})
WITH p WHERE p.import_digest IS NULL OR p.import_digest <> $digest
SET p.import_digest = $digest
