# tests/sbom-fixture.sh: build_go_fixture DIR builds DIR/app, a Go program
# with two dependencies, for the SBOM tests (t502*), sourced after lib.sh.
# GOPROXY is off here, so example.com/greet v1.2.3 comes from a file://
# proxy made in DIR (go.sum gets its real h1: hash) and example.com/local is
# a directory replacement. The app is a git repository with one commit
# (vcs.revision is recorded) and is built with -pgo= a small profile.
build_go_fixture() {
	d=$1
	mkdir -p "$d/src/greet" "$d/proxy/example.com/greet/@v" "$d/app/local" &&
	printf 'module example.com/greet\n\ngo 1.21\n' >"$d/src/greet/go.mod" &&
	printf 'package greet\n\nfunc Hello() string { return "hello" }\n' >"$d/src/greet/greet.go" &&
	(cd "$d" && python3 -c '
import zipfile
z = zipfile.ZipFile("proxy/example.com/greet/@v/v1.2.3.zip", "w")
for f in ("go.mod", "greet.go"):
    z.write("src/greet/" + f, "example.com/greet@v1.2.3/" + f)
z.close()') &&
	cp "$d/src/greet/go.mod" "$d/proxy/example.com/greet/@v/v1.2.3.mod" &&
	echo v1.2.3 >"$d/proxy/example.com/greet/@v/list" &&
	echo '{"Version":"v1.2.3","Time":"2020-01-01T00:00:00Z"}' >"$d/proxy/example.com/greet/@v/v1.2.3.info" &&
	printf 'module example.com/local\n\ngo 1.21\n' >"$d/app/local/go.mod" &&
	printf 'package local\n\nfunc N() int { return 42 }\n' >"$d/app/local/local.go" &&
	cat >"$d/app/go.mod" <<-\EOT &&
	module example.com/sbomapp

	go 1.21

	require (
		example.com/greet v1.2.3
		example.com/local v0.1.0
	)

	replace example.com/local => ./local
	EOT
	cat >"$d/app/main.go" <<-\EOT &&
	package main

	import (
		"fmt"

		"example.com/greet"
		"example.com/local"
	)

	func main() { fmt.Println(greet.Hello(), local.N()) }
	EOT
	echo '[[1, 10000000], ["main.main"]]' | python3 "$PGOKIT_SRC/tests/mkprof.py" "$d/app/default.pgo" &&
	(
		cd "$d/app" &&
		export GOPATH="$d/gopath" GOFLAGS="-mod=mod -modcacherw" GONOSUMDB=example.com \
			GONOSUMCHECK=1 GOTOOLCHAIN=local CGO_ENABLED=0 &&
		GOPROXY=file://$d/proxy go mod tidy 2>/dev/null &&
		git init -q . && git add -A &&
		GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z \
			git -c user.name=t -c user.email=t@example.com commit -qm fixture &&
		GOPROXY=off go build -pgo="$d/app/default.pgo" -o app .
	)
}
