# Sourced by scripts/neo4j.sh and scripts/neo4j-migrations.sh: fetches the
# runtime jars a pom lists from Maven Central into a cache folder shared by
# every clone, once. The folder is published whole with one rename, after a
# .complete marker is written, so a fetch interrupted or run twice at once
# never leaves a half-filled cache behind.

# maven_cache_fetch POM CACHE_DIR LIB_PROPERTY WHAT REQUIRED...
#   POM           pom whose maven-dependency-plugin copies into ${LIB_PROPERTY}
#   CACHE_DIR     the cache folder; done when CACHE_DIR/.complete exists
#   WHAT          names the jars in messages ("the Neo4j jars")
#   REQUIRED...   file name globs that must be among the jars fetched
# Calls die (of the sourcing script) on failure.
maven_cache_fetch() {
    local pom=$1 cache_dir=$2 lib_property=$3 what=$4
    shift 4
    [[ -f $cache_dir/.complete ]] && return 0
    # an empty folder (e.g. made by hand) is fine; anything else is not ours to delete
    if [[ -d $cache_dir ]]; then rmdir -- "$cache_dir" 2>/dev/null || true; fi
    [[ -e $cache_dir ]] &&
        die "$cache_dir exists but is incomplete (no .complete marker); remove it and retry"
    command -v mvn >/dev/null || die "mvn (Maven) not found; it is needed once to fetch $what"
    [[ -f $pom ]] || die "$pom is missing"
    mkdir -p -- "$(dirname -- "$cache_dir")"
    local tmp
    tmp=$(mktemp -d "$cache_dir.tmp.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf -- '$tmp'" EXIT
    if ! mvn -B -q -f "$pom" dependency:copy-dependencies \
            -D"$lib_property=$tmp/lib" >"$tmp/mvn.log" 2>&1; then
        tail -n 40 -- "$tmp/mvn.log" >&2
        die "maven could not fetch $what (see output above)"
    fi
    local glob
    for glob in "$@"; do
        # shellcheck disable=SC2086  # a glob, expanded on purpose
        compgen -G "$tmp/lib/$glob" >/dev/null || die "maven finished but $glob is missing"
    done
    local n
    n=$(find "$tmp/lib" -maxdepth 1 -name '*.jar' | wc -l)
    mv -- "$tmp/lib"/*.jar "$tmp/"
    rmdir -- "$tmp/lib"
    rm -f -- "$tmp/mvn.log"
    chmod 755 -- "$tmp"
    # marker last, then publish the whole folder with one rename
    printf '%s, %s jars, fetched %s\n' "$what" "$n" "$(date -u +%FT%TZ)" >"$tmp/.complete"
    if ! mv -T -- "$tmp" "$cache_dir" 2>/dev/null; then
        # someone else published it in the meantime
        [[ -f $cache_dir/.complete ]] || die "could not rename $tmp to $cache_dir"
        rm -rf -- "$tmp"
    fi
    trap - EXIT
}
