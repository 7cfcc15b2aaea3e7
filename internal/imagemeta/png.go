package imagemeta

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// pngMetadataChunk reports whether a PNG chunk type carries metadata that
// Strip removes.
func pngMetadataChunk(typ string) bool {
	switch typ {
	case "eXIf", "tEXt", "zTXt", "iTXt", "tIME":
		return true
	}
	return false
}

// stripPNG copies every chunk except metadata chunks, byte for byte, up to
// and including IEND. Every chunk's CRC is verified.
func stripPNG(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte(pngSignature)) {
		return nil, corrupt("missing PNG signature")
	}
	var out bytes.Buffer
	out.Grow(len(data))
	out.WriteString(pngSignature)
	pos := len(pngSignature)
	first := true
	for {
		if pos+12 > len(data) {
			return nil, corrupt("truncated PNG chunk at offset %d", pos)
		}
		n := int64(binary.BigEndian.Uint32(data[pos:]))
		if n > int64(len(data)-pos-12) {
			return nil, corrupt("PNG chunk at offset %d overruns the file", pos)
		}
		end := pos + 12 + int(n)
		typ := string(data[pos+4 : pos+8])
		want := binary.BigEndian.Uint32(data[end-4:])
		if crc32.ChecksumIEEE(data[pos+4:end-4]) != want {
			return nil, corrupt("PNG chunk %q has a bad CRC", typ)
		}
		if first && typ != "IHDR" {
			return nil, corrupt("PNG does not start with IHDR")
		}
		first = false
		if !pngMetadataChunk(typ) {
			out.Write(data[pos:end])
		}
		pos = end
		if typ == "IEND" {
			return out.Bytes(), nil
		}
	}
}
