package imagemeta

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzLimits returns a Stripper with small limits so the fuzzer stays fast.
func fuzzLimits() Stripper {
	return Stripper{MaxBytes: 1 << 20, MaxPixels: 1 << 16}
}

// checkStripResult verifies the invariants of any Strip result.
func checkStripResult(t *testing.T, out []byte, ct string, err error) {
	t.Helper()
	if err != nil {
		if out != nil || ct != "" {
			t.Fatalf("error %v returned with %d bytes of output and type %q", err, len(out), ct)
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		return
	}
	// A stripped file must strip again to itself: nothing left to remove.
	again, ct2, err := fuzzLimits().Strip(out)
	if err != nil {
		t.Fatalf("stripped output does not strip again: %v", err)
	}
	if ct2 != ct {
		t.Fatalf("type changed from %s to %s", ct, ct2)
	}
	if ct != TypeJPEG && !bytes.Equal(again, out) {
		t.Fatal("stripping is not idempotent")
	}
}

func FuzzStripJPEG(f *testing.F) {
	_, in, _ := jpegWithMetadata(f, 1)
	_, rot, _ := jpegWithMetadata(f, 6)
	f.Add(in)
	f.Add(rot)
	f.Add(encodeJPEG(f, testImage(9, 7)))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ct, err := fuzzLimits().Strip(data)
		checkStripResult(t, out, ct, err)
		if err != nil || ct != TypeJPEG {
			return
		}
		segs, err := parseJPEG(out)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		for _, s := range segs {
			if s.marker == markerAPP1 || s.marker == 0xED || s.marker == markerCOM {
				t.Fatalf("output still has segment 0x%02X", s.marker)
			}
		}
	})
}

func FuzzStripPNG(f *testing.F) {
	_, in := pngWithMetadata(f)
	f.Add(in)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ct, err := fuzzLimits().Strip(data)
		checkStripResult(t, out, ct, err)
		if err == nil && ct == TypePNG {
			for _, typ := range pngChunkTypes(t, out) {
				if pngMetadataChunk(typ) {
					t.Fatalf("output still has %s", typ)
				}
			}
		}
	})
}

func FuzzStripWebP(f *testing.F) {
	in, _ := webpWithMetadata(f)
	f.Add(in)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ct, err := fuzzLimits().Strip(data)
		checkStripResult(t, out, ct, err)
		if err == nil && ct == TypeWebP {
			if got := int(uint32(out[4]) | uint32(out[5])<<8 | uint32(out[6])<<16 | uint32(out[7])<<24); got != len(out)-8 {
				t.Fatalf("RIFF size %d for %d bytes", got, len(out))
			}
		}
	})
}

func FuzzSniff(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s)
	}
	f.Add([]byte("\x00\x00\x00\x18ftypheic"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := Sniff(data)
		if (err == nil) == (ct == "") {
			t.Fatalf("Sniff = %q, %v: want exactly one of a type and an error", ct, err)
		}
		switch ct {
		case "", TypeJPEG, TypePNG, TypeWebP, TypeGIF:
		default:
			t.Fatalf("unexpected type %q", ct)
		}
		out, ct2, err := fuzzLimits().Strip(data)
		checkStripResult(t, out, ct2, err)
	})
}
