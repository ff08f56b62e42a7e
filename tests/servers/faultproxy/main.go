// faultproxy: a reverse proxy in front of a real registry that injects the
// faults img-push must survive, for its tests: error statuses with
// Retry-After, dropped connections, and redirects of blob downloads to a
// second "storage" origin (which must never see the registry credentials).
// With -hostile it plays a hostile registry on the matching requests:
//
//	endless-body      200 and a body that never ends
//	short-body        the upstream answer with half its body
//	long-body         the upstream answer with 4096 bytes more
//	bad-layer-digest  the upstream manifest with layers[0].digest "sha256:../../x"
//	huge-header       200 with one 20 MB header line
//	many-headers      200 with 100000 small header lines
//	big-error         404 with a body that never ends
//	challenge         401 with WWW-Authenticate: -challenge, unless the
//	                  request has an Authorization header (then passed on)
//	oci-subject       the upstream answer, plus the OCI-Subject header a
//	                  registry with the referrers API sends when the
//	                  manifest put has a subject
//
// and, to check that what a registry says is quoted escaped, never obeyed
// (each text carries ESC [2J, which clears a terminal, and a newline):
//
//	evil-media-type   the upstream manifest with that mediaType
//	evil-index        an index whose one entry's platform has that os
//	evil-config       the upstream manifest with its config descriptor on
//	                  a blob that is not JSON (served here, by digest)
//	evil-error        400 with that message in a registry JSON error
//	evil-digest       the upstream answer with Docker-Content-Digest
//	                  "sha256:" ESC "[2J" (a header holds no newline)
//	huge-layer-size   the upstream manifest with layers[0].size 1 TiB
//
// -location-storage rewrites the Location of upload answers to the storage
// origin. The storage origin passes requests on upstream with the
// -storage-auth credentials: as Basic auth, or, with -storage-token, as
// a Bearer token it gets from that token realm with them. Every request is logged to stderr as "proxy: METHOD PATH -> what";
// one carrying an X-Injected header is logged as "INJECTED".
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
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
	hostile := flag.String("hostile", "", "answer matching requests as a hostile registry (see above)")
	challenge := flag.String("challenge", "", "WWW-Authenticate value for -hostile challenge")
	locStorage := flag.Bool("location-storage", false, "send uploads to the storage origin")
	storageToken := flag.String("storage-token", "", "token realm URL (with ?service=): the storage origin gets a Bearer token there with -storage-auth")
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
			if r.Header.Get("X-Injected") != "" {
				log.Printf("storage: INJECTED")
			}
			r.Header.Del("Authorization")
			if u, p, ok := cut(*storageAuth); ok && *storageToken != "" {
				tok, err := fetchToken(*storageToken, u, p, r.URL.Path)
				if err != nil {
					log.Printf("storage: token: %v", err)
					http.Error(w, "storage token", http.StatusBadGateway)
					return
				}
				r.Header.Set("Authorization", "Bearer "+tok)
			} else if ok {
				r.SetBasicAuth(u, p)
			}
			sp.ServeHTTP(w, r)
		}))
	}
	blobGet := regexp.MustCompile(`^/v2/.+/blobs/sha256:[0-9a-f]{64}$`)
	if *locStorage {
		proxy.ModifyResponse = func(resp *http.Response) error {
			if loc := resp.Header.Get("Location"); loc != "" &&
				strings.Contains(resp.Request.URL.Path, "/blobs/uploads/") {
				if u, err := url.Parse(loc); err == nil {
					u.Scheme, u.Host = "http", strings.TrimPrefix(storageURL, "http://")
					resp.Header.Set("Location", u.String())
				}
			}
			return nil
		}
	}

	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		if strings.HasSuffix(r.URL.Path, "/blobs/"+evilConfigDigest) {
			log.Printf("proxy: %s -> evil-config blob", key)
			w.Header().Set("Content-Length", strconv.Itoa(len(evilConfig)))
			w.Write(evilConfig)
			return
		}
		if r.Header.Get("X-Injected") != "" {
			log.Printf("proxy: %s INJECTED", key)
		}
		mu.Lock()
		what := "pass"
		if re.MatchString(key) && *hostile != "" {
			what = *hostile
			if what == "challenge" && r.Header.Get("Authorization") != "" {
				what = "pass"
			}
		} else if re.MatchString(key) {
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
		case "endless-body", "big-error":
			status := 200
			if what == "big-error" {
				status = 404
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(status)
			endless(w)
		case "short-body", "long-body", "bad-layer-digest", "evil-media-type",
			"evil-config", "evil-digest", "huge-layer-size":
			rewritten(proxy, w, r, what)
		case "evil-index":
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			json.NewEncoder(w).Encode(map[string]any{
				"schemaVersion": 2,
				"mediaType":     "application/vnd.oci.image.index.v1+json",
				"manifests": []any{map[string]any{
					"mediaType": "application/vnd.oci.image.manifest.v1+json",
					"digest":    "sha256:" + strings.Repeat("0", 64),
					"size":      100,
					"platform":  map[string]any{"os": evilText, "architecture": "amd64"},
				}},
			})
		case "evil-error":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
				"code": "DENIED", "message": evilText}}})
		case "oci-subject":
			withSubject(proxy, w, r)
		case "huge-header":
			w.Header().Set("X-Junk", strings.Repeat("a", 20<<20))
			w.WriteHeader(200)
		case "many-headers":
			for i := 0; i < 100000; i++ {
				w.Header().Set("X-Junk-"+strconv.Itoa(i), "a")
			}
			w.WriteHeader(200)
		case "challenge":
			w.Header().Set("WWW-Authenticate", *challenge)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
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

// evilText clears the screen and starts a forged line when printed raw.
const evilText = "\x1b[2J\nimg-push: forged line"

// evilConfig is a config blob that is not JSON, starting with evilText:
// jansson's message quotes its first byte.
var evilConfig = []byte(evilText + "\n")
var evilConfigDigest = fmt.Sprintf("sha256:%x", sha256.Sum256(evilConfig))

// endless writes until the client goes away.
func endless(w http.ResponseWriter) {
	buf := bytes.Repeat([]byte("x"), 64<<10)
	for {
		if _, err := w.Write(buf); err != nil {
			return
		}
	}
}

// rewritten passes r upstream and changes the answer as kind says.
func rewritten(proxy *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request, kind string) {
	rec := &recorder{header: http.Header{}, status: 200}
	proxy.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	switch kind {
	case "short-body":
		body = body[:len(body)/2]
	case "long-body":
		body = append(body, bytes.Repeat([]byte("y"), 4096)...)
	case "bad-layer-digest":
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if ls, ok := m["layers"].([]any); ok && len(ls) > 0 {
				ls[0].(map[string]any)["digest"] = "sha256:../../x"
			}
			body, _ = json.Marshal(m)
		}
		rec.header.Del("Docker-Content-Digest")
	case "evil-media-type", "evil-config", "huge-layer-size":
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			switch kind {
			case "evil-media-type":
				m["mediaType"] = evilText
			case "evil-config":
				m["config"] = map[string]any{
					"mediaType": "application/vnd.oci.image.config.v1+json",
					"digest":    evilConfigDigest,
					"size":      len(evilConfig),
				}
			case "huge-layer-size":
				if ls, ok := m["layers"].([]any); ok && len(ls) > 0 {
					ls[0].(map[string]any)["size"] = int64(1) << 40
				}
			}
			body, _ = json.Marshal(m)
		}
		rec.header.Del("Docker-Content-Digest")
	case "evil-digest":
		rec.header.Set("Docker-Content-Digest", "sha256:\x1b[2J")
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	w.Write(body)
}

// withSubject passes r upstream and, when its body is a manifest with a
// subject, answers with OCI-Subject naming it.
func withSubject(proxy *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var m struct {
		Subject *struct{ Digest string } `json:"subject"`
	}
	if json.Unmarshal(body, &m) == nil && m.Subject != nil {
		w.Header().Set("OCI-Subject", m.Subject.Digest)
	}
	proxy.ServeHTTP(w, r)
}

// recorder keeps an upstream answer for rewritten.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// fetchToken asks the token realm (a URL with ?service=) for a pull and
// push token on the repository that path (/v2/<name>/blobs/...) names.
func fetchToken(realm, user, pass, path string) (string, error) {
	name := strings.TrimPrefix(path, "/v2/")
	if i := strings.Index(name, "/blobs/"); i >= 0 {
		name = name[:i]
	}
	req, err := http.NewRequest("GET", realm+"&scope="+url.QueryEscape("repository:"+name+":pull,push"), nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var t struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil || t.Token == "" {
		return "", fmt.Errorf("%s: no token (%v)", resp.Status, err)
	}
	return t.Token, nil
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}
