// pmeta import, 4/9: dataset edges a step no longer has.
// $steps: [{props: {key}, io: ["READS|name", "WRITES|name", ...]}]
UNWIND $steps AS st
MATCH (s:Step {key: st.props.key})-[r:READS|WRITES|DELETES]->(d:Dataset)
WHERE NOT (type(r) + '|' + d.name) IN st.io
DELETE r
