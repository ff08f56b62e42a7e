// tokenserver: the Bearer token endpoint of the Docker registry token
// protocol, for img-push's tests. It checks Basic credentials from -users,
// grants the requested repository scopes to known users (nothing to anonymous
// ones, or pull only with -anon-pull) and signs RS256 JWTs whose x5c header
// carries the certificate the registry's rootcertbundle trusts. It logs every
// request (scopes, user) to stderr so tests can check what was asked for.
// Hostile modes for the client's bounds: -inject appends CR LF and a header
// line to every token, -endless answers with a body that never ends.
package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the bound address here")
	keyFile := flag.String("key", "key.pem", "RSA private key (PEM)")
	certFile := flag.String("cert", "cert.pem", "certificate (PEM)")
	issuer := flag.String("issuer", "test-issuer", "iss claim")
	users := flag.String("users", "", "user:password,... allowed to push and pull")
	anonPull := flag.Bool("anon-pull", false, "grant pull to anonymous requests")
	inject := flag.String("inject", "", "append \\r\\n and this header line to tokens")
	endless := flag.Bool("endless", false, "answer with a body that never ends")
	flag.Parse()

	key, certDER := load(*keyFile, *certFile)
	creds := map[string]string{}
	for _, up := range strings.Split(*users, ",") {
		if u, p, ok := strings.Cut(up, ":"); ok {
			creds[u] = p
		}
	}
	http.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		user, pass, hasAuth := r.BasicAuth()
		if hasAuth && creds[user] != pass {
			log.Printf("token: user=%s rejected", user)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid username or password"}]}`)
			return
		}
		if !hasAuth {
			user = ""
		}
		var grants []access
		for _, s := range q["scope"] {
			parts := strings.Split(s, ":")
			if len(parts) != 3 {
				continue
			}
			var acts []string
			for _, a := range strings.Split(parts[2], ",") {
				if user != "" || (*anonPull && a == "pull") {
					acts = append(acts, a)
				}
			}
			grants = append(grants, access{parts[0], parts[1], acts})
		}
		log.Printf("token: user=%q service=%q scopes=%q", user, q.Get("service"), q["scope"])
		tok := sign(key, certDER, *issuer, q.Get("service"), user, grants)
		if *inject != "" {
			tok += "\r\n" + *inject
		}
		w.Header().Set("Content-Type", "application/json")
		if *endless {
			buf := []byte(strings.Repeat(" ", 64<<10))
			w.Write([]byte(`{"token":"x",`))
			for {
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_in": 300,
			"issued_at": time.Now().UTC().Format(time.RFC3339)})
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		os.WriteFile(*addrFile+".tmp", []byte(ln.Addr().String()), 0o644)
		os.Rename(*addrFile+".tmp", *addrFile)
	}
	log.Fatal(http.Serve(ln, nil))
}

func load(keyFile, certFile string) (*rsa.PrivateKey, []byte) {
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		log.Fatal(err)
	}
	kp, _ := pem.Decode(kb)
	if kp == nil {
		log.Fatal("no PEM key")
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(kp.Bytes); err == nil {
		key = k.(*rsa.PrivateKey)
	} else if key, err = x509.ParsePKCS1PrivateKey(kp.Bytes); err != nil {
		log.Fatal(err)
	}
	cb, err := os.ReadFile(certFile)
	if err != nil {
		log.Fatal(err)
	}
	cp, _ := pem.Decode(cb)
	if cp == nil {
		log.Fatal("no PEM certificate")
	}
	return key, cp.Bytes
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sign(key *rsa.PrivateKey, cert []byte, iss, aud, sub string, grants []access) string {
	hdr, _ := json.Marshal(map[string]any{"typ": "JWT", "alg": "RS256",
		"x5c": []string{base64.StdEncoding.EncodeToString(cert)}})
	now := time.Now().Unix()
	jti := make([]byte, 8)
	rand.Read(jti)
	if grants == nil {
		grants = []access{}
	}
	claims, _ := json.Marshal(map[string]any{"iss": iss, "aud": aud, "sub": sub,
		"exp": now + 300, "nbf": now - 10, "iat": now, "jti": hex.EncodeToString(jti),
		"access": grants})
	input := b64(hdr) + "." + b64(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		log.Fatal(err)
	}
	return input + "." + b64(sig)
}
