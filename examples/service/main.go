// Command service is pgokit's example service: a small HTTP server whose
// handlers do real CPU work, with net/http/pprof for CPU profiles. The work
// lives in package work (checksums through an interface, window statistics,
// JSON), which the benchmarks import too: the profile's names are the
// benchmarked code's names. It is the demo's subject and the test suite's
// fixture.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"

	"example.com/pgokit-service/work"
)

var requests atomic.Int64

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (port 0 picks one)")
	addrFile := flag.String("addr-file", "", "write the listening address to this file")
	load := flag.Int("load", 0, "run this many load goroutines against the service itself")
	flag.Parse()

	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok %d\n", requests.Load())
	})
	http.HandleFunc("/checksum", handleChecksum)
	http.HandleFunc("/windows", handleWindows)
	http.HandleFunc("/report", handleReport)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatal(err)
		}
	}
	for i := 0; i < *load; i++ {
		go selfLoad(ln.Addr().String(), i)
	}
	log.Fatal(http.Serve(ln, nil))
}

// selfLoad drives the handlers over loopback HTTP, as clients would. Each
// request does a few milliseconds of work, so the work package, not HTTP,
// dominates the profile.
func selfLoad(addr string, seed int) {
	paths := []string{"/checksum?n=100", "/windows?n=8000", "/report?n=256"}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := seed; ; i++ {
		resp, err := client.Get("http://" + addr + paths[i%len(paths)])
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func intParam(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil && v > 0 && v < 1e6 {
		return v
	}
	return def
}

// labeled runs f under pprof labels, so profiles carry per-endpoint labels.
func labeled(r *http.Request, endpoint string, f func()) {
	requests.Add(1)
	pprof.Do(r.Context(), pprof.Labels("endpoint", endpoint), func(context.Context) { f() })
}

func handleChecksum(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 20)
	var h uint64
	labeled(r, "checksum", func() { h = work.Checksums(n) })
	fmt.Fprintf(w, "%x\n", h)
}

func handleWindows(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 1000)
	var sum float64
	labeled(r, "windows", func() { sum = work.Windows(n) })
	fmt.Fprintf(w, "%g\n", sum)
}

func handleReport(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 20)
	var out []byte
	labeled(r, "report", func() { out = work.Report(n) })
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}
