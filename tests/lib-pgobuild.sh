# tests/lib-pgobuild.sh: what the pgo-build tests (t4xxx) share; sourced
# after tests/lib.sh.

SERVICE_SRC=$PGOKIT_SRC/examples/service
REAL_GO=$(command -v go)

# service_profile FILE: a CPU profile of examples/service fetched from the
# running service (3 s). It is kept in $PGOKIT_CACHE per service source: a new
# profile makes Go rebuild the standard library (minutes on 2 cores), so the
# suite fetches, and PGO-builds the standard library, once per source change.
# PGOKIT_FRESH_PROFILE=1 fetches a new one. Call start_service first, at the
# top level of the script (not inside a test, whose subshell would lose it).
service_profile() {
	sum=$(find "$SERVICE_SRC" -name '*.go' | LC_ALL=C sort | xargs cat | cksum | cut -d' ' -f1)
	cached=$PGOKIT_CACHE/pgo-build/service-$sum${GODEBUG:+-$GODEBUG}.pprof
	if [ ! -s "$cached" ] || [ -n "${PGOKIT_FRESH_PROFILE:-}" ]; then
		mkdir -p "$PGOKIT_CACHE/pgo-build"
		[ -n "${SERVICE_ADDR:-}" ] || { echo "service_profile: no service" >&2; return 1; }
		curl -sf -o "$cached.tmp.$$" \
			"http://$SERVICE_ADDR/debug/pprof/profile?seconds=3" &&
			mv -f "$cached.tmp.$$" "$cached" || return 1
	fi
	cp "$cached" "$1"
}

# go_spy: a `go` that logs each call's arguments to go.log, then runs the
# real go, or, for `build` with FAKE_BUILD=N set, exits N without building.
# Tests point $GO at it to see whether and how go build ran.
go_spy() {
	cat >go-spy <<SPY
#!/bin/sh
echo "\$*" >>"$PWD/go.log"
if [ "\$1" = build ] && [ -n "\${FAKE_BUILD:-}" ]; then
	case \$FAKE_BUILD in
	pgofail) case " \$* " in *" -pgo=/"*) echo "fake: PGO build failed" >&2; exit 1;; esac;;
	*) exit "\$FAKE_BUILD";;
	esac
fi
exec "$REAL_GO" "\$@"
SPY
	chmod +x go-spy
	: >go.log
}

# hot_edges PREPROFILE: the 99% CDF hot edges of `go tool preprofile`
# output, as the inliner's hotNodesFromCDF takes them (including the edge
# that crosses 99%): "caller callee offset weight" lines, hottest first.
hot_edges() {
	awk 'NR == 1 { next }
	{ r = (NR - 2) % 3 }
	r == 0 { caller = $0 }
	r == 1 { callee = $0 }
	r == 2 { n++; c[n] = caller; d[n] = callee; o[n] = $1; w[n] = $2; t += $2 }
	END { for (i = 1; i <= n; i++) { cum += w[i]; print c[i], d[i], o[i], w[i]
		if (cum / t * 100 > 99) break } }' "$1"
}

# service_profile_only FILE: service_profile FILE from a service started for
# it and stopped at once: it is needed for the profile alone, and its load
# would take cores from the builds. Call it at the top level.
service_profile_only() {
	start_service || return 1
	service_profile "$1" || return 1
	kill $SERVICE_PID
}
