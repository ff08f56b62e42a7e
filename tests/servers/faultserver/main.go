// Command faultserver is pprof-fetch's test server: it serves a real Go CPU
// profile on one or many loopback ports, and answers the faults production
// fleets show (dropped connections, 500s, 429 with Retry-After, slow replies,
// HTML error pages, truncated gzip, a 200 that is not a profile).
//
// Paths (on every port):
//
//	/debug/pprof/profile, /ok  the profile (gzip), after -delay
//	/raw                       the profile, uncompressed protobuf
//	/drop                      headers for the full length, half the body, then a close
//	/flaky?key=K&n=N           500 for the first N requests of K, then the profile
//	/busy?key=K&n=N&after=S    429 with Retry-After: S for the first N, then the profile
//	/slow?d=DURATION           the profile after DURATION
//	/html404                   a 404 HTML page
//	/login200                  200 with an HTML login page (a proxy in the way)
//	/redirect                  302 to /login200
//	/truncgz                   200, the first half of the gzip profile (complete transfer)
//	/text                      200 text/plain, not a profile
//	/empty                     200 with an empty body
//	/nosamples                 200, a valid profile without samples
//	/hits?key=K                how many requests K got, and the gaps between them in ms
//	/bearer                    the profile with "Authorization: Bearer $FS_TOKEN", else 401
//	/basic                     the profile with Basic $FS_USER:$FS_PASSWORD, else 401
//	and the hostile paths of hostile.go
//
// With -tls every port speaks HTTPS with a fresh self-signed certificate.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	profileGz   []byte
	profileRaw  []byte
	noSamplesGz []byte
	delay       time.Duration

	mu   sync.Mutex
	hits = map[string][]time.Time{}
)

// cpuProfile records a real CPU profile of this process burning CPU for d.
func cpuProfile(d time.Duration) []byte {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		log.Fatal(err)
	}
	// Burn d of this process's CPU time, not wall time: on a busy machine
	// the profile still gets its samples.
	x := 1.0
	for start := cpuTime(); cpuTime()-start < d; {
		for i := 0; i < 100000; i++ {
			x = x*1.0000001 + 1e-9
		}
	}
	pprof.StopCPUProfile()
	if x == 0 {
		log.Print("unreachable")
	}
	return buf.Bytes()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		log.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		log.Fatal(err)
	}
	return out
}

// hit records a request for key and returns how many came before it.
func hit(key string) int {
	mu.Lock()
	defer mu.Unlock()
	hits[key] = append(hits[key], time.Now())
	return len(hits[key]) - 1
}

func intParam(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return v
	}
	return def
}

func serveProfile(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="profile"`)
	w.Write(profileGz)
}

func handler(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	switch r.URL.Path {
	case "/debug/pprof/profile", "/ok":
		serveProfile(w, r, delay)
	case "/raw":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(profileRaw)
	case "/drop":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(profileGz)))
		w.WriteHeader(200)
		w.Write(profileGz[:len(profileGz)/2])
		w.(http.Flusher).Flush()
		conn, bufw, err := w.(http.Hijacker).Hijack()
		if err == nil {
			bufw.Flush()
			conn.Close()
		}
	case "/flaky":
		if hit("flaky/"+key) < intParam(r, "n", 1) {
			http.Error(w, "internal error: try again", http.StatusInternalServerError)
			return
		}
		serveProfile(w, r, 0)
	case "/busy":
		if hit("busy/"+key) < intParam(r, "n", 1) {
			w.Header().Set("Retry-After", strconv.Itoa(intParam(r, "after", 1)))
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		serveProfile(w, r, 0)
	case "/slow":
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			d = 10 * time.Second
		}
		serveProfile(w, r, d)
	case "/html404":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"+
			"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n")
	case "/login200":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n"+
			"<body><form method=post><input name=user></form></body></html>\n")
	case "/redirect":
		http.Redirect(w, r, "/login200?next=/debug/pprof/profile", http.StatusFound)
	case "/truncgz":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(profileGz[:len(profileGz)/2])
	case "/text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello, this is not a profile\n")
	case "/empty":
		w.Header().Set("Content-Type", "application/octet-stream")
	case "/nosamples":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(noSamplesGz)
	case "/bearer":
		if r.Header.Get("Authorization") != "Bearer "+os.Getenv("FS_TOKEN") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		serveProfile(w, r, 0)
	case "/basic":
		u, p, ok := r.BasicAuth()
		if !ok || u != os.Getenv("FS_USER") || p != os.Getenv("FS_PASSWORD") {
			w.Header().Set("WWW-Authenticate", `Basic realm="pprof"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		serveProfile(w, r, 0)
	case "/hits":
		mu.Lock()
		var all []time.Time
		for k, v := range hits {
			if strings.HasSuffix(k, "/"+key) {
				all = append(all, v...)
			}
		}
		mu.Unlock()
		fmt.Fprintf(w, "%d", len(all))
		for i := 1; i < len(all); i++ {
			fmt.Fprintf(w, " %d", all[i].Sub(all[i-1]).Milliseconds())
		}
		fmt.Fprintln(w)
	default:
		if !hostile(w, r) {
			http.NotFound(w, r)
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1 that no client trusts.
func selfSigned() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "faultserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func main() {
	n := flag.Int("n", 1, "listen on this many loopback ports")
	addrFile := flag.String("addr-file", "", "write the host:port list here, one per line")
	flag.DurationVar(&delay, "delay", 0, "delay before a /debug/pprof/profile answer")
	profile := flag.String("profile", "", "serve this gzip profile instead of recording one")
	useTLS := flag.Bool("tls", false, "serve HTTPS with a self-signed certificate")
	flag.Parse()

	if *profile != "" {
		b, err := os.ReadFile(*profile)
		if err != nil {
			log.Fatal(err)
		}
		profileGz = b
	} else {
		profileGz = cpuProfile(300 * time.Millisecond)
	}
	profileRaw = gunzip(profileGz)
	noSamplesGz = cpuProfile(0)

	var addrs bytes.Buffer
	srv := &http.Server{Handler: http.HandlerFunc(handler)}
	for i := 0; i < *n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintln(&addrs, ln.Addr().String())
		if *useTLS {
			ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{selfSigned()}})
		}
		go func() { log.Fatal(srv.Serve(ln)) }()
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, addrs.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatal(err)
		}
	} else {
		os.Stdout.Write(addrs.Bytes())
	}
	select {}
}
