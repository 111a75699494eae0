// pmeta import, 3/9: upsert the steps (all properties replaced: a key removed
// from the config disappears) and the procedures they run. A procedure's
// blob is the git blob id of its script when the file exists; its commit
// belongs to `pmeta fork` and is left alone.
MATCH (p:Process {key: $process})
UNWIND $steps AS st
MERGE (s:Step {key: st.props.key})
SET s = st.props
MERGE (p)-[:HAS_STEP]->(s)
MERGE (pr:Procedure {key: st.procedure.key})
SET pr.name = st.procedure.name, pr.schedule = st.procedure.schedule,
    pr.family = st.procedure.family, pr.version = st.procedure.version,
    pr.path = st.procedure.path,
    pr.blob = coalesce(st.procedure.blob, pr.blob)
MERGE (s)-[:RUNS]->(pr)
