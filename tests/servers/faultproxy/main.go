// faultproxy: a reverse proxy in front of a real registry that injects the
// faults img-push must survive, for its tests: error statuses with
// Retry-After, dropped connections, and redirects of blob downloads to a
// second "storage" origin (which must never see the registry credentials).
// Every request is logged to stderr as "proxy: METHOD PATH -> what".
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the bound address here")
	target := flag.String("target", "", "registry base URL, http://host:port")
	fail := flag.Int("fail", 0, "answer this many matching requests with -status")
	status := flag.Int("status", 503, "status of the injected failures")
	retryAfter := flag.String("retry-after", "", "Retry-After value on failures")
	drop := flag.Int("drop", 0, "then drop this many matching connections")
	match := flag.String("match", ".", "regexp on \"METHOD PATH\" selecting requests to fault")
	storage := flag.String("storage", "", "listen address of a storage origin: blob GETs redirect there")
	storageAuth := flag.String("storage-auth", "", "user:password the storage origin uses upstream")
	flag.Parse()

	up, err := url.Parse(*target)
	if err != nil || up.Host == "" {
		log.Fatal("-target: need http://host:port")
	}
	re := regexp.MustCompile(*match)
	proxy := httputil.NewSingleHostReverseProxy(up)
	var mu sync.Mutex
	failed, dropped := 0, 0

	var storageURL string
	if *storage != "" {
		sl, err := net.Listen("tcp", *storage)
		if err != nil {
			log.Fatal(err)
		}
		storageURL = "http://" + sl.Addr().String()
		sp := httputil.NewSingleHostReverseProxy(up)
		go http.Serve(sl, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := "none"
			if r.Header.Get("Authorization") != "" {
				auth = "LEAKED"
			}
			log.Printf("storage: %s %s auth=%s", r.Method, r.URL.Path, auth)
			r.Header.Del("Authorization")
			if u, p, ok := cut(*storageAuth); ok {
				r.SetBasicAuth(u, p)
			}
			sp.ServeHTTP(w, r)
		}))
	}
	blobGet := regexp.MustCompile(`^/v2/.+/blobs/sha256:[0-9a-f]{64}$`)

	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		mu.Lock()
		what := "pass"
		if re.MatchString(key) {
			if failed < *fail {
				failed++
				what = "fail"
			} else if dropped < *drop {
				dropped++
				what = "drop"
			}
		}
		mu.Unlock()
		if what == "pass" && storageURL != "" && r.Method == "GET" && blobGet.MatchString(r.URL.Path) {
			what = "redirect"
		}
		log.Printf("proxy: %s -> %s", key, what)
		switch what {
		case "fail":
			if *retryAfter != "" {
				w.Header().Set("Retry-After", *retryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(*status)
			w.Write([]byte(`{"errors":[{"code":"UNAVAILABLE","message":"injected failure ` +
				strconv.Itoa(*status) + `","detail":{"by":"faultproxy"}}]}`))
		case "drop":
			hj, ok := w.(http.Hijacker)
			if !ok {
				log.Fatal("cannot hijack")
			}
			c, _, _ := hj.Hijack()
			c.Close()
		case "redirect":
			http.Redirect(w, r, storageURL+r.URL.Path, http.StatusTemporaryRedirect)
		default:
			proxy.ServeHTTP(w, r)
		}
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		os.WriteFile(*addrFile+".tmp", []byte(ln.Addr().String()), 0o644)
		os.Rename(*addrFile+".tmp", *addrFile)
	}
	log.Fatal(http.Serve(ln, h))
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}
