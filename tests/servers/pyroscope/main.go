// Command pyroscope is a test server implementing the part of Grafana
// Pyroscope that pprof-fetch uses, written to shared/reference/pyroscope.md
// (not to our client): Connect RPC SelectMergeProfile over HTTP with a
// protobuf request decoded and checked field by field, a real Go CPU profile
// reshaped the way Pyroscope exports it (one sample type, period 0,
// time_nanos = end, stacks trimmed by the GoPGO selector), the 24h
// max_query_length limit with the real error body, tenant and auth checks.
// With -legacy it is a pyroscope 0.x server instead: /api/apps and
// /render?format=pprof, whose export is unusable for PGO.
//
// Every request is appended to -log as one JSON line (never a secret), so
// tests can check what the client sent.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

const selectPath = "/querier.v1.QuerierService/SelectMergeProfile"

var (
	goProfile []byte // the raw runtime CPU profile the answers are made from
	service   string
	tenant    string
	token     string
	basic     string
	logMu     sync.Mutex
	logFile   *os.File
	delay     time.Duration
)

// ---- protobuf wire format ----

type field struct {
	num int
	wt  int    // 0 varint, 1 fixed64, 2 bytes, 5 fixed32
	v   uint64 // varint / fixed value
	b   []byte // bytes
}

func varint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("bad varint")
}

func parse(b []byte) ([]field, error) {
	var fs []field
	for len(b) > 0 {
		tag, n, err := varint(b)
		if err != nil {
			return nil, err
		}
		b = b[n:]
		f := field{num: int(tag >> 3), wt: int(tag & 7)}
		if f.num == 0 {
			return nil, errors.New("field number 0")
		}
		switch f.wt {
		case 0:
			f.v, n, err = varint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errors.New("truncated fixed64")
			}
			for i := 7; i >= 0; i-- {
				f.v = f.v<<8 | uint64(b[i])
			}
			b = b[8:]
		case 2:
			l, n, err := varint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
			if uint64(len(b)) < l {
				return nil, errors.New("truncated length-delimited field")
			}
			f.b = b[:l]
			b = b[l:]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("truncated fixed32")
			}
			f.v = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
			b = b[4:]
		default:
			return nil, fmt.Errorf("wire type %d", f.wt)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func putVarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

func putField(dst []byte, f field) []byte {
	dst = putVarint(dst, uint64(f.num)<<3|uint64(f.wt))
	switch f.wt {
	case 0:
		dst = putVarint(dst, f.v)
	case 1:
		for i := 0; i < 8; i++ {
			dst = append(dst, byte(f.v>>(8*i)))
		}
	case 2:
		dst = putVarint(dst, uint64(len(f.b)))
		dst = append(dst, f.b...)
	case 5:
		for i := 0; i < 4; i++ {
			dst = append(dst, byte(f.v>>(8*i)))
		}
	}
	return dst
}

func putUint(dst []byte, num int, v uint64) []byte {
	return putField(dst, field{num: num, wt: 0, v: v})
}

func putBytes(dst []byte, num int, b []byte) []byte {
	return putField(dst, field{num: num, wt: 2, b: b})
}

// repeatedUint reads a repeated scalar that may be packed or not.
func repeatedUint(fs []field, num int) ([]uint64, error) {
	var out []uint64
	for _, f := range fs {
		if f.num != num {
			continue
		}
		if f.wt == 0 {
			out = append(out, f.v)
			continue
		}
		b := f.b
		for len(b) > 0 {
			v, n, err := varint(b)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			b = b[n:]
		}
	}
	return out, nil
}

func packed(num int, vs []uint64) field {
	var b []byte
	for _, v := range vs {
		b = putVarint(b, v)
	}
	return field{num: num, wt: 2, b: b}
}

// ---- the request ----

type request struct {
	ProfileTypeID    string `json:"profile_typeID"`
	LabelSelector    string `json:"label_selector"`
	Start            int64  `json:"start"`
	End              int64  `json:"end"`
	MaxNodes         *int64 `json:"max_nodes,omitempty"`
	HasSelector      bool   `json:"stack_trace_selector"`
	KeepLocations    *int64 `json:"keep_locations,omitempty"`
	AggregateCallees *bool  `json:"aggregate_callees,omitempty"`
	// What came with it, for the tests.
	ContentType    string `json:"content_type"`
	ConnectVersion string `json:"connect_protocol_version"`
	Tenant         string `json:"tenant"`
	Auth           string `json:"auth"`
	AcceptsGzip    bool   `json:"accept_gzip"`
	Path           string `json:"path"`
	Status         int    `json:"status"`
	Error          string `json:"error,omitempty"`
	Samples        int    `json:"samples"`
	// The names of every header received (never their values), so that
	// a test can see no header was injected.
	Headers []string `json:"headers"`
}

func wantWire(f field, wt int, name string) error {
	if f.wt != wt {
		return fmt.Errorf("%s: wire type %d, want %d", name, f.wt, wt)
	}
	return nil
}

func decodeRequest(b []byte, rq *request) error {
	fs, err := parse(b)
	if err != nil {
		return err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			if err := wantWire(f, 2, "profile_typeID"); err != nil {
				return err
			}
			rq.ProfileTypeID = string(f.b)
		case 2:
			if err := wantWire(f, 2, "label_selector"); err != nil {
				return err
			}
			rq.LabelSelector = string(f.b)
		case 3:
			if err := wantWire(f, 0, "start"); err != nil {
				return err
			}
			rq.Start = int64(f.v)
		case 4:
			if err := wantWire(f, 0, "end"); err != nil {
				return err
			}
			rq.End = int64(f.v)
		case 5:
			if err := wantWire(f, 0, "max_nodes"); err != nil {
				return err
			}
			v := int64(f.v)
			rq.MaxNodes = &v
		case 6:
			if err := wantWire(f, 2, "stack_trace_selector"); err != nil {
				return err
			}
			rq.HasSelector = true
			sel, err := parse(f.b)
			if err != nil {
				return fmt.Errorf("stack_trace_selector: %v", err)
			}
			for _, s := range sel {
				if s.num != 2 {
					continue // call_site and unknown fields
				}
				if err := wantWire(s, 2, "go_pgo"); err != nil {
					return err
				}
				pgo, err := parse(s.b)
				if err != nil {
					return fmt.Errorf("go_pgo: %v", err)
				}
				for _, p := range pgo {
					switch p.num {
					case 1:
						if err := wantWire(p, 0, "keep_locations"); err != nil {
							return err
						}
						v := int64(uint32(p.v))
						rq.KeepLocations = &v
					case 2:
						if err := wantWire(p, 0, "aggregate_callees"); err != nil {
							return err
						}
						v := p.v != 0
						rq.AggregateCallees = &v
					}
				}
			}
		}
	}
	return nil
}

var matcherRe = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$`)

// parseSelector reads {name="v", ...} into name -> (op, value).
func parseSelector(s string) (map[string][2]string, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("parse error: unexpected input %q, expected {", s)
	}
	out := map[string][2]string{}
	body := strings.TrimSpace(s[1 : len(s)-1])
	if body == "" {
		return out, nil
	}
	for _, part := range strings.Split(body, ",") {
		m := matcherRe.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("parse error: unexpected %q in label matcher", strings.TrimSpace(part))
		}
		out[m[1]] = [2]string{m[2], m[3]}
	}
	return out, nil
}

// ---- the answer ----

// export reshapes the runtime profile as Pyroscope's SelectMergeProfile
// answers it: only the requested sample type, period_type cpu/nanoseconds,
// period 0, time_nanos = end, no labels, stacks trimmed to keep leaf frames
// and identical stacks summed.
func export(valueIndex int, rq *request) ([]byte, int, error) {
	fs, err := parse(goProfile)
	if err != nil {
		return nil, 0, err
	}
	var out []byte
	var sampleTypes []field
	type agg struct {
		locs []uint64
		v    uint64
	}
	var order []string
	sums := map[string]*agg{}
	var strs []string
	for _, f := range fs {
		switch f.num {
		case 1:
			sampleTypes = append(sampleTypes, f)
		case 2:
			sf, err := parse(f.b)
			if err != nil {
				return nil, 0, err
			}
			locs, err := repeatedUint(sf, 1)
			if err != nil {
				return nil, 0, err
			}
			vals, err := repeatedUint(sf, 2)
			if err != nil {
				return nil, 0, err
			}
			if valueIndex >= len(vals) {
				return nil, 0, errors.New("sample without the value")
			}
			if rq.KeepLocations != nil && *rq.KeepLocations > 0 && int64(len(locs)) > *rq.KeepLocations {
				locs = locs[:*rq.KeepLocations]
			}
			key := fmt.Sprint(locs)
			a := sums[key]
			if a == nil {
				a = &agg{locs: locs}
				sums[key] = a
				order = append(order, key)
			}
			a.v += vals[valueIndex]
		case 6:
			strs = append(strs, string(f.b))
		}
	}
	if valueIndex >= len(sampleTypes) {
		return nil, 0, errors.New("profile has fewer sample types")
	}
	idx := func(s string) uint64 {
		for i, x := range strs {
			if x == s {
				return uint64(i)
			}
		}
		strs = append(strs, s)
		return uint64(len(strs) - 1)
	}
	out = putField(out, sampleTypes[valueIndex])
	n := 0
	for _, k := range order {
		a := sums[k]
		if a.v == 0 {
			continue
		}
		var s []byte
		s = putField(s, packed(1, a.locs))
		s = putField(s, packed(2, []uint64{a.v}))
		out = putBytes(out, 2, s)
		n++
	}
	for _, f := range fs {
		if f.num == 3 || f.num == 4 || f.num == 5 {
			out = putField(out, f)
		}
	}
	cpu, ns := idx("cpu"), idx("nanoseconds")
	for _, s := range strs {
		out = putBytes(out, 6, []byte(s))
	}
	out = putUint(out, 9, uint64(rq.End)*1e6)
	out = putUint(out, 10, uint64(rq.End-rq.Start)*1e6)
	var pt []byte
	pt = putUint(pt, 1, cpu)
	pt = putUint(pt, 2, ns)
	out = putBytes(out, 11, pt)
	return out, n, nil
}

// legacyExport is what pyroscope 0.x /render?format=pprof gave: one sample
// type without a name, functions without start_line, lines without numbers.
func legacyExport() ([]byte, error) {
	fs, err := parse(goProfile)
	if err != nil {
		return nil, err
	}
	var out []byte
	var strs []string
	for _, f := range fs {
		if f.num == 6 {
			strs = append(strs, string(f.b))
		}
	}
	samplesIdx := uint64(len(strs))
	strs = append(strs, "samples")
	var st []byte
	st = putUint(st, 1, 0)
	st = putUint(st, 2, samplesIdx)
	out = putBytes(out, 1, st)
	for _, f := range fs {
		switch f.num {
		case 2:
			sf, _ := parse(f.b)
			locs, _ := repeatedUint(sf, 1)
			vals, _ := repeatedUint(sf, 2)
			var s []byte
			s = putField(s, packed(1, locs))
			s = putField(s, packed(2, vals[:1]))
			out = putBytes(out, 2, s)
		case 3:
			out = putField(out, f)
		case 4:
			lf, _ := parse(f.b)
			var l []byte
			for _, x := range lf {
				if x.num == 4 { // Line: drop the line number
					inner, _ := parse(x.b)
					var ln []byte
					for _, y := range inner {
						if y.num != 2 {
							ln = putField(ln, y)
						}
					}
					x.b = ln
				}
				l = putField(l, x)
			}
			out = putBytes(out, 4, l)
		case 5:
			ff, _ := parse(f.b)
			var fn []byte
			for _, x := range ff {
				if x.num != 5 {
					fn = putField(fn, x)
				}
			}
			out = putBytes(out, 5, fn)
		}
	}
	for _, s := range strs {
		out = putBytes(out, 6, []byte(s))
	}
	return out, nil
}

// ---- HTTP ----

func logRequest(rq *request) {
	if logFile == nil {
		return
	}
	b, _ := json.Marshal(rq)
	logMu.Lock()
	logFile.Write(append(b, '\n'))
	logMu.Unlock()
}

func connectError(w http.ResponseWriter, rq *request, status int, code, msg string) {
	rq.Status, rq.Error = status, msg
	logRequest(rq)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}

func authOK(r *http.Request, rq *request) bool {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Bearer "):
		rq.Auth = "bearer"
	case strings.HasPrefix(h, "Basic "):
		rq.Auth = "basic"
	}
	if token != "" && h != "Bearer "+token {
		return false
	}
	if basic != "" {
		u, p, ok := r.BasicAuth()
		return ok && u+":"+p == basic
	}
	return true
}

func selectMergeProfile(w http.ResponseWriter, r *http.Request) {
	rq := &request{
		ContentType:    r.Header.Get("Content-Type"),
		ConnectVersion: r.Header.Get("Connect-Protocol-Version"),
		Tenant:         r.Header.Get("X-Scope-OrgID"),
		AcceptsGzip:    strings.Contains(r.Header.Get("Accept-Encoding"), "gzip"),
		Path:           r.URL.Path,
	}
	for k := range r.Header {
		rq.Headers = append(rq.Headers, k)
	}
	sort.Strings(rq.Headers)
	if r.Method != http.MethodPost {
		rq.Status = 405
		logRequest(rq)
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// connect-go answers an unknown codec with 415 and no body.
	if rq.ContentType != "application/proto" {
		rq.Status = 415
		logRequest(rq)
		w.Header().Set("Accept-Post", "application/json, application/proto")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	if v := rq.ConnectVersion; v != "" && v != "1" {
		connectError(w, rq, 400, "invalid_argument", fmt.Sprintf("connect-protocol-version must be \"1\": got %q", v))
		return
	}
	if !authOK(r, rq) {
		connectError(w, rq, 401, "unauthenticated", "invalid credentials")
		return
	}
	if tenant != "" && rq.Tenant == "" {
		connectError(w, rq, 401, "unauthenticated", "no org id")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if err := decodeRequest(body, rq); err != nil {
		connectError(w, rq, 400, "invalid_argument", "unmarshal into *v1.SelectMergeProfileRequest: "+err.Error())
		return
	}
	parts := strings.Split(rq.ProfileTypeID, ":")
	if len(parts) != 5 {
		connectError(w, rq, 400, "invalid_argument", fmt.Sprintf("profile-type selection must be of the form <name>:<sample-type>:<sample-unit>:<period-type>:<period-unit>(optional), got(%d): %q", len(parts), rq.ProfileTypeID))
		return
	}
	matchers, err := parseSelector(rq.LabelSelector)
	if err != nil {
		connectError(w, rq, 400, "invalid_argument", err.Error())
		return
	}
	if rq.Start == 0 || rq.End == 0 {
		connectError(w, rq, 400, "invalid_argument", "start and end are required")
		return
	}
	if rq.End < rq.Start {
		connectError(w, rq, 400, "invalid_argument", "end must be after start")
		return
	}
	if d := time.Duration(rq.End-rq.Start) * time.Millisecond; d > 24*time.Hour {
		connectError(w, rq, 400, "invalid_argument", fmt.Sprintf(
			"the query time range exceeds the limit (max_query_length, actual: %s, limit: %s)", d, 24*time.Hour))
		return
	}

	// Which data matches: our one service's CPU profile, no older than 7 days.
	valueIndex := -1
	switch rq.ProfileTypeID {
	case "process_cpu:cpu:nanoseconds:cpu:nanoseconds":
		valueIndex = 1
	case "process_cpu:samples:count:cpu:nanoseconds":
		valueIndex = 0
	}
	if m, ok := matchers["service_name"]; ok {
		switch m[0] {
		case "=":
			if m[1] != service {
				valueIndex = -1
			}
		case "!=":
			if m[1] == service {
				valueIndex = -1
			}
		case "=~":
			if re, err := regexp.Compile("^(?:" + m[1] + ")$"); err != nil || !re.MatchString(service) {
				valueIndex = -1
			}
		}
	}
	if rq.End < time.Now().Add(-7*24*time.Hour).UnixMilli() {
		valueIndex = -1
	}
	var out []byte
	if valueIndex >= 0 {
		out, rq.Samples, err = export(valueIndex, rq)
		if err != nil {
			connectError(w, rq, 500, "internal", err.Error())
			return
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	rq.Status = 200
	logRequest(rq)
	w.Header().Set("Content-Type", "application/proto")
	if rq.AcceptsGzip && len(out) > 0 {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(out)
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		out = zb.Bytes()
	}
	w.Write(out)
}

func legacyHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/apps":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode([]map[string]any{{"name": service + ".cpu", "spyName": "gospy", "sampleRate": 100, "units": "samples"}})
	case "/render":
		if r.URL.Query().Get("format") != "pprof" {
			http.Error(w, "format must be pprof here", 400)
			return
		}
		b, err := legacyExport()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

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

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the listening address here")
	profile := flag.String("profile", "", "Go CPU profile (gzip) to serve; default: record one")
	logPath := flag.String("log", "", "append each request as a JSON line here")
	legacy := flag.Bool("legacy", false, "be a pyroscope 0.x server (/render, /api/apps)")
	flag.DurationVar(&delay, "delay", 0, "answer SelectMergeProfile after this long")
	flag.StringVar(&service, "service", "checkout", "the service_name that has data")
	flag.StringVar(&tenant, "tenant", "", "require an X-Scope-OrgID header")
	flag.StringVar(&token, "token", os.Getenv("PYRO_TOKEN"), "require this bearer token")
	flag.StringVar(&basic, "basic", os.Getenv("PYRO_BASIC"), "require this user:password")
	flag.Parse()

	var gz []byte
	if *profile != "" {
		b, err := os.ReadFile(*profile)
		if err != nil {
			log.Fatal(err)
		}
		gz = b
	} else {
		gz = cpuProfile(300 * time.Millisecond)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		log.Fatal(err)
	}
	if goProfile, err = io.ReadAll(zr); err != nil {
		log.Fatal(err)
	}
	if *logPath != "" {
		if logFile, err = os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile+".tmp", []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(*addrFile+".tmp", *addrFile); err != nil {
			log.Fatal(err)
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *legacy {
			legacyHandler(w, r)
			return
		}
		// Also behind a Grafana data-source proxy prefix.
		if strings.HasSuffix(r.URL.Path, selectPath) {
			selectMergeProfile(w, r)
			return
		}
		http.NotFound(w, r)
	})
	log.Fatal(http.Serve(ln, h))
}
