package wordvec

import (
	"math"
	"strings"
	"testing"
)

func cosine(t *testing.T, tb *Table, a, b string) float64 {
	t.Helper()
	qa, qb := make([]int32, tb.Dims()), make([]int32, tb.Dims())
	if !tb.Add(qa, a) || !tb.Add(qb, b) {
		t.Fatalf("%q or %q missing from the table", a, b)
	}
	va, vb := make([]float64, tb.Dims()), make([]float64, tb.Dims())
	tb.Scale(va, qa)
	tb.Scale(vb, qb)
	var dot, na, nb float64
	for d := range va {
		dot += va[d] * vb[d]
		na += va[d] * va[d]
		nb += vb[d] * vb[d]
	}
	return dot / math.Sqrt(na*nb)
}

// TestEmbeddedTable checks the embedded table: its size, that vectors are
// at unit length after quantisation, and that it carries meaning (words
// used alike are closer than unrelated words).
func TestEmbeddedTable(t *testing.T) {
	tb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 97415 || tb.Dims() != 100 {
		t.Fatalf("table has %d words of %d dimensions, want 97415 of 100", tb.Len(), tb.Dims())
	}
	q, v := make([]int32, 100), make([]float64, 100)
	tb.Add(q, "printer")
	tb.Scale(v, q)
	var n float64
	for _, x := range v {
		n += x * x
	}
	if math.Abs(math.Sqrt(n)-1) > 0.02 {
		t.Fatalf("|printer| = %.4f, want 1", math.Sqrt(n))
	}
	for _, c := range [][3]string{
		{"crashed", "crash", "banana"},
		{"vpn", "login", "giraffe"},
		{"laptop", "computer", "river"},
		{"terrible", "awful", "wednesday"},
		{"password", "login", "cheese"},
	} {
		near, far := cosine(t, tb, c[0], c[1]), cosine(t, tb, c[0], c[2])
		if near <= far+0.1 {
			t.Errorf("cos(%s, %s) = %.3f not clearly above cos(%s, %s) = %.3f", c[0], c[1], near, c[0], c[2], far)
		}
	}
	if tb.Add(q, "Printer") || tb.Add(q, "don't") || tb.Add(q, "1999") {
		t.Fatal("table holds an entry the tokeniser never produces")
	}
	if tb.ID() == 0 {
		t.Fatal("table has no identity")
	}
}

func TestEncodeDecode(t *testing.T) {
	words := []string{"alpha", "beta"}
	scales := []float32{0.5, 0.25}
	q := []int8{1, -2, 127, -127}
	data, err := Encode(words, 2, scales, q)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	sum, out := make([]int32, 2), make([]float64, 2)
	if !tb.Add(sum, "alpha") || !tb.Add(sum, "beta") || tb.Add(sum, "gamma") {
		t.Fatal("lookup wrong")
	}
	tb.Scale(out, sum)
	if out[0] != 64 || out[1] != -129*0.25 {
		t.Fatalf("sum %v, want [64 -32.25]", out)
	}
	if _, err := Encode(words, 3, scales, q); err == nil {
		t.Fatal("mismatched sizes encoded")
	}
	if _, err := Encode([]string{"", "b"}, 2, scales, q); err == nil {
		t.Fatal("empty word encoded")
	}
	// Every truncation and a wrong version are errors, never a panic.
	for n := range len(data) {
		if _, err := Decode(data[:n]); err == nil {
			t.Fatalf("truncated table (%d of %d bytes) accepted", n, len(data))
		}
	}
	bad := append([]byte(nil), data...)
	bad[4] = version + 1
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("wrong version: %v", err)
	}
	if _, err := Decode(append(data, 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	other, _ := Encode(words, 2, scales, []int8{1, -2, 127, -126})
	tb2, _ := Decode(other)
	if tb2.ID() == tb.ID() {
		t.Fatal("different tables share an identity")
	}
}
