#!/bin/bash
# img-push from scratch to a real docker-registry: the pushed image as skopeo
# sees it (digest, config, layer bytes and modes, diff_ids), the exact output,
# reproducible digests and a re-push that uploads nothing.
. "$(dirname "$0")/lib.sh"
. "$PGOKIT_SRC/tests/registry.sh"

start_registry reg || skip_all "docker-registry did not start"

# A binary-like file, an executable script and a small config file.
head -c 300000 /dev/urandom >server
printf '#!/bin/sh\necho hi\n' >run.sh && chmod 755 run.sh
printf 'key=value\n' >app.conf && chmod 600 app.conf

push() { img-push -q -f server:/app/server:0755 -f run.sh:/app/bin/ -f app.conf:/etc/app.conf \
	--entrypoint /app/server --cmd serve --cmd -v --env PATH=/app/bin --env MODE=prod \
	--label team=perf --workdir /app "$@"; }

test_expect_success 'push from scratch prints exactly dest@digest' '
	push --digest-file digest.txt "$REG/app:v1" >out 2>err &&
	test_must_fail test -s err &&
	test "$(wc -l <out)" = 1 &&
	grep -Eq "^$REG/app@sha256:[0-9a-f]{64}\$" out &&
	test_cmp out digest.txt
'

test_expect_success 'skopeo inspect sees the printed digest under the tag' '
	sk inspect --tls-verify=false "docker://$REG/app:v1" >inspect.json &&
	test "$REG/app@$(jq -r .Digest inspect.json)" = "$(cat out)" &&
	sk inspect --tls-verify=false --raw "docker://$REG/app:v1" >manifest.json &&
	test "$(jq -r .mediaType manifest.json)" = application/vnd.oci.image.manifest.v1+json &&
	test "$(jq -r ".layers[0].mediaType" manifest.json)" = application/vnd.oci.image.layer.v1.tar+gzip
'

test_expect_success 'layer holds the files with their bytes and modes; diff_ids match' '
	check_image "$REG/app:v1" img &&
	layer=img/$(jq -r ".layers[0].digest" img/manifest.json | sed s/sha256://) &&
	tar -tvf "$layer" >listing &&
	cat >expect <<-\EOT &&
	drwxr-xr-x 0/0               0 1970-01-01 00:00 app/
	drwxr-xr-x 0/0               0 1970-01-01 00:00 app/bin/
	-rwxr-xr-x 0/0              18 1970-01-01 00:00 app/bin/run.sh
	-rwxr-xr-x 0/0          300000 1970-01-01 00:00 app/server
	drwxr-xr-x 0/0               0 1970-01-01 00:00 etc/
	-rw-r--r-- 0/0              10 1970-01-01 00:00 etc/app.conf
	EOT
	test_cmp expect listing &&
	mkdir x && tar -xf "$layer" -C x &&
	cmp server x/app/server && cmp run.sh x/app/bin/run.sh && cmp app.conf x/etc/app.conf
'

test_expect_success 'config carries entrypoint, cmd, env, workdir, labels, history' '
	c=img/config.json &&
	test "$(jq -c .config.Entrypoint $c)" = "[\"/app/server\"]" &&
	test "$(jq -c .config.Cmd $c)" = "[\"serve\",\"-v\"]" &&
	test "$(jq -c .config.Env $c)" = "[\"PATH=/app/bin\",\"MODE=prod\"]" &&
	test "$(jq -r .config.WorkingDir $c)" = /app &&
	test "$(jq -r .config.Labels.team $c)" = perf &&
	test "$(jq -r .os $c) $(jq -r .architecture $c)" = "linux amd64" &&
	test "$(jq ".history | length" $c)" = 1 &&
	test "$(jq -r ".history[0].created_by" $c)" = "img-push -f /app/bin/run.sh -f /app/server -f /etc/app.conf" &&
	test "$(jq -r .created $c)" = 1970-01-01T00:00:00Z
'

test_expect_success 're-push: same digest, no blob uploaded' '
	m=$(log_mark) &&
	push "$REG/app:v1" >out2 &&
	test_cmp out out2 &&
	test "$(uploads_since $m)" = 0
'

test_expect_success 'same inputs on another "machine": other mtimes, owner bits, umask' '
	mkdir other && cp server run.sh app.conf other/ &&
	touch -d "2001-02-03 04:05:06" other/* && chmod 700 other/run.sh && chmod 644 other/app.conf &&
	(cd other && umask 077 && push "$REG/app:v2") >out3 &&
	test "$(sed "s/@.*//" out3)" = "$REG/app" &&
	test "$(sed "s/.*@//" out3)" = "$(sed "s/.*@//" out)"
'

test_expect_success 'SOURCE_DATE_EPOCH sets mtimes, created time and label' '
	SOURCE_DATE_EPOCH=1700000000 push "$REG/app:epoch" >out4 &&
	test "$(sed "s/.*@//" out4)" != "$(sed "s/.*@//" out)" &&
	SOURCE_DATE_EPOCH=1700000000 push "$REG/app:epoch" >out5 && test_cmp out4 out5 &&
	check_image "$REG/app:epoch" img2 &&
	test "$(jq -r .created img2/config.json)" = 2023-11-14T22:13:20Z &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.created\"]" img2/config.json)" = 2023-11-14T22:13:20Z &&
	tar -tvf img2/$(jq -r ".layers[0].digest" img2/manifest.json | sed s/sha256://) | grep -q "2023-11-14 22:13 app/server"
'

test_expect_success 'source and revision labels from CI variables; --label overrides' '
	GITHUB_SERVER_URL=https://github.example GITHUB_REPOSITORY=acme/svc GITHUB_SHA=abc123 \
		img-push -q -f server:/s --label org.opencontainers.image.revision=override "$REG/app:ci" >/dev/null &&
	sk inspect --tls-verify=false --config "docker://$REG/app:ci" >cicfg &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.source\"]" cicfg)" = https://github.example/acme/svc &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.revision\"]" cicfg)" = override &&
	CI_PROJECT_URL=https://gitlab.example/g/p CI_COMMIT_SHA=def456 \
		img-push -q -f server:/s "$REG/app:ci2" >/dev/null &&
	sk inspect --tls-verify=false --config "docker://$REG/app:ci2" >cicfg2 &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.source\"]" cicfg2)" = https://gitlab.example/g/p &&
	test "$(jq -r ".config.Labels[\"org.opencontainers.image.revision\"]" cicfg2)" = def456
'

test_expect_success '--platform sets the config platform of a scratch image' '
	img-push -f server:/s --platform linux/arm64/v8 "$REG/app:arm" >/dev/null &&
	sk inspect --tls-verify=false --config --override-arch arm64 "docker://$REG/app:arm" >armcfg &&
	test "$(jq -r .os armcfg) $(jq -r .architecture armcfg) $(jq -r .variant armcfg)" = "linux arm64 v8"
'

# A layer is gzip members of 1 MiB of tar each: skopeo (Go's gzip reader)
# must decompress the three of a 3 MB file to the tar the config names.
test_expect_success 'large blobs go up in PATCH chunks; a layer is 1 MiB gzip members' '
	head -c 3000000 /dev/urandom >big &&
	m=$(log_mark) &&
	img-push --chunk-size 256k -f big:/big "$REG/app:big" >/dev/null &&
	test "$(patches_since $m)" -ge 4 &&
	check_image "$REG/app:big" img3 &&
	mkdir y && tar -xf img3/$(jq -r ".layers[0].digest" img3/manifest.json | sed s/sha256://) -C y &&
	cmp big y/big &&
	rm -rf z && sk copy -q --src-tls-verify=false "docker://$REG/app:big" dir:z &&
	python3 -c "
import sys, zlib
b = open(sys.argv[1], \"rb\").read()
n = 0
while b:
	d = zlib.decompressobj(31)
	d.decompress(b)
	b = d.unused_data
	n += 1
print(n)" z/$(jq -r ".layers[0].digest" z/manifest.json | sed s/sha256://) >members &&
	echo 3 >want && test_cmp want members
'

test_expect_success 'layer cache: same image with, without, and with a damaged cache' '
	ls cache/pgokit/layers/*-z1-m1M.tar.gz >entries &&
	test -s entries &&
	push --no-cache "$REG/app:v1" >out6 && test_cmp out out6 &&
	for e in $(cat entries); do printf garbage >>"$e"; done &&
	push "$REG/app:v1" >out7 && test_cmp out out7 &&
	for e in $(cat entries); do head -c 100 "$e" >"$e.tmp" && mv "$e.tmp" "$e"; done &&
	push "$REG/app:v1" >out8 && test_cmp out out8 &&
	XDG_CACHE_HOME=$PWD/nowhere/file push "$REG/app:v1" >out9 && test_cmp out out9
'

if have script; then
test_expect_success 'progress per blob on a terminal only, never on stdout' '
	head -c 400000 /dev/urandom >fresh &&
	script -qec "img-push -f fresh:/fresh $REG/app:tty >tty.out" tty.log >/dev/null &&
	grep -Eq "^$REG/app@sha256:[0-9a-f]{64}\$" tty.out && test "$(wc -l <tty.out)" = 1 &&
	grep -q "pushing [0-9a-f]\{12\}" tty.log &&
	grep -q "layer [0-9a-f]\{12\} 0.4 MB: pushed" tty.log &&
	grep -q "config [0-9a-f]\{12\} 0.0 MB: pushed" tty.log &&
	script -qec "img-push -q -f fresh:/fresh $REG/app:tty >tty2.out" tty2.log >/dev/null &&
	test_cmp tty.out tty2.out &&
	test_must_fail grep -q "img-push:" tty2.log
'
else
test_skip 'progress on a terminal' 'script(1) not installed'
fi

test_expect_success 'usage: --help, --version, bad options' '
	img-push --help >help && grep -q "^usage: img-push" help &&
	img-push --version >ver && grep -Eq "^img-push pgokit [0-9]" ver &&
	test_expect_code 2 img-push 2>/dev/null &&
	test_expect_code 2 img-push --bogus x 2>/dev/null &&
	test_expect_code 2 img-push -f server:/x:999 "$REG/a" 2>/dev/null &&
	test_expect_code 2 img-push --platform linux -f server "$REG/a" 2>/dev/null &&
	test_expect_code 2 img-push -f server:/../x "$REG/a" 2>/dev/null
'

test_expect_success 'a file given twice at one path is refused' '
	test_expect_code 1 img-push -f server:/a -f run.sh:/a "$REG/app:dup" 2>err &&
	grep -q "given twice" err
'

test_done
