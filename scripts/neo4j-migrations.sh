#!/usr/bin/env bash
# The official neo4j-migrations CLI (Michael Simons' tool, from Maven
# Central), fetched once into a cache and run against pmeta's Neo4j over Bolt,
# to check that either tool reads, validates and continues what the other
# applied (tests/t0006-neo4j-migrations.sh; README "neo4j-migrations").
#
#   scripts/neo4j-migrations.sh fetch            fetch the jars (once) and say where
#   scripts/neo4j-migrations.sh run ARGS...      run the CLI: ARGS are its own,
#                                                e.g. --location file:///abs/dir info
#
# Environment:
#   NEO4J_BOLT_URI       bolt://host:port of the database (written to
#                        build/neo4j*/env by scripts/neo4j.sh); required by run
#   NEO4J_USERNAME       default neo4j
#   NEO4J_PASSWORD       read by the CLI from the environment (--password:env),
#                        never put in argv
#   NEO4J_DATABASE       passed as --database unless it is neo4j
#   NEO4J_MIGRATIONS_CACHE  jar cache; default
#                        $HOME/.cache/pmeta/neo4j-migrations-<version>
#   JAVA_HOME            java to use (else `java` from PATH); needs 17 or newer
#
# Exit codes: 0 ok; 1 error (run: the CLI's own exit code); 2 usage.
set -euo pipefail

readonly MIGRATIONS_VERSION=2.17.3

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
pom=$script_dir/neo4j-migrations-pom.xml
cache_dir=${NEO4J_MIGRATIONS_CACHE:-${HOME:?HOME is not set}/.cache/pmeta/neo4j-migrations-$MIGRATIONS_VERSION}

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/maven-cache.sh
. "$script_dir/maven-cache.sh"

fetch() {
	maven_cache_fetch "$pom" "$cache_dir" migrations.lib "neo4j-migrations-cli $MIGRATIONS_VERSION" \
		"neo4j-migrations-cli-$MIGRATIONS_VERSION.jar"
}

java_bin() {
	local j=java v
	[[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]] && j=$JAVA_HOME/bin/java
	command -v "$j" >/dev/null || die "java not found (neo4j-migrations $MIGRATIONS_VERSION needs Java 17 or newer)"
	v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
	[[ $v =~ ^[0-9]+$ ]] && (( v >= 17 )) ||
		die "neo4j-migrations $MIGRATIONS_VERSION needs Java 17 or newer, $j is version '${v:-unknown}'"
	printf '%s' "$j"
}

run() {
	[[ -n ${NEO4J_BOLT_URI:-} ]] || die "NEO4J_BOLT_URI is not set (bolt://127.0.0.1:PORT; see build/neo4j/env)"
	[[ -n ${NEO4J_PASSWORD:-} ]] || die "NEO4J_PASSWORD is not set"
	local java db=()
	java=$(java_bin)
	fetch
	if [[ -n ${NEO4J_DATABASE:-} && ${NEO4J_DATABASE,,} != neo4j ]]; then
		db=(--database "$NEO4J_DATABASE")
	fi
	export NEO4J_PASSWORD
	# The CLI takes NEO4J_URI as its default address: pmeta's is HTTP, so the
	# Bolt address is given instead. The password comes from the environment.
	# A short-lived JVM: the C1 compiler and the serial collector halve its CPU.
	exec env -u NEO4J_URI "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		-cp "$cache_dir/*" ac.simons.neo4j.migrations.cli.MigrationsCli \
		--address "$NEO4J_BOLT_URI" --username "${NEO4J_USERNAME:-neo4j}" \
		--password:env NEO4J_PASSWORD "${db[@]}" "$@"
}

case ${1:-} in
	fetch) fetch; printf '%s\n' "$cache_dir" ;;
	run) shift; run "$@" ;;
	*)
		echo "usage: $0 fetch | run ARGS..." >&2
		exit 2
		;;
esac
