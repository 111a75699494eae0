# Part 3: fork a procedure of the demo schedule, twice, and show its lineage
# in the terminal, its history, a diff, and the Neo4j Browser link.
# Runs after 20-import-plan.sh, which made sche_001/ and imported it.
src=
for f in sche_001/pys/*.py; do
	[ -f "$f" ] && src=$f && break
done
if [ -z "$src" ]; then
	# Alone (without part 2), make the one script this part needs.
	echo "(no sche_001/pys/*.py from part 2: making sche_001/pys/proc_001_v_000.py)"
	mkdir -p sche_001/pys
	printf 'print("demo procedure")\n' >sche_001/pys/proc_001_v_000.py
	src=sche_001/pys/proc_001_v_000.py
fi
# A fork copies what is committed: commit the schedule if part 2 left it loose.
if [ -n "$(git status --porcelain -- sche_001)" ]; then
	git add sche_001
	git commit -q -m 'demo schedule'
fi
name=$(basename "$src" .py)
echo "\$ pmeta fork $name --patch -m 'try a faster loop'"
pmeta fork "$name" --patch -m 'try a faster loop'
new=$(git log -1 --format='%(trailers:key=Pmeta-Fork,valueonly)' | sed '/^$/d')
echo 'print("faster")' >>"sche_001/pys/$new.py"
git commit -q -am "$new: faster loop"
echo "\$ pmeta fork $new --minor"
pmeta fork "$new" --minor
echo
echo "\$ git log -3 --format='%h %s%n%(trailers)'"
git log -3 --format='%h %s%n%(trailers)'
# The graph may hold other schedules with the same names: use the keys.
echo "\$ pmeta lineage sche_001/$name"
pmeta lineage "sche_001/$name"
echo
echo "\$ pmeta log $new"
pmeta log "$new"
echo
echo "\$ pmeta diff $name $new"
pmeta diff "$name" "$new"
echo
echo "\$ pmeta lineage sche_001/$new --format url   (open it, log in, press run)"
pmeta lineage "sche_001/$new" --format url
