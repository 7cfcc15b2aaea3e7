package imagemeta

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tiffEntry is one IFD entry for buildTIFF. Values longer than four bytes
// are placed in the data area and referenced by offset.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

// buildEXIF returns a little-endian TIFF structure as found in an EXIF
// APP1 segment (after "Exif\0\0"): IFD0 with Orientation, Make and a
// GPSInfo pointer, and a GPS IFD with latitude and longitude.
func buildEXIF(orientation uint16) []byte {
	le := binary.LittleEndian
	short := func(v uint16) []byte { b := make([]byte, 2); le.PutUint16(b, v); return b }
	rationals := func(vals ...uint32) []byte {
		var b []byte
		for _, v := range vals {
			b = le.AppendUint32(b, v)
		}
		return b
	}
	const (
		typeByte     = 1
		typeASCII    = 2
		typeShort    = 3
		typeLong     = 4
		typeRational = 5
	)
	ifd0 := []tiffEntry{
		{0x010F, typeASCII, 6, []byte("Canon\x00")}, // Make
		{0x0112, typeShort, 1, short(orientation)},  // Orientation
		{0x8825, typeLong, 1, nil},                  // GPSInfo, filled below
	}
	gps := []tiffEntry{
		{0x0000, typeByte, 4, []byte{2, 3, 0, 0}},                     // GPSVersionID
		{0x0001, typeASCII, 2, []byte("N\x00")},                       // GPSLatitudeRef
		{0x0002, typeRational, 3, rationals(48, 1, 51, 1, 2960, 100)}, // GPSLatitude
		{0x0003, typeASCII, 2, []byte("E\x00")},                       // GPSLongitudeRef
		{0x0004, typeRational, 3, rationals(2, 1, 17, 1, 4020, 100)},  // GPSLongitude
	}
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	dataSize := func(es []tiffEntry) int {
		n := 0
		for _, e := range es {
			if len(e.value) > 4 {
				n += len(e.value)
			}
		}
		return n
	}
	ifd0Off := 8
	gpsOff := ifd0Off + ifdSize(len(ifd0)) + dataSize(ifd0)
	ifd0[2].value = rationals(uint32(gpsOff))

	out := []byte("II")
	out = le.AppendUint16(out, 42)
	out = le.AppendUint32(out, uint32(ifd0Off))
	writeIFD := func(es []tiffEntry, off int) {
		data := off + ifdSize(len(es))
		out = le.AppendUint16(out, uint16(len(es)))
		var extra []byte
		for _, e := range es {
			out = le.AppendUint16(out, e.tag)
			out = le.AppendUint16(out, e.typ)
			out = le.AppendUint32(out, e.count)
			if len(e.value) > 4 {
				out = le.AppendUint32(out, uint32(data+len(extra)))
				extra = append(extra, e.value...)
			} else {
				v := make([]byte, 4)
				copy(v, e.value)
				out = append(out, v...)
			}
		}
		out = le.AppendUint32(out, 0) // no next IFD
		out = append(out, extra...)
	}
	writeIFD(ifd0, ifd0Off)
	writeIFD(gps, gpsOff)
	return out
}

// xmpPacket is an XMP packet carrying a GPS position and an author.
const xmpPacket = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
	`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
	`<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"` +
	` exif:GPSLatitude="48,51.4933N" exif:GPSLongitude="2,17.67E"><dc:creator><rdf:Seq><rdf:li>Anna Schmidt</rdf:li>` +
	`</rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

// iccProfile returns a minimal well-formed ICC profile: a 128-byte header
// and a tag table with only the media white point.
func iccProfile() []byte {
	be := binary.BigEndian
	p := make([]byte, 128, 164)
	be.PutUint32(p, 164)
	copy(p[12:], "mntrRGB XYZ ")
	copy(p[36:], "acsp")
	p = be.AppendUint32(p, 1)
	p = append(p, "wtpt"...)
	p = be.AppendUint32(p, 144)
	p = be.AppendUint32(p, 20)
	p = append(p, "XYZ \x00\x00\x00\x00"...)
	for _, v := range []uint32{0xF351, 0x10000, 0x116CC} { // D50
		p = be.AppendUint32(p, v)
	}
	return p
}

// jpegSeg builds a JPEG marker segment.
func jpegSeg(marker byte, payload []byte) []byte {
	b := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(payload)+2))
	return append(b, payload...)
}

// testImage returns a w×h image with distinct colours per region so
// that rotations and flips can be told apart: the left half is green on
// top and red below, the right half blue.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 220, 255}
			if x < w/2 {
				c = color.RGBA{220, 0, 0, 255}
				if y < h/2 {
					c = color.RGBA{0, 200, 0, 255}
				}
			}
			// A little texture so the scan data is not trivial.
			c.R += uint8((x * y) % 13)
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// encodeJPEG encodes img with the standard library encoder.
func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngChunk builds a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngChunkTypes lists the chunk types of a PNG file in order.
func pngChunkTypes(t testing.TB, data []byte) []string {
	t.Helper()
	var types []string
	for pos := len(pngSignature); pos+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[pos:]))
		types = append(types, string(data[pos+4:pos+8]))
		pos += 12 + n
	}
	return types
}

// bitWriter writes bits least significant first, as VP8L expects.
type bitWriter struct {
	buf   []byte
	nbits uint
}

func (w *bitWriter) write(v uint32, n uint) {
	for i := uint(0); i < n; i++ {
		if w.nbits%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 != 0 {
			w.buf[len(w.buf)-1] |= 1 << (w.nbits % 8)
		}
		w.nbits++
	}
}

// vp8lSolid returns a lossless VP8L bitstream of a w×h image filled with
// one ARGB colour: no transforms, no colour cache and five one-symbol
// prefix codes, so the pixels need no further bits.
func vp8lSolid(w, h int, a, r, g, b uint8) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1) // alpha used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{g, r, b, a, 0} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // eight-bit symbol
		bw.write(uint32(sym), 8)
	}
	return bw.buf
}

// riffChunk builds a RIFF chunk with its padding byte.
func riffChunk(fourcc string, data []byte) []byte {
	b := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// riffFile wraps chunks into a RIFF WEBP file.
func riffFile(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// exiftoolTags runs exiftool on data and returns its tags keyed
// "Group:Tag". It skips the test when exiftool is not installed.
func exiftoolTags(t *testing.T, data []byte, ext string) map[string]any {
	t.Helper()
	path, err := exec.LookPath("exiftool")
	if err != nil {
		t.Skip("exiftool not installed (Debian package libimage-exiftool-perl); skipping the independent metadata check")
	}
	file := filepath.Join(t.TempDir(), "img"+ext)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "-j", "-G", "-a", "-n", file).Output()
	if err != nil {
		t.Fatalf("exiftool: %v", err)
	}
	var res []map[string]any
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		t.Fatalf("exiftool output %q: %v", out, err)
	}
	return res[0]
}

// assertExiftoolSeesGPS checks that exiftool finds GPSLatitude in data,
// which proves the metadata check below can fail.
func assertExiftoolSeesGPS(t *testing.T, data []byte, ext string) {
	t.Helper()
	tags := exiftoolTags(t, data, ext)
	found := false
	for k := range tags {
		if strings.HasSuffix(k, ":GPSLatitude") {
			found = true
		}
	}
	if !found {
		t.Fatalf("exiftool does not see GPSLatitude in the input: %v", tags)
	}
}

// assertExiftoolClean checks that exiftool finds no GPS, EXIF, XMP or
// IPTC data in data.
func assertExiftoolClean(t *testing.T, data []byte, ext string) {
	t.Helper()
	for k, v := range exiftoolTags(t, data, ext) {
		if strings.Contains(k, "GPS") || strings.HasPrefix(k, "EXIF:") || strings.HasPrefix(k, "XMP:") ||
			strings.HasPrefix(k, "IPTC:") || strings.HasPrefix(k, "Photoshop:") {
			t.Errorf("exiftool still sees %s = %v in the output", k, v)
		}
		if strings.HasSuffix(k, ":Warning") || strings.HasSuffix(k, ":Error") {
			t.Errorf("exiftool reports %s: %v", k, v)
		}
	}
}
