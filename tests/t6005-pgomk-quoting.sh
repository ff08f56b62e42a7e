#!/bin/bash
# t6005: pgo.mk hands every knob to the shell as data (issue 15, F16). Each
# knob a recipe uses is set to a value holding ';', '$(...)', backquotes,
# spaces and a single quote, each of which runs a command when a recipe
# pastes the value unquoted; the real tools then run and fail or succeed on
# the literal value, and no command in the value ever runs. Where a tool
# records what it got (the Pyroscope fixture's request log, an image label,
# the summary's file name) the value arrives byte for byte.
. "$(dirname "$0")/lib.sh"

MK=$PGOKIT_SRC/pgo.mk

have_go || skip_all 'no Go for the fixture servers'
for t in pprof-fetch pprof-merge pprof-stat pgo-build img-push; do
	[ -x "$PGOKIT_BIN/$t" ] || skip_all "$t is not built yet"
done

mkdir proj && cd proj || exit 1
cat >Makefile <<EOF
PGO_BIN = $PGOKIT_BIN
PGO_SECONDS = 1
include $MK
EOF
cat >go.mod <<'EOF'
module example.com/quoting
go 1.21
EOF
printf 'package main\n\nfunc main() {}\n' >main.go

# In make's syntax ($$ is a literal $): after make, the shell would see
#   x y;touch P1;$(touch P2)`touch P3`';touch P4;'
HOSTILE='x y;touch P1;$$(touch P2)`touch P3`'"'"';touch P4;'"'"
# The same value as the tools should receive it.
LITERAL='x y;touch P1;$(touch P2)`touch P3`'"'"';touch P4;'"'"

# ran: no P file appeared (none of the commands in the value ran).
ran() { ls P1 P2 P3 P4 2>/dev/null; }

# mk KNOB TARGETS [make args]: make TARGETS with KNOB set to the hostile value;
# whatever make says, no command of the value may run.
mk() {
	knob=$1 target=$2; shift 2
	make $target "$knob=$HOSTILE" "$@" >out 2>err
	echo "make $target $knob=...: exit $?" >&2
	sed 's/^/  /' err >&2
	test -z "$(ran)" || { echo "$knob: the value ran a command: $(ran)" >&2; rm -f P1 P2 P3 P4; return 1; }
}

test_expect_success 'fetch knobs: targets, files, seconds, flags, min-ok, bin' '
	mk PGO_TARGETS pgo-fetch &&
	grep -F "pprof-fetch: x: want host:port" err &&
	mk PGO_TARGETS_FILE pgo-fetch PGO_TARGETS=127.0.0.1:1 &&
	mk PGO_SECONDS pgo-fetch PGO_TARGETS=127.0.0.1:1 &&
	mk PGO_MIN_OK pgo-fetch PGO_TARGETS=127.0.0.1:1 &&
	mk PGO_FETCH_FLAGS pgo-fetch PGO_TARGETS=127.0.0.1:1 &&
	mk PGO_BIN pgo-fetch PGO_TARGETS=127.0.0.1:1 &&
	mk PGO_KEEP pgo-fetch PGO_TARGETS=127.0.0.1:1 &&
	grep "PGO_KEEP=.*: not a count" err
'

test_expect_success 'Pyroscope knobs: the selector arrives byte for byte' '
	srv=$(go_build_cached pyroscope "$PGOKIT_SRC/tests/servers/pyroscope") &&
	{ "$srv" -addr-file pyro.addr -log "$PWD/pyro.log" >pyro.err 2>&1 & echo $! >pyro.pid; } &&
	test_atexit "kill $(cat pyro.pid)" &&
	n=0 && while [ ! -s pyro.addr ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done &&
	purl=http://$(cat pyro.addr) &&
	make pgo-fetch PGO_PYROSCOPE=$purl PGO_FROM=now-1h \
		"PGO_QUERY={service_name=\"checkout\",x=\"$HOSTILE\"}" >out 2>err;
	test -z "$(ran)" &&
	jq -r .label_selector pyro.log >got &&
	printf "%s\n" "{service_name=\"checkout\",x=\"$LITERAL\"}" >want &&
	test_cmp want got &&
	mk PGO_FROM pgo-fetch PGO_PYROSCOPE=$purl PGO_QUERY="{service_name=\"checkout\"}" &&
	mk PGO_TO pgo-fetch PGO_PYROSCOPE=$purl PGO_QUERY="{service_name=\"checkout\"}" &&
	mk PGO_PYROSCOPE pgo-fetch PGO_QUERY="{service_name=\"checkout\"}" &&
	make pgo-profile PGO_PYROSCOPE=$purl PGO_QUERY="{service_name=\"checkout\"}" 2>err &&
	test -f default.pgo
'

test_expect_success 'profile, stat and merge knobs' '
	mk PGO_DRIFT "pgo-fetch pgo-profile" PGO_PYROSCOPE=$purl PGO_QUERY="{service_name=\"checkout\"}" &&
	grep "PGO_DRIFT=.*: not a percentage" err &&
	mk PGO_MERGE_FLAGS "pgo-fetch pgo-merge" PGO_PYROSCOPE=$purl PGO_QUERY="{service_name=\"checkout\"}" &&
	grep -F "pprof-merge: P1;\$(touch: No such file" err &&
	mk PGO_TOP pgo-stat
'

test_expect_success 'build knobs: env, flags, report, main' '
	mk PGO_BUILD_ENV pgo-build &&
	mk PGO_BUILD_FLAGS pgo-build &&
	mk PGO_REPORT pgo-build PGO_BUILD_FLAGS=-no-such-flag &&
	mk PGO_MAIN pgo-build PGO_PROFILE=default.pgo PGO_OUT=.pgo/bin/x &&
	q="'"'"'" &&
	grep -F -- "-- $q-trimpath$q $q./x y;touch P1;" err
'

test_expect_success 'image knobs: base, image, path, flags; a label arrives as given' '
	mkdir -p .pgo/bin && cp main.go .pgo/bin/app &&
	mk PGO_BASE pgo-image -o .pgo/bin/app PGO_OUT=.pgo/bin/app &&
	mk PGO_IMAGE pgo-image -o .pgo/bin/app PGO_OUT=.pgo/bin/app &&
	mk PGO_IMAGE_PATH pgo-image -o .pgo/bin/app PGO_OUT=.pgo/bin/app PGO_IMAGE=oci:lay:v1 &&
	mk PGO_PUSH_FLAGS pgo-image -o .pgo/bin/app PGO_OUT=.pgo/bin/app PGO_IMAGE=oci:lay:v2 &&
	make pgo-image -o .pgo/bin/app PGO_OUT=.pgo/bin/app PGO_IMAGE=oci:lay:v3 \
		"PGO_PUSH_FLAGS=--label=k=a;touch\$\${IFS}P1;\$\$(touch\$\${IFS}P2)\`touch\$\${IFS}P3\`" 2>err &&
	test -z "$(ran)" &&
	m=$(jq -r ".manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"v3\") | .digest" lay/index.json) &&
	c=$(jq -r .config.digest "lay/blobs/sha256/${m#sha256:}") &&
	jq -r ".config.Labels.k" "lay/blobs/sha256/${c#sha256:}" >got &&
	printf "%s\n" "a;touch\${IFS}P1;\$(touch\${IFS}P2)\`touch\${IFS}P3\`" >want &&
	test_cmp want got
'

test_expect_success 'the summary goes to the file named, whatever its name' '
	mk PGO_SUMMARY pgo-summary &&
	test -f "$LITERAL"
'

test_expect_success 'a file knob with a space is refused before anything runs' '
	for k in PGO_DIR PGO_PROFILE PGO_OUT; do
		test_must_fail make pgo-profile "$k=a b" 2>err &&
		grep "$k=.a b.: a file name with spaces" err || return 1
	done
'

test_done
