# Part 1: a git workspace named "demo" in the graph, the schema migrations,
# and a health check.
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-pmeta demo} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-demo@pmeta.invalid}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-pmeta demo} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-demo@pmeta.invalid}
pmeta init --workspace demo
test -d .git || { echo "error: the demo workspace is not its own git repository" >&2; exit 1; }
pmeta migrate
pmeta migrate info
git commit -q --allow-empty -m 'demo workspace'
pmeta doctor
