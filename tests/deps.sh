#!/bin/sh
# tests/deps.sh (make deps): install the Debian packages that the build, the
# tests, the benchmarks and the demo need. As root it installs what is
# missing (adding bookworm-backports for Go 1.23); otherwise it prints the
# exact commands to run.

# The build
PKGS="gcc make pkg-config libprotobuf-c-dev protobuf-c-compiler libdeflate-dev zlib1g-dev
libcurl4-openssl-dev libjansson-dev libssl-dev libarchive-dev"
# Tests, oracles, fuzzing, benchmarks
PKGS="$PKGS golang-1.23-go docker-registry skopeo apache2-utils openssl curl ca-certificates
python3 python3-jsonschema jq bc time gzip bsdutils bsdextrautils mandoc clang libclang-rt-14-dev
chromium git buildah"

BACKPORTS=/etc/apt/sources.list.d/pgokit-backports.list

have_backports() {
	grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
	grep -rqs 'bookworm-backports' /etc/apt/sources.list.d/*.sources 2>/dev/null
}

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $s in *" installed") ;; *) missing="$missing $p";; esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: as root, run:" >&2
	have_backports ||
		echo "  echo 'deb http://deb.debian.org/debian bookworm-backports main' > $BACKPORTS" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

if ! have_backports; then
	echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$BACKPORTS.tmp" &&
		mv -f "$BACKPORTS.tmp" "$BACKPORTS" || exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || exit 1
