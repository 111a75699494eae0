// `pmeta plan --latest-patch`, the graph's part: the procedure versions of
// the families a plan runs, in the workspace's schedule, with a patch digit
// (the planner picks, per step, the newest one of the same major and minor
// version, and adds the scripts on disk).
//   :param workspace => "ws"
//   :param schedule => "sche_001"
//   :param families => ["proc_004"]
MATCH (x:Procedure)
WHERE x.family IN $families AND x.workspace = $workspace AND x.schedule = $schedule
  AND size(x.version) = 3
RETURN x.name AS name, x.path AS path
