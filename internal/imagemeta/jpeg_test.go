package imagemeta

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"
)

// jpegWithMetadata returns a JPEG built by the standard encoder, the same
// JPEG with metadata segments inserted after SOI, and the bytes Strip must
// produce (the kept JFIF, ICC and Adobe segments followed by the
// original).
func jpegWithMetadata(t testing.TB, orientation uint16) (plain, withMeta, want []byte) {
	t.Helper()
	plain = encodeJPEG(t, testImage(40, 24))
	jfif := jpegSeg(markerAPP0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	icc := jpegSeg(markerAPP2, append([]byte("ICC_PROFILE\x00\x01\x01"), iccProfile()...))
	exif := jpegSeg(markerAPP1, append([]byte("Exif\x00\x00"), buildEXIF(orientation)...))
	xmp := jpegSeg(markerAPP1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket...))
	iptc := jpegSeg(0xED, append([]byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0b"), "\x1c\x02\x50\x00\x04Anna"...))
	ducky := jpegSeg(0xEC, []byte("Ducky\x00\x01\x00\x04\x00\x00\x00\x50"))
	com := jpegSeg(markerCOM, []byte("taken at home, 12 Rue de Rivoli"))
	mpf := jpegSeg(markerAPP2, []byte("MPF\x00II*\x00"))
	adobe := jpegSeg(markerAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))

	withMeta = append([]byte{}, plain[:2]...)
	for _, s := range [][]byte{jfif, exif, xmp, icc, mpf, iptc, ducky, com, adobe} {
		withMeta = append(withMeta, s...)
	}
	withMeta = append(withMeta, plain[2:]...)
	want = append(append(append(append([]byte{}, plain[:2]...), jfif...), icc...), adobe...)
	want = append(want, plain[2:]...)
	return plain, withMeta, want
}

// scanData returns the bytes from the first SOS marker to the end.
func scanData(t *testing.T, data []byte) []byte {
	t.Helper()
	segs, err := parseJPEG(data)
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for _, s := range segs {
		if s.marker == markerSOS {
			return data[off:]
		}
		off += len(s.raw)
	}
	t.Fatal("no SOS segment")
	return nil
}

func TestStripJPEG(t *testing.T) {
	plain, in, want := jpegWithMetadata(t, 1)
	out, ct, err := Strip(in)
	if err != nil {
		t.Fatal(err)
	}
	if ct != TypeJPEG {
		t.Errorf("content type %q", ct)
	}
	segs, err := parseJPEG(out)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	var markers []byte
	for _, s := range segs {
		markers = append(markers, s.marker)
		switch s.marker {
		case markerAPP1, 0xED, 0xEC, markerCOM:
			t.Errorf("output still has segment 0x%02X", s.marker)
		}
	}
	if !bytes.Contains(out, []byte("ICC_PROFILE\x00")) || !bytes.Contains(out, []byte("JFIF\x00")) {
		t.Errorf("ICC profile or JFIF segment lost; markers %X", markers)
	}
	if bytes.Contains(out, []byte("MPF\x00")) {
		t.Error("MPF segment kept")
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output differs from the expected segment list (%d vs %d bytes)", len(out), len(want))
	}
	if !bytes.Equal(scanData(t, out), scanData(t, in)) {
		t.Error("scan data changed")
	}
	a, err := jpeg.Decode(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	ya, yb := a.(*image.YCbCr), b.(*image.YCbCr)
	if !bytes.Equal(ya.Y, yb.Y) || !bytes.Equal(ya.Cb, yb.Cb) || !bytes.Equal(ya.Cr, yb.Cr) {
		t.Error("decoded pixels differ")
	}

	t.Run("exiftool", func(t *testing.T) {
		assertExiftoolSeesGPS(t, in, ".jpg")
		assertExiftoolClean(t, out, ".jpg")
	})
}

func TestStripJPEGOrientation(t *testing.T) {
	const w, h = 64, 32
	src := testImage(w, h)
	plain := encodeJPEG(t, src)
	exif := jpegSeg(markerAPP1, append([]byte("Exif\x00\x00"), buildEXIF(6)...))
	icc := jpegSeg(markerAPP2, append([]byte("ICC_PROFILE\x00\x01\x01"), iccProfile()...))
	in := append(append(append(append([]byte{}, plain[:2]...), exif...), icc...), plain[2:]...)

	out, _, err := Strip(in)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := parseJPEG(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.marker == markerAPP1 {
			t.Error("output still has APP1")
		}
	}
	if !bytes.Contains(out, icc) {
		t.Error("ICC profile not carried over")
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != h || b.Dy() != w {
		t.Fatalf("size %dx%d, want %dx%d (width and height swapped)", b.Dx(), b.Dy(), h, w)
	}
	// Rotating 90° clockwise moves the input's left half to the top,
	// its top-left (green) quadrant to the top right.
	checks := []struct {
		x, y    int
		r, g, b uint32
		name    string
	}{
		{24, 16, 0, 200, 0, "green top right"},
		{6, 16, 220, 0, 0, "red top left"},
		{16, 48, 0, 0, 220, "blue bottom"},
	}
	for _, c := range checks {
		r, g, b, _ := img.At(c.x, c.y).RGBA()
		if !near(r>>8, c.r) || !near(g>>8, c.g) || !near(b>>8, c.b) {
			t.Errorf("%s at (%d,%d) = %d,%d,%d, want about %d,%d,%d", c.name, c.x, c.y, r>>8, g>>8, b>>8, c.r, c.g, c.b)
		}
	}
	t.Run("exiftool", func(t *testing.T) {
		tags := exiftoolTags(t, in, ".jpg")
		if v, ok := tags["EXIF:Orientation"]; !ok || v != float64(6) {
			t.Fatalf("exiftool reads input orientation %v, want 6", v)
		}
		assertExiftoolClean(t, out, ".jpg")
	})
}

// near reports whether two 8-bit channel values are within JPEG error.
func near(a, b uint32) bool {
	d := int(a) - int(b)
	return d > -40 && d < 40
}

func TestApplyOrientation(t *testing.T) {
	// A 3x2 image with a distinct value in every pixel.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		src.Pix[4*i] = uint8(i + 1)
		src.Pix[4*i+3] = 255
	}
	// Expected layouts, row by row, of the red channel.
	tests := []struct {
		o    int
		w, h int
		want []uint8
	}{
		{1, 3, 2, []uint8{1, 2, 3, 4, 5, 6}},
		{2, 3, 2, []uint8{3, 2, 1, 6, 5, 4}},
		{3, 3, 2, []uint8{6, 5, 4, 3, 2, 1}},
		{4, 3, 2, []uint8{4, 5, 6, 1, 2, 3}},
		{5, 2, 3, []uint8{1, 4, 2, 5, 3, 6}},
		{6, 2, 3, []uint8{4, 1, 5, 2, 6, 3}},
		{7, 2, 3, []uint8{6, 3, 5, 2, 4, 1}},
		{8, 2, 3, []uint8{3, 6, 2, 5, 1, 4}},
	}
	for _, tt := range tests {
		got := applyOrientation(src, tt.o).(*image.RGBA)
		if got.Bounds().Dx() != tt.w || got.Bounds().Dy() != tt.h {
			t.Errorf("orientation %d: size %v", tt.o, got.Bounds())
			continue
		}
		var reds []uint8
		for i := 0; i < len(got.Pix); i += 4 {
			reds = append(reds, got.Pix[i])
		}
		if !bytes.Equal(reds, tt.want) {
			t.Errorf("orientation %d: %v, want %v", tt.o, reds, tt.want)
		}
	}
}

func TestExifOrientation(t *testing.T) {
	for o := uint16(1); o <= 8; o++ {
		if got := exifOrientation(buildEXIF(o)); got != int(o) {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
	bad := [][]byte{nil, []byte("II*\x00"), []byte("XX*\x00\x08\x00\x00\x00"), buildEXIF(9), buildEXIF(0)}
	for _, b := range bad {
		if got := exifOrientation(b); got != 1 {
			t.Errorf("exifOrientation(%q) = %d, want 1", b, got)
		}
	}
}

func TestStripJPEGLimits(t *testing.T) {
	_, in, _ := jpegWithMetadata(t, 6)
	if _, _, err := (Stripper{MaxBytes: 100}).Strip(in); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: err = %v, want ErrTooLarge", err)
	}
	if _, _, err := (Stripper{MaxPixels: 100}).Strip(in); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxPixels: err = %v, want ErrTooLarge", err)
	}
	if _, _, err := (Stripper{MaxPixels: 100}).Strip(encodeJPEG(t, testImage(40, 24))); err != nil {
		t.Errorf("MaxPixels must not apply when no decode is needed: %v", err)
	}
}
