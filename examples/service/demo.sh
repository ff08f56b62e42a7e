#!/bin/sh
# demo.sh: pgokit's whole pipeline on one machine. Builds the tools and this
# service, runs three instances under load on loopback, starts a private
# docker-registry, runs `make pgo` here (fetch, merge, stat, PGO build, image
# push), then shows what the profile made the compiler do in package work
# (where the service's hot code is) and times that package's per-part
# benchmarks without and with the profile, interleaved.
# Everything it starts, it stops. Run it as `make demo` from the top directory.
#
# Environment: PGOKIT (the pgokit tree), PGO_BIN (prebuilt tools; default
# $PGOKIT/bin, built here), PGO_SECONDS (profile length, default 5),
# DEMO_RUNS (interleaved benchmark rounds, default 5), GO (the go command).

set -eu
here=$(cd "$(dirname "$0")" && pwd)
PGOKIT=$(cd "${PGOKIT:-$here/../..}" && pwd)
PGO_SECONDS=${PGO_SECONDS:-5}
DEMO_RUNS=${DEMO_RUNS:-5}
export LC_ALL=C
export GOFLAGS=${GOFLAGS:--buildvcs=false} GOTOOLCHAIN=${GOTOOLCHAIN:-local}

start=$(date +%s)
say() { printf '\n== [%ss] %s\n' $(($(date +%s) - start)) "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# A Go that can build with PGO (1.21+): $GO, then bookworm-backports' 1.23,
# then the one on PATH.
find_go() {
	for g in ${GO:-} /usr/lib/go-1.23/bin/go go; do
		command -v "$g" >/dev/null 2>&1 || continue
		case $("$g" env GOVERSION 2>/dev/null) in
		go1.2[1-9]*|go1.[3-9]*) command -v "$g"; return 0;;
		esac
	done
	return 1
}

# What the demo needs besides the tools' C libraries (checked by building
# them): a Go with PGO and curl. A docker-registry is optional.
missing() {
	find_go >/dev/null || echo golang-1.23-go
	command -v curl >/dev/null 2>&1 || echo curl
}

# install_deps WHAT: as root, `make deps` (the Debian packages the build and
# the demo need); otherwise say what to run, and stop.
install_deps() {
	if [ "$(id -u)" -eq 0 ]; then
		echo "installing what is missing ($1): make -C $PGOKIT deps"
		make -C "$PGOKIT" deps || die "make deps failed"
	else
		echo "missing: $1"
		echo "as root, run: make -C $PGOKIT deps (the Debian packages pgokit needs, Go 1.23"
		echo "from bookworm-backports included), or yourself:"
		make -s -C "$PGOKIT" deps || true
		exit 1
	fi
}

say "dependencies"
miss=$(missing | tr '\n' ' ')
[ -z "$miss" ] || install_deps "$miss"
if ! command -v docker-registry >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		install_deps docker-registry
	else
		echo "no docker-registry: the image will be an OCI layout (make deps installs it, as root)"
	fi
fi
GO=$(find_go) || die "no Go 1.21+ found (install golang-1.23-go from bookworm-backports)"
PATH=$(dirname "$GO"):$PATH
export GO PATH
echo "go: $GO ($("$GO" env GOVERSION))"
command -v docker-registry >/dev/null 2>&1 && echo "registry: $(command -v docker-registry)"

say "tools"
if [ -z "${PGO_BIN:-}" ]; then
	if ! make -s -C "$PGOKIT"; then
		install_deps "the C libraries the tools link"
		make -s -C "$PGOKIT" || die "the tools do not build"
	fi
	PGO_BIN=$PGOKIT/bin
fi
export PGO_BIN
ls "$PGO_BIN"

say "service"
make -s -C "$here" service
echo "built $here/service"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgokit-demo.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wait_file FILE: until the service wrote its address.
wait_file() {
	n=0
	while [ ! -s "$1" ]; do
		n=$((n + 1)); [ $n -lt 100 ] || die "timeout waiting for $1"
		sleep 0.1
	done
}

say "three instances under load"
targets=
for i in 1 2 3; do
	# On busy or virtual machines runtime.asyncPreempt frames take 4-36%
	# of the samples and land on the interface call site, where they keep
	# the compiler from devirtualizing it (golang/go#72092): pgo-build
	# removes them when it prepares the profile.
	"$here/service" -addr 127.0.0.1:0 -addr-file "$work/addr$i" -load 2 \
		>"$work/service$i.log" 2>&1 &
	pids="$pids $!"
	instances="${instances:-} $!"
done
for i in 1 2 3; do
	wait_file "$work/addr$i"
	targets="$targets $(cat "$work/addr$i")"
done
targets=${targets# }
echo "instances: $targets"

image=
if command -v docker-registry >/dev/null 2>&1; then
	say "a private docker-registry on loopback"
	regdir=$here/.pgo/demo-registry
	rm -rf "$regdir"
	mkdir -p "$regdir/data"
	# The registry cannot listen on port 0: try random ports until one
	# starts (a port in use makes it exit at once).
	port= tries=0
	while [ -z "$port" ]; do
		tries=$((tries + 1))
		[ $tries -le 10 ] || { cat "$work/registry.log" >&2; die "the registry did not start"; }
		p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 + 20000 ))
		cat >"$regdir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $regdir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$p
EOF
		docker-registry serve "$regdir/config.yml" >"$work/registry.log" 2>&1 &
		reg=$!
		n=0
		while kill -0 $reg 2>/dev/null && [ $n -lt 100 ]; do
			if curl -s -o /dev/null "http://127.0.0.1:$p/v2/" && kill -0 $reg 2>/dev/null; then
				port=$p
				break
			fi
			sleep 0.1
			n=$((n + 1))
		done
		if [ -z "$port" ]; then kill $reg 2>/dev/null || true; wait $reg 2>/dev/null || true; fi
	done
	pids="$pids $reg"
	image=127.0.0.1:$port/pgokit/service:demo
	echo "registry: http://127.0.0.1:$port (data in $regdir)"
else
	say "no docker-registry: the image goes to an OCI layout"
	image=oci:$here/.pgo/oci:demo
fi

say "make pgo (fetch ${PGO_SECONDS}s from each instance, merge, stat, build, push)"
sleep 1
# The instances are needed for the fetch only: once it is done, stop them so
# the build and the benchmark have the cores.
stamp=$here/.pgo/fetch.stamp
before=$(stat -c %y "$stamp" 2>/dev/null || echo none)
make -C "$here" pgo PGO_BIN="$PGO_BIN" PGO_TARGETS="$targets" \
	PGO_SECONDS="$PGO_SECONDS" PGO_IMAGE="$image" PGO_REPORT="$here/.pgo/report.txt" &
mk=$!
pids="$pids $mk"
while kill -0 $mk 2>/dev/null && [ "$(stat -c %y "$stamp" 2>/dev/null || echo none)" = "$before" ]; do
	sleep 0.2
done
for p in $instances; do kill "$p" 2>/dev/null || true; done
wait $mk
ref=$(cat "$here/.pgo/image.ref")
for p in $pids; do kill "$p" 2>/dev/null || true; done
for p in $pids; do wait "$p" 2>/dev/null || true; done
pids=

say "what the profile made the compiler do in package work"
# The profile pgo-build prepared and built with, and the same flags, so the
# test binaries reuse the PGO build's compiled standard library.
profile=$here/.pgo/bin/service.pgo
[ -f "$profile" ] || die "pgo-build fell back to a build without PGO: no speedup to measure"
pkg=example.com/pgokit-service/work
# The decisions: pgo-build --report's account of the PGO build (make pgo
# with PGO_REPORT), read from the compiler's own debug output.
report=$here/.pgo/report.txt
[ -f "$report" ] || die "make pgo wrote no decision report"
grep -E "^(devirtualized|inlined) .*$pkg\." "$report" | sed 's/^/  /'
ndevirt=$(awk -v p="$pkg" '$1 == "package" && $NF == p { print $2 }' "$report")
ninline=$(awk -v p="$pkg" '$1 == "package" && $NF == p { print $3 }' "$report")
total=$(grep '^total' "$report" || true)

say "the work package's benchmarks, without and with the profile ($DEMO_RUNS interleaved rounds)"
(cd "$here" && CGO_ENABLED=0 "$GO" test -c -trimpath -pgo=off -o "$work/off.test" ./work &&
	CGO_ENABLED=0 "$GO" test -c -trimpath -pgo="$profile" -o "$work/pgo.test" ./work) ||
	die "go test -c failed"
"$here/speedup.sh" "$work/off.test" "$work/pgo.test" "$DEMO_RUNS" >"$work/speedup" ||
	die "the benchmarks failed"

say "result"
echo "image:       $ref"
echo "flame graph: $here/.pgo/profile.svg"
echo "decisions:   package work: ${ndevirt:-0} interface call(s) devirtualized, ${ninline:-0} hot inline(s) (pgo-build --report: $report)"
echo "             whole build: ${total:-no decisions}"
# One line per part: median cost per op without and with the profile (with
# their min-max), the speedup of the medians and the range of the per-round
# speedups, which says how far to trust it.
sed 's/^/speedup:     /' "$work/speedup"
cat <<EOF
expect:      real programs gain 2-7% from PGO (go.dev/doc/pgo; the Go compiler
             itself 2-4%), services report 2-6%. Devirt and Inline are written
             for PGO to act on, one mechanism each: they show how it works, not
             what to expect. JSON is like most code: PGO changes little there.
             A service gains the share of its CPU in such hot spots times their
             speedup.
EOF
