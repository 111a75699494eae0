// pmeta import, 5/9: order edges a step no longer has.
// $steps: [{props: {key}, after: [step keys it runs after]}]
UNWIND $steps AS st
MATCH (s:Step {key: st.props.key})-[r:AFTER]->(t:Step)
WHERE NOT t.key IN st.after
DELETE r
