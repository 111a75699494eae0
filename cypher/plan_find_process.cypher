// Processes of that name in any schedule: resolves `pmeta plan p_002_v_000`.
MATCH (p:Process {name: $name})
RETURN p.key AS key, p.config AS config
ORDER BY key
