package imagemeta

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

// pngWithMetadata returns a PNG from the standard encoder and the same PNG
// with eXIf (GPS), tEXt, zTXt, iTXt (XMP) and tIME chunks after IHDR.
func pngWithMetadata(t testing.TB) (plain, withMeta []byte) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 17)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	plain = b.Bytes()
	ihdrEnd := len(pngSignature) + 12 + 13
	meta := [][]byte{
		pngChunk("eXIf", buildEXIF(1)),
		pngChunk("tEXt", []byte("Author\x00Anna Schmidt")),
		pngChunk("zTXt", []byte("Comment\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")),
		pngChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), xmpPacket...)),
		pngChunk("tIME", []byte{0x07, 0xE8, 3, 15, 14, 30, 0}),
	}
	withMeta = append([]byte{}, plain[:ihdrEnd]...)
	for _, c := range meta {
		withMeta = append(withMeta, c...)
	}
	withMeta = append(withMeta, plain[ihdrEnd:]...)
	return plain, withMeta
}

func TestStripPNG(t *testing.T) {
	plain, in := pngWithMetadata(t)
	out, ct, err := Strip(in)
	if err != nil {
		t.Fatal(err)
	}
	if ct != TypePNG {
		t.Errorf("content type %q", ct)
	}
	for _, typ := range pngChunkTypes(t, out) {
		if pngMetadataChunk(typ) {
			t.Errorf("output still has %s", typ)
		}
	}
	// The standard encoder writes no metadata, so removing the inserted
	// chunks must give back its output byte for byte.
	if !bytes.Equal(out, plain) {
		t.Errorf("output %v differs from the original %v", pngChunkTypes(t, out), pngChunkTypes(t, plain))
	}
	t.Run("exiftool", func(t *testing.T) {
		assertExiftoolSeesGPS(t, in, ".png")
		assertExiftoolClean(t, out, ".png")
	})
}

func TestStripPNGBadCRC(t *testing.T) {
	_, in := pngWithMetadata(t)
	bad := bytes.Clone(in)
	bad[len(pngSignature)+12+13+10] ^= 0xFF // inside the eXIf chunk data
	if out, _, err := Strip(bad); !errors.Is(err, ErrCorrupt) || out != nil {
		t.Errorf("corrupted chunk: out %d bytes, err %v; want nil and ErrCorrupt", len(out), err)
	}
}

// webpWithMetadata returns a VP8X WebP with EXIF (GPS) and XMP chunks, and
// the file Strip must produce.
func webpWithMetadata(t testing.TB) (in, want []byte) {
	t.Helper()
	const w, h = 7, 5
	vp8x := func(flags byte) []byte {
		return riffChunk("VP8X", []byte{flags, 0, 0, 0, w - 1, 0, 0, h - 1, 0, 0})
	}
	img := riffChunk("VP8L", vp8lSolid(w, h, 255, 200, 100, 50))
	in = riffFile(vp8x(0x10|vp8xFlagEXIF|vp8xFlagXMP), img,
		riffChunk("EXIF", buildEXIF(1)), riffChunk("XMP ", []byte(xmpPacket)))
	want = riffFile(vp8x(0x10), img)
	return in, want
}

func TestStripWebP(t *testing.T) {
	in, want := webpWithMetadata(t)
	out, ct, err := Strip(in)
	if err != nil {
		t.Fatal(err)
	}
	if ct != TypeWebP {
		t.Errorf("content type %q", ct)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output\n%q\nwant\n%q", out, want)
	}
	if bytes.Contains(out, []byte("EXIF")) || bytes.Contains(out, []byte("XMP ")) {
		t.Error("metadata chunk left")
	}
	a, err := webp.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatalf("the test's input does not decode: %v", err)
	}
	b, err := webp.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	if !sameRGBA(a, b) {
		t.Error("decoded pixels differ")
	}
	if r, g, bl, _ := b.At(3, 2).RGBA(); r>>8 != 200 || g>>8 != 100 || bl>>8 != 50 {
		t.Errorf("pixel = %d,%d,%d, want 200,100,50", r>>8, g>>8, bl>>8)
	}
	t.Run("exiftool", func(t *testing.T) {
		assertExiftoolSeesGPS(t, in, ".webp")
		assertExiftoolClean(t, out, ".webp")
	})
}

func TestStripWebPSimple(t *testing.T) {
	// A simple-format file (no VP8X) has no metadata and passes through.
	in := riffFile(riffChunk("VP8L", vp8lSolid(3, 3, 255, 1, 2, 3)))
	out, _, err := Strip(in)
	if err != nil || !bytes.Equal(out, in) {
		t.Errorf("simple WebP changed: err %v", err)
	}
}

// sameRGBA reports whether two images have the same bounds and colours.
func sameRGBA(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// gifWithMetadata returns an animated GIF from the standard encoder (which
// writes the NETSCAPE2.0 loop extension) and the same file with a comment
// and an XMP application extension inserted before the first frame.
func gifWithMetadata(t testing.TB) (plain, withMeta []byte) {
	t.Helper()
	pal := color.Palette{color.Black, color.White, color.RGBA{255, 0, 0, 255}}
	var frames []*image.Paletted
	for f := range 2 {
		img := image.NewPaletted(image.Rect(0, 0, 6, 4), pal)
		for i := range img.Pix {
			img.Pix[i] = uint8((i + f) % 3)
		}
		frames = append(frames, img)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: frames, Delay: []int{10, 10}, LoopCount: 0}); err != nil {
		t.Fatal(err)
	}
	plain = b.Bytes()
	at := bytes.Index(plain, []byte{gifExtension, gifAppExt, 11, 'N'})
	if at < 0 {
		t.Fatal("encoder wrote no NETSCAPE2.0 extension")
	}
	comment := append([]byte{gifExtension, gifComment, 14}, "Anna's holiday\x00"...)
	xmp := append([]byte{gifExtension, gifAppExt, 11}, "XMP DataXMP"...)
	for chunk := range slicesChunk([]byte(xmpPacket), 255) {
		xmp = append(append(xmp, byte(len(chunk))), chunk...)
	}
	xmp = append(xmp, 0)
	withMeta = append(append(append(append([]byte{}, plain[:at]...), comment...), xmp...), plain[at:]...)
	return plain, withMeta
}

// slicesChunk yields consecutive pieces of b of at most n bytes.
func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

func TestStripGIF(t *testing.T) {
	plain, in := gifWithMetadata(t)
	out, ct, err := Strip(in)
	if err != nil {
		t.Fatal(err)
	}
	if ct != TypeGIF {
		t.Errorf("content type %q", ct)
	}
	if !bytes.Equal(out, plain) {
		t.Errorf("output (%d bytes) differs from the original (%d bytes)", len(out), len(plain))
	}
	g, err := gif.DecodeAll(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 2 || g.LoopCount != 0 {
		t.Errorf("frames %d, loop count %d; want 2 frames looping forever", len(g.Image), g.LoopCount)
	}
	t.Run("exiftool", func(t *testing.T) {
		tags := exiftoolTags(t, in, ".gif")
		if tags["File:Comment"] == nil && tags["GIF:Comment"] == nil {
			t.Fatalf("exiftool does not see the comment in the input: %v", tags)
		}
		for k := range exiftoolTags(t, out, ".gif") {
			if strings.HasSuffix(k, ":Comment") || strings.HasPrefix(k, "XMP:") {
				t.Errorf("exiftool still sees %s", k)
			}
		}
	})
}

func TestSniff(t *testing.T) {
	jpg := encodeJPEG(t, testImage(8, 8))
	pngPlain, _ := pngWithMetadata(t)
	gifPlain, _ := gifWithMetadata(t)
	webpIn, _ := webpWithMetadata(t)
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 32)...)
	avifLike := append([]byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif"), make([]byte, 32)...)
	tests := []struct {
		name    string
		data    []byte
		want    string
		wantErr error
		errHas  string
	}{
		{"jpeg", jpg, TypeJPEG, nil, ""},
		{"png", pngPlain, TypePNG, nil, ""},
		{"gif", gifPlain, TypeGIF, nil, ""},
		{"webp", webpIn, TypeWebP, nil, ""},
		{"heic", heic, "", ErrHEIF, "export the photo as JPEG"},
		{"mif1", avifLike, "", ErrHEIF, "not supported yet"},
		{"pdf", []byte("%PDF-1.7\n1 0 obj"), "", ErrUnsupported, "application/pdf"},
		{"text", []byte("hello, this is not an image"), "", ErrUnsupported, "text/plain"},
		{"bmp", []byte("BM\x00\x00\x00\x00\x00\x00\x00\x00"), "", ErrUnsupported, "image/bmp"},
		{"empty", nil, "", ErrUnsupported, "text/plain"},
		{"riff not webp", []byte("RIFF\x04\x00\x00\x00WAVE"), "", ErrUnsupported, "audio/wave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff(tt.data)
			if got != tt.want {
				t.Errorf("type %q, want %q", got, tt.want)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("err %v, want %v containing %q", err, tt.wantErr, tt.errHas)
			}
		})
	}
	if !errors.Is(ErrHEIF, ErrUnsupported) {
		t.Error("ErrHEIF must wrap ErrUnsupported")
	}
}

// samples returns one valid input with metadata per format.
func samples(t testing.TB) map[string][]byte {
	_, jpg, _ := jpegWithMetadata(t, 1)
	_, jpgRot, _ := jpegWithMetadata(t, 8)
	_, pngIn := pngWithMetadata(t)
	webpIn, _ := webpWithMetadata(t)
	_, gifIn := gifWithMetadata(t)
	return map[string][]byte{"jpeg": jpg, "jpeg-rotated": jpgRot, "png": pngIn, "webp": webpIn, "gif": gifIn}
}

func TestStripTruncated(t *testing.T) {
	for name, data := range samples(t) {
		if _, _, err := Strip(data); err != nil {
			t.Fatalf("%s: full file fails: %v", name, err)
		}
		for n := 0; n < len(data); n++ {
			out, _, err := Strip(data[:n])
			if err == nil || out != nil {
				t.Fatalf("%s truncated to %d of %d bytes: out %d bytes, err %v; want an error and no output",
					name, n, len(data), len(out), err)
			}
		}
	}
}

func TestStripDoesNotModifyInput(t *testing.T) {
	for name, data := range samples(t) {
		before := bytes.Clone(data)
		if _, _, err := Strip(data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, data) {
			t.Errorf("%s: Strip modified its input", name)
		}
	}
}

// photoJPEG returns a camera-sized JPEG with an EXIF segment carrying the
// given orientation.
func photoJPEG(b *testing.B, w, h int, orientation uint16) []byte {
	plain := encodeJPEG(b, testImage(w, h))
	exif := jpegSeg(markerAPP1, append([]byte("Exif\x00\x00"), buildEXIF(orientation)...))
	return append(append(append([]byte{}, plain[:2]...), exif...), plain[2:]...)
}

func BenchmarkStripJPEG(b *testing.B) {
	data := photoJPEG(b, 1600, 1200, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Strip(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStripJPEGRotate(b *testing.B) {
	data := photoJPEG(b, 1600, 1200, 6)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Strip(data); err != nil {
			b.Fatal(err)
		}
	}
}
