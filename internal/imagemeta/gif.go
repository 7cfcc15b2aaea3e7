package imagemeta

import (
	"bytes"
)

// GIF block introducers and extension labels.
const (
	gifExtension  = 0x21
	gifImage      = 0x2C
	gifTrailer    = 0x3B
	gifComment    = 0xFE
	gifAppExt     = 0xFF
	gifColorTable = 0x80
)

// gifSubBlocks returns the offset just past the sub-block chain starting at
// pos (the terminating zero-length block included).
func gifSubBlocks(data []byte, pos int) (int, error) {
	for {
		if pos >= len(data) {
			return 0, corrupt("truncated GIF data sub-blocks")
		}
		n := int(data[pos])
		pos++
		if n == 0 {
			return pos, nil
		}
		if pos+n > len(data) {
			return 0, corrupt("truncated GIF data sub-block")
		}
		pos += n
	}
}

// keepGIFAppExtension reports whether an application extension, given the
// bytes after its label, is the animation loop count that must be kept.
func keepGIFAppExtension(ext []byte) bool {
	if len(ext) < 12 || ext[0] != 11 {
		return false
	}
	id := string(ext[1:12])
	return id == "NETSCAPE2.0" || id == "ANIMEXTS1.0"
}

// stripGIF removes comment extensions and application extensions other
// than the looping one. Everything else is copied byte for byte up to and
// including the trailer.
func stripGIF(data []byte) ([]byte, error) {
	const headerLen = 6 + 7 // signature and logical screen descriptor
	if len(data) < headerLen {
		return nil, corrupt("truncated GIF header")
	}
	pos := headerLen
	if flags := data[10]; flags&gifColorTable != 0 {
		pos += 3 << (flags&7 + 1)
	}
	if pos > len(data) {
		return nil, corrupt("truncated GIF colour table")
	}
	var out bytes.Buffer
	out.Grow(len(data))
	out.Write(data[:pos])
	sawImage := false
	for {
		if pos >= len(data) {
			return nil, corrupt("GIF has no trailer")
		}
		start := pos
		switch data[pos] {
		case gifTrailer:
			if !sawImage {
				return nil, corrupt("GIF has no image")
			}
			out.WriteByte(gifTrailer)
			return out.Bytes(), nil
		case gifExtension:
			if pos+2 > len(data) {
				return nil, corrupt("truncated GIF extension")
			}
			label := data[pos+1]
			end, err := gifSubBlocks(data, pos+2)
			if err != nil {
				return nil, err
			}
			pos = end
			if label == gifComment || label == gifAppExt && !keepGIFAppExtension(data[start+2:end]) {
				continue
			}
			out.Write(data[start:end])
		case gifImage:
			pos += 10 // separator and image descriptor
			if pos > len(data) {
				return nil, corrupt("truncated GIF image descriptor")
			}
			if flags := data[pos-1]; flags&gifColorTable != 0 {
				pos += 3 << (flags&7 + 1)
			}
			pos++ // LZW minimum code size
			if pos > len(data) {
				return nil, corrupt("truncated GIF image")
			}
			end, err := gifSubBlocks(data, pos)
			if err != nil {
				return nil, err
			}
			pos = end
			sawImage = true
			out.Write(data[start:end])
		default:
			return nil, corrupt("unknown GIF block 0x%02X at offset %d", data[pos], pos)
		}
	}
}
