// pmeta import, 5/8: the datasets the config names.
// $datasets: ["proc_001_v_000", "proc_001_v_000/predict", ...]
UNWIND $datasets AS name
MERGE (d:Dataset {key: $schedule + '/' + name})
  ON CREATE SET d.name = name, d.schedule = $schedule
