// pmeta import, before writing: which of the config's steps the graph has
// already (current, retired, or left without a process by hand) and which
// current steps the config no longer has. Reads only; the config's steps
// come as $index, {step name: its index in the config}.
// Rows: [index, null] for a step the graph has, [-1, name] for a current
// step to retire, [-2, null] when the graph has the process.
//   :param process => "ws/sche_001/p_002_v_000"
//   :param step_prefix => "ws/sche_001/p_002_v_000/"
//   :param index => {proc_001_v_000: 0}
CALL () {
  UNWIND keys($index) AS n
  MATCH (:Step {key: $step_prefix + n})
  RETURN $index[n] AS i, null AS name
  UNION ALL
  MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)
  WHERE $index[s.name] IS NULL
  RETURN -1 AS i, s.name AS name
  UNION ALL
  MATCH (:Process {key: $process})
  RETURN -2 AS i, null AS name
}
RETURN i, name
