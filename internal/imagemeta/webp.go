package imagemeta

import (
	"bytes"
	"encoding/binary"
)

// VP8X feature flags (RIFF WebP extended format).
const (
	vp8xFlagXMP  = 0x04
	vp8xFlagEXIF = 0x08
)

// stripWebP drops the EXIF and XMP chunks of a RIFF WebP file, clears the
// matching VP8X flags and fixes the RIFF size. Other chunks are copied
// byte for byte; anything after the RIFF data is dropped.
func stripWebP(data []byte) ([]byte, error) {
	if len(data) < 12 || !bytes.Equal(data[:4], []byte("RIFF")) || !bytes.Equal(data[8:12], []byte("WEBP")) {
		return nil, corrupt("missing RIFF WebP header")
	}
	riffSize := int64(binary.LittleEndian.Uint32(data[4:]))
	if riffSize < 4 || riffSize > int64(len(data)-8) || riffSize%2 != 0 {
		return nil, corrupt("bad RIFF size %d for %d bytes", riffSize, len(data))
	}
	body := data[12 : 8+riffSize]
	var out bytes.Buffer
	out.Grow(len(data))
	out.Write(data[:12])
	vp8xFlagsAt := -1
	sawImage := false
	for pos := 0; pos < len(body); {
		if pos+8 > len(body) {
			return nil, corrupt("truncated WebP chunk header")
		}
		fourcc := string(body[pos : pos+4])
		n := int64(binary.LittleEndian.Uint32(body[pos+4:]))
		padded := n + n%2
		if padded > int64(len(body)-pos-8) {
			return nil, corrupt("WebP chunk %q overruns the file", fourcc)
		}
		end := pos + 8 + int(padded)
		switch fourcc {
		case "EXIF", "XMP ":
			pos = end
			continue
		case "VP8X":
			if pos != 0 || n < 10 {
				return nil, corrupt("misplaced or short VP8X chunk")
			}
			vp8xFlagsAt = out.Len() + 8
		case "VP8 ", "VP8L", "ANIM":
			sawImage = true
		}
		out.Write(body[pos:end])
		pos = end
	}
	if !sawImage {
		return nil, corrupt("WebP has no image data")
	}
	b := out.Bytes()
	if vp8xFlagsAt >= 0 {
		b[vp8xFlagsAt] &^= vp8xFlagEXIF | vp8xFlagXMP
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b, nil
}
