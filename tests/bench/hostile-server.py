#!/usr/bin/env python3
"""hostile-server.py DIR: an HTTP server for bench-hostile.sh on 127.0.0.1
(port printed on stdout). GET /files/NAME serves DIR/NAME; /endless is a
pprof target whose answer never ends; /v2/... is a registry holding one
image, base:v1, whose layer descriptor states 1 MiB but whose blob never
ends."""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
CONFIG = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
                     "config": {}}).encode()
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
LAYER_DIGEST = "sha256:" + hashlib.sha256(b"endless").hexdigest()
LAYER_SIZE = 1 << 20
MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": CONFIG_DIGEST, "size": len(CONFIG)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": LAYER_DIGEST, "size": LAYER_SIZE}]}).encode()
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
CHUNK = b"\0" * (1 << 16)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, body, ctype="application/octet-stream", extra=None, head=False):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def endless(self, first=b""):
        # No Content-Length, no end: the connection closes only when the
        # client gives up.
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(first)
            while True:
                self.wfile.write(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route(self, head):
        p = self.path.split("?")[0]
        if p.startswith("/files/"):
            with open(DIR + "/" + p[len("/files/"):], "rb") as f:
                return self.answer(f.read(), head=head)
        if p == "/endless":
            # A gzip header, then a stored deflate block's worth of zeros, forever.
            return self.endless(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
        if p == "/v2/":
            return self.answer(b"{}", "application/json", head=head)
        if p in ("/v2/base/manifests/v1", "/v2/base/manifests/" + MANIFEST_DIGEST):
            return self.answer(MANIFEST, "application/vnd.oci.image.manifest.v1+json",
                               {"Docker-Content-Digest": MANIFEST_DIGEST}, head)
        if p == "/v2/base/blobs/" + CONFIG_DIGEST:
            return self.answer(CONFIG, head=head)
        if p == "/v2/base/blobs/" + LAYER_DIGEST:
            if head:
                return self.answer(b"\0" * LAYER_SIZE, head=True)
            return self.endless()
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.route(False)

    def do_HEAD(self):
        self.route(True)


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
print(srv.server_address[1], flush=True)
srv.serve_forever()
