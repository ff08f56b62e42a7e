#!/bin/bash
# bench-hostile: peak RSS and wall of each tool on hostile input, against
# the bound it must keep (issue 15): profiles of 10^7 and 5x10^7 distinct
# stacks (peak RSS <= D + the loader's decode budget, 6 x D + 64 MB, with D
# the decompressed profile: the bound pprof/load.h states), /dev/zero
# (refused at once: 64 MiB), a registry blob that never ends (img-push:
# the size its descriptor states + 64 MiB) and a target whose answer never
# ends (pprof-fetch: --max-size, default 256 MiB, + 64 MiB). Each run is
# capped (address space, HOSTILE_SECS of wall) so that a tool over its bound cannot take
# the machine down; one out of memory at the cap is OVER. The verdict is printed,
# never hidden: OVER is a result.
. "$(dirname "$0")/lib.sh"

MiB=1048576
CAP_KB=$((3 * 1024 * 1024))	# address space per run, KiB (more for larger bounds)
SECS=${HOSTILE_SECS:-180}	# per run on a profile; 5 s for input refused at once
over=0

# The hostile profiles: tests/helpers/genhostile when built, else the
# same bytes from genhostile.py. Kept in the cache: 5x10^7 stacks take a
# while to write.
gen() {
	n=$1 f=$PGOKIT_CACHE/hostile-stacks-$1.pb.gz
	if [ ! -s "$f" ] || [ ! -s "$f.rawsize" ]; then
		if [ -x "$PGOKIT_BUILD/tests/helpers/genhostile" ]; then
			"$PGOKIT_BUILD/tests/helpers/genhostile" -k stacks -n "$n"
		else
			python3 "$PGOKIT_SRC/tests/bench/genhostile.py" "$n"
		fi | gzip -1 >"$f.tmp" && gzip -dc "$f.tmp" | wc -c >"$f.rawsize" &&
			mv -f "$f.tmp" "$f" || return 1
	fi
	ln -sf "$f" "stacks-$n.pb.gz"
}

# measure NAME BOUND_BYTES SECS CMD...: run CMD capped (address space and
# SECS of wall); print bound, peak RSS, wall, exit status and the verdict:
# OVER past the bound or out of memory at the cap; a profile still being
# read at SECS is TIMEOUT (its bound unproven); endless input still being
# read (ENDLESS=1) is OVER, as it would grow for ever.
measure() {
	local name=$1 bound=$2 secs=$3 tf st wall rss verdict note=; shift 3
	tf=$(mktemp)
	local cap=$CAP_KB
	[ $((bound / 1024 + 1048576)) -gt $cap ] && cap=$((bound / 1024 + 1048576))
	( ulimit -v $cap; exec /usr/bin/time -f '%e %M' -o "$tf" timeout -k 2 "$secs" "$@" ) \
		>/dev/null 2>"hostile.err"
	st=$?
	read -r wall rss < <(tail -n 1 "$tf")
	rm -f "$tf"
	case $wall in [0-9]*) ;; *) wall=$secs rss=0;; esac
	verdict=within
	if [ "$st" = 124 ] || [ "$st" = 137 ]; then
		note="still running at ${secs}s"
		if [ "${ENDLESS:-0}" = 1 ]; then verdict=OVER; else verdict=TIMEOUT; fi
	fi
	if grep -q "needs more than .* of memory to decode\|past the .* MB of memory a decode may take" hostile.err; then
		note="refused: over its decode budget"
	fi
	if grep -qi "out of memory\|cannot allocate" hostile.err; then
		note="out of memory at the $((cap / 1024)) MiB cap" verdict=OVER
	fi
	[ "$rss" -gt $((bound / 1024)) ] && verdict=OVER
	[ "$verdict" = OVER ] && over=$((over + 1))
	printf '  %-38s bound %7.1f MiB  rss %7.1f MiB  wall %6.2fs  exit %3s  %s%s\n' "$name" \
		"$(echo "$bound / $MiB" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$wall" "$st" \
		"$verdict" "${note:+ ($note)}"
}

# A go that answers "version" and writes a placeholder for -o instead of
# building: pgo-build's own memory, not the compiler's, and no standard
# library rebuilt per profile (pgo-build warns that it is no Go binary).
mkdir stubgo
cat >stubgo/go <<'EOS'
#!/bin/sh
case $1 in
version) echo "go version go1.23.4 linux/amd64"; exit 0;;
esac
while [ $# -gt 0 ]; do case $1 in -o) echo stub >"$2"; shift;; esac; shift; done
exit 0
EOS
chmod +x stubgo/go
mkdir svc && printf 'module svc\n\ngo 1.23\n' >svc/go.mod && printf 'package main\n\nfunc main() {}\n' >svc/main.go

mkdir -p files
python3 "$PGOKIT_SRC/tests/bench/hostile-server.py" "$PWD/files" >port &
srv=$!
test_atexit "kill $srv"
for i in $(seq 50); do [ -s port ] && break; sleep 0.1; done
PORT=$(cat port)
[ -n "$PORT" ] || { echo "  the hostile server did not start"; exit 1; }

echo "  peak RSS against the stated bound; each run capped at $((CAP_KB / 1024)) MiB of address space ($(nproc) cores, load $(cut -d" " -f1 /proc/loadavg))"
for n in 10000000 50000000; do
	gen $n || { echo "  cannot generate the $n-stack profile"; exit 1; }
	p=stacks-$n.pb.gz raw=$(cat "$PGOKIT_CACHE/hostile-stacks-$n.pb.gz.rawsize")
	cp "$p" files/
	bound=$((7 * raw + 64 * MiB))	# D + profile_decode_budget(D)
	echo "  $n stacks: $(($(stat -L -c %s "$p") / 1024)) KiB gzip, $((raw / MiB)) MiB decompressed"
	measure "pprof-merge ($n)" $bound $SECS pprof-merge -o merged.pb.gz "$p"
	measure "pprof-stat top ($n)" $bound $SECS pprof-stat "$p"
	for m in --check --pgo --json --svg --folded; do
		measure "pprof-stat $m ($n)" $bound $SECS pprof-stat $m "$p"
	done
	measure "pprof-fetch ($n)" $bound $SECS pprof-fetch -q -o fetched.pb.gz \
		"http://127.0.0.1:$PORT/files/$p"
	measure "pgo-build -p ($n)" $bound $SECS env GO="$PWD/stubgo/go" \
		pgo-build -q -p "$p" -o "$PWD/svc.bin" -- -C svc .
	rm -f files/"$p" merged.pb.gz fetched.pb.gz
done

# What PGO reads at its worst: every sample its own call edge (10^6 of
# them, D = 10 MB). The readers of edges refuse it past the decode budget;
# the others serve it.
"$PGOKIT_BUILD/tests/helpers/genhostile" -k pairs -n 1000000 | gzip -1 >pairs.pb.gz
raw=$(gzip -dc pairs.pb.gz | wc -c)
bound=$((7 * raw + 64 * MiB))
echo "  10^6 distinct call edges: $(($(stat -c %s pairs.pb.gz) / 1024)) KiB gzip, $((raw / MiB)) MiB decompressed"
for m in "" --check --pgo --svg; do
	measure "pprof-stat $m (pairs)" $bound $SECS pprof-stat $m pairs.pb.gz
done
measure "pgo-build -p (pairs)" $bound $SECS env GO="$PWD/stubgo/go" \
	pgo-build -q -p pairs.pb.gz -o "$PWD/svc.bin" -- -C svc .

echo "  /dev/zero as input"
bound=$((64 * MiB))
export ENDLESS=1
measure "pprof-merge /dev/zero" $bound 5 pprof-merge -o merged.pb.gz /dev/zero
measure "pprof-stat /dev/zero" $bound 5 pprof-stat /dev/zero
measure "pprof-stat --check /dev/zero" $bound 5 pprof-stat --check /dev/zero
measure "pgo-build -p /dev/zero" $bound 5 env GO="$PWD/stubgo/go" \
	pgo-build -q -p /dev/zero -o "$PWD/svc.bin" -- -C svc .
measure "pprof-fetch -f /dev/zero" $bound 5 pprof-fetch -q -o fetched.pb.gz -f /dev/zero

echo "  endless input from the network"
measure "img-push: endless base layer (1 MiB)" $((MiB + 64 * MiB)) 5 \
	img-push -q --insecure -b "127.0.0.1:$PORT/base:v1" -f svc/main.go:/main.go "oci:lay:v1"
measure "pprof-fetch: endless target" $((256 * MiB + 64 * MiB)) 10 \
	pprof-fetch -q -r 0 -o fetched.pb.gz "http://127.0.0.1:$PORT/endless"

echo "  => hostile: $over run(s) OVER their bound"
