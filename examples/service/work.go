package main

// The hot code: an expression tree evaluated through an interface (PGO
// devirtualizes and inlines the hot implementations) and a tokenizer with a
// hash (PGO inlines the hot helpers past the default budget).

import "math"

// Expr is a node of an arithmetic expression.
type Expr interface {
	Eval(env []float64) float64
}

type Const float64
type Var int
type Add struct{ L, R Expr }
type Mul struct{ L, R Expr }
type Sub struct{ L, R Expr }
type Div struct{ L, R Expr }

func (c Const) Eval(env []float64) float64 { return float64(c) }
func (v Var) Eval(env []float64) float64   { return env[int(v)%len(env)] }
func (a Add) Eval(env []float64) float64   { return a.L.Eval(env) + a.R.Eval(env) }
func (m Mul) Eval(env []float64) float64   { return m.L.Eval(env) * m.R.Eval(env) }
func (s Sub) Eval(env []float64) float64   { return s.L.Eval(env) - s.R.Eval(env) }
func (d Div) Eval(env []float64) float64 {
	r := d.R.Eval(env)
	if r == 0 {
		return math.Inf(1)
	}
	return d.L.Eval(env) / r
}

// buildTree makes a deterministic expression tree of the given depth.
func buildTree(depth int, seed uint32) Expr {
	if depth == 0 {
		if seed%3 == 0 {
			return Const(float64(seed%17) + 0.5)
		}
		return Var(seed % 8)
	}
	seed = seed*1664525 + 1013904223
	l := buildTree(depth-1, seed)
	r := buildTree(depth-1, seed>>3)
	switch (seed >> 7) % 4 {
	case 0:
		return Add{l, r}
	case 1:
		return Mul{l, r}
	case 2:
		return Sub{l, r}
	}
	return Div{l, Add{r, Const(1)}}
}

var exprTree = buildTree(10, 42)

// EvalWorkload evaluates the expression tree n times over changing inputs.
func EvalWorkload(n int) float64 {
	env := make([]float64, 8)
	var sum float64
	for i := 0; i < n; i++ {
		for j := range env {
			env[j] = float64(i+j) * 0.25
		}
		sum += exprTree.Eval(env)
	}
	return sum
}

const corpus = "the quick brown fox jumps over the lazy dog while profiles flow " +
	"through pipes into faster binaries built by the go compiler with pgo " +
	"hot call sites get inlined and indirect calls get devirtualized"

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// mix is an FNV-1a step followed by a small avalanche; big enough that the
// inliner skips it without a profile.
func mix(h uint64, c byte) uint64 {
	h ^= uint64(lower(c))
	h *= 1099511628211
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	if h&1 == 0 {
		h += 0x9e3779b97f4a7c15
	} else {
		h -= 0x632be59bd9b4e019
	}
	return h
}

// hashWord hashes one word.
func hashWord(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = mix(h, s[i])
	}
	return h
}

// WordsWorkload tokenizes the corpus n times and folds the word hashes.
func WordsWorkload(n int) uint64 {
	var acc uint64
	for k := 0; k < n; k++ {
		start := -1
		for i := 0; i <= len(corpus); i++ {
			if i < len(corpus) && isLetter(corpus[i]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				acc = acc*31 + hashWord(corpus[start:i])
				start = -1
			}
		}
	}
	return acc
}
