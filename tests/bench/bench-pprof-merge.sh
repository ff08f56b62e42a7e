#!/bin/bash
# pprof-merge against its anchor, `go tool pprof -proto`, on one synthetic
# fleet (tests/helpers/genfleet: 50 profiles of ~20k stacks of depth ~40 from
# a shared pool, two binary versions, labels), in the same run; and against
# the floor: inflating the inputs and deflating the output with the same
# library and level, nothing else (tests/helpers/pgo-floor.c).
# Targets (issue 2): CPU >= 10x less and peak RSS >= 10x less than pprof;
# within 2x of the floor; RSS for 200 inputs within 1.2x of 50 inputs' when
# the merged result is the same size.
. "$(dirname "$0")/lib.sh"

have_go || { echo "  skipped: Go 1.21+ not found"; exit 0; }
fleet=$PGOKIT_CACHE/fleet-50
if [ ! -f "$fleet/fleet-049.pprof" ]; then
	mkdir -p "$fleet" && genfleet -n 50 "$fleet" || exit 1
fi
in=$(du -cb "$fleet"/*.pprof | tail -1 | cut -f1)
echo "  fleet: 50 profiles, $((in / 1024 / 1024)) MiB gzip"

pprof-merge -z 0 -o merged.raw "$fleet"/*.pprof || exit 1
echo "  merged: $(( $(wc -c <merged.raw) / 1024 / 1024 )) MiB raw"

bench_best "go tool pprof -proto" 2 sh -c "go tool pprof -proto -symbolize=none $fleet/*.pprof >pprof.out 2>/dev/null"
bench_best "pprof-merge (-z 1, default)" 3 pprof-merge -o m1.pprof "$fleet"/*.pprof
bench_best "pprof-merge -z 6" 3 pprof-merge -z 6 -o m6.pprof "$fleet"/*.pprof
bench_best "floor -z 1" 3 pgo-floor -z 1 -r merged.raw "$fleet"/*.pprof
bench_best "floor -z 6" 3 pgo-floor -z 6 -r merged.raw "$fleet"/*.pprof
echo "  sizes: pprof $(( $(wc -c <pprof.out) / 1024 )) KiB, -z 1 $(( $(wc -c <m1.pprof) / 1024 )) KiB, -z 6 $(( $(wc -c <m6.pprof) / 1024 )) KiB"
bench_compare "pprof-merge (-z 1, default)" "go tool pprof -proto" 10 10
bench_compare "pprof-merge -z 6" "go tool pprof -proto" 10 10
for z in 1 6; do
	o="pprof-merge (-z 1, default)"
	[ $z = 6 ] && o="pprof-merge -z 6"
	r=$(ratio "${BENCH_CPU[$o]}" "${BENCH_CPU[floor -z $z]}")
	v=met
	[ "$(echo "$r <= 2" | bc -l)" = 1 ] || v=MISSED
	echo "  => $o: ${r}x the floor's CPU time [target <= 2x: $v]"
done

# 200 inputs whose merge is the same size as the 50's (the fleet four
# times over): memory must not grow with the number of inputs.
bench_best "pprof-merge, 200 inputs" 2 pprof-merge -o m200.pprof "$fleet"/*.pprof "$fleet"/*.pprof "$fleet"/*.pprof "$fleet"/*.pprof
r=$(ratio "${BENCH_RSS[pprof-merge, 200 inputs]}" "${BENCH_RSS[pprof-merge (-z 1, default)]}")
v=met
[ "$(echo "$r <= 1.2" | bc -l)" = 1 ] || v=MISSED
echo "  => peak RSS, 200 inputs / 50 inputs: ${r}x [target <= 1.2x: $v]"
cd / && rm -rf "$TEST_DIR"
