// Items of incremental steps (docs/run.md, "Only what is new"; docs/graph.md):
// (:JobRun)-[:PROCESSED {hash, at}]->(:Item {key, workspace, schedule,
// dataset, name})-[:IN]->(:Dataset). An Item is keyed like every node a
// workspace owns; its name is indexed for "which versions touched this
// task" (cypher/items_touched.cypher). Every statement is safe to run again.
CREATE CONSTRAINT item_key IF NOT EXISTS FOR (n:Item) REQUIRE n.key IS UNIQUE;
CREATE INDEX item_workspace IF NOT EXISTS FOR (n:Item) ON (n.workspace);
CREATE INDEX item_name IF NOT EXISTS FOR (n:Item) ON (n.name);
