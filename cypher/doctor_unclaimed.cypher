// Nodes an earlier pmeta wrote that no workspace has claimed yet (migration
// V0002 labels them; `pmeta sync` in their workspace claims them).
MATCH (n:Unclaimed)
RETURN count(n) AS n
