package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
)

// JPEG markers used here.
const (
	markerSOI   = 0xD8
	markerEOI   = 0xD9
	markerSOS   = 0xDA
	markerAPP0  = 0xE0
	markerAPP1  = 0xE1
	markerAPP2  = 0xE2
	markerAPP14 = 0xEE
	markerAPP15 = 0xEF
	markerCOM   = 0xFE
)

// jpegSegment is one marker segment of a JPEG file. raw holds the whole
// segment including its marker; for SOS it also holds the entropy-coded
// data that follows.
type jpegSegment struct {
	marker byte
	raw    []byte
}

// payload returns the segment data after the marker and length.
func (s jpegSegment) payload() []byte {
	if len(s.raw) < 4 {
		return nil
	}
	return s.raw[4:]
}

// parseJPEG splits data into segments up to and including EOI. It fails on
// truncated or malformed data.
func parseJPEG(data []byte) ([]jpegSegment, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != markerSOI {
		return nil, corrupt("missing JPEG start of image")
	}
	segs := []jpegSegment{{marker: markerSOI, raw: data[:2]}}
	pos := 2
	sawFrame := false
	for {
		// Markers may be preceded by any number of 0xFF fill bytes.
		start := pos
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos == start || pos >= len(data) {
			return nil, corrupt("expected a JPEG marker at offset %d", start)
		}
		marker := data[pos]
		pos++
		switch {
		case marker == markerEOI:
			if !sawFrame {
				return nil, corrupt("JPEG has no image data")
			}
			segs = append(segs, jpegSegment{marker: marker, raw: data[start:pos]})
			return segs, nil
		case marker == 0x00 || marker == markerSOI || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01:
			return nil, corrupt("unexpected JPEG marker 0x%02X at offset %d", marker, start)
		}
		if pos+2 > len(data) {
			return nil, corrupt("truncated JPEG segment length")
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		if n < 2 || pos+n > len(data) {
			return nil, corrupt("JPEG segment 0x%02X overruns the file", marker)
		}
		pos += n
		if marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
			sawFrame = true
		}
		if marker == markerSOS {
			if !sawFrame {
				return nil, corrupt("JPEG scan before frame header")
			}
			end, err := scanEnd(data, pos)
			if err != nil {
				return nil, err
			}
			pos = end
		}
		segs = append(segs, jpegSegment{marker: marker, raw: data[start:pos]})
	}
}

// scanEnd returns the offset of the marker that ends the entropy-coded
// data starting at pos. Stuffed bytes (FF 00) and restart markers belong to
// the scan.
func scanEnd(data []byte, pos int) (int, error) {
	for {
		i := bytes.IndexByte(data[pos:], 0xFF)
		if i < 0 {
			return 0, corrupt("truncated JPEG scan data")
		}
		pos += i
		// Skip fill bytes.
		j := pos + 1
		for j < len(data) && data[j] == 0xFF {
			j++
		}
		if j >= len(data) {
			return 0, corrupt("truncated JPEG scan data")
		}
		if m := data[j]; m == 0x00 || m >= 0xD0 && m <= 0xD7 {
			pos = j + 1
			continue
		}
		return pos, nil
	}
}

// keepJPEGSegment reports whether a segment is kept when stripping.
func keepJPEGSegment(s jpegSegment) bool {
	p := s.payload()
	switch {
	case s.marker == markerAPP0:
		return bytes.HasPrefix(p, []byte("JFIF\x00")) || bytes.HasPrefix(p, []byte("JFXX\x00"))
	case s.marker == markerAPP2:
		return bytes.HasPrefix(p, []byte("ICC_PROFILE\x00"))
	case s.marker == markerAPP14:
		return bytes.HasPrefix(p, []byte("Adobe"))
	case s.marker >= markerAPP0 && s.marker <= markerAPP15, s.marker == markerCOM:
		return false
	}
	return true
}

func (s Stripper) stripJPEG(data []byte) ([]byte, error) {
	segs, err := parseJPEG(data)
	if err != nil {
		return nil, err
	}
	orientation := 1
	for _, seg := range segs {
		if seg.marker == markerAPP1 && bytes.HasPrefix(seg.payload(), []byte("Exif\x00\x00")) {
			orientation = exifOrientation(seg.payload()[6:])
			break
		}
	}
	if orientation >= 2 && orientation <= 8 {
		return s.reorientJPEG(data, segs, orientation)
	}
	var out bytes.Buffer
	out.Grow(len(data))
	for _, seg := range segs {
		if keepJPEGSegment(seg) {
			out.Write(seg.raw)
		}
	}
	return out.Bytes(), nil
}

// reorientJPEG decodes the image, applies the EXIF orientation and
// re-encodes it, carrying over the ICC profile.
func (s Stripper) reorientJPEG(data []byte, segs []jpegSegment, orientation int) ([]byte, error) {
	maxPixels := s.MaxPixels
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		var unsupported jpeg.UnsupportedError
		if errors.As(err, &unsupported) {
			return nil, fmt.Errorf("%w: rotated JPEG that cannot be decoded (%v); export it as a baseline JPEG", ErrUnsupported, err)
		}
		return nil, corrupt("%v", err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d pixels, limit %d", ErrTooLarge, cfg.Width, cfg.Height, maxPixels)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		var unsupported jpeg.UnsupportedError
		if errors.As(err, &unsupported) {
			// The orientation cannot be applied without decoding, and
			// dropping it would show the photo sideways.
			return nil, fmt.Errorf("%w: rotated JPEG that cannot be decoded (%v); export it as a baseline JPEG", ErrUnsupported, err)
		}
		return nil, corrupt("%v", err)
	}
	upright := applyOrientation(img, orientation)
	quality := s.JPEGQuality
	if quality <= 0 || quality > 100 {
		quality = DefaultJPEGQuality
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, upright, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	encoded := enc.Bytes()
	var out bytes.Buffer
	out.Grow(len(encoded) + 1024)
	out.Write(encoded[:2]) // SOI
	if _, isCMYK := img.(*image.CMYK); !isCMYK {
		// A CMYK profile would not match the re-encoded RGB data.
		for _, seg := range segs {
			if seg.marker == markerAPP2 && keepJPEGSegment(seg) {
				out.Write(seg.raw)
			}
		}
	}
	out.Write(encoded[2:])
	return out.Bytes(), nil
}
