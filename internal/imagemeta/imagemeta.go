// Package imagemeta removes metadata from uploaded images before they are
// stored: EXIF (with GPS positions above all), XMP, IPTC, comments and
// similar text.
//
// JPEG, PNG, WebP and GIF are supported. Stripping works on the container
// and copies the compressed image data unchanged, so pixels stay
// bit-identical, with one exception: a JPEG whose EXIF orientation is not
// 1 is decoded, turned upright and re-encoded at high quality, because
// dropping the orientation tag alone would show the photo sideways. That
// case is not lossless.
//
// HEIC/HEIF photos are recognised and rejected with a message asking the
// user to export them as JPEG.
package imagemeta

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
)

// Content types accepted by Sniff and Strip.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypeGIF  = "image/gif"
)

// Errors returned by Sniff and Strip. They are wrapped with detail; test
// for them with errors.Is.
var (
	// ErrUnsupported means the data is not an image type this package
	// accepts.
	ErrUnsupported = errors.New("imagemeta: unsupported file type")
	// ErrHEIF means the data is a HEIC/HEIF photo, which is recognised
	// but not supported yet. It wraps ErrUnsupported.
	ErrHEIF = fmt.Errorf("%w: HEIC/HEIF photos are not supported yet; export the photo as JPEG and upload it again", ErrUnsupported)
	// ErrTooLarge means the image is bigger than the configured limit.
	ErrTooLarge = errors.New("imagemeta: image too large")
	// ErrCorrupt means the image is truncated or malformed.
	ErrCorrupt = errors.New("imagemeta: corrupt or truncated image")
)

// Default limits used when a Stripper field is zero.
const (
	// DefaultMaxBytes is the default limit on the input size: 32 MiB.
	DefaultMaxBytes = 32 << 20
	// DefaultMaxPixels is the default limit on width times height for an
	// image that has to be decoded to apply its orientation.
	DefaultMaxPixels = 50_000_000
	// DefaultJPEGQuality is the quality used when a JPEG is re-encoded
	// after applying its orientation.
	DefaultJPEGQuality = 95
)

// isHEIF reports whether data starts with an ISO base media "ftyp" box
// whose major brand is one of HEIC/HEIF.
func isHEIF(data []byte) bool {
	if len(data) < 12 || string(data[4:8]) != "ftyp" {
		return false
	}
	switch string(data[8:12]) {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
		return true
	}
	return false
}

// Sniff returns the content type of an image: one of TypeJPEG, TypePNG,
// TypeWebP and TypeGIF. Any other data gives an error wrapping
// ErrUnsupported that names the detected type; HEIC/HEIF gives ErrHEIF.
func Sniff(data []byte) (contentType string, err error) {
	if isHEIF(data) {
		return "", ErrHEIF
	}
	detected := http.DetectContentType(data)
	switch {
	case detected == TypeJPEG && len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return TypeJPEG, nil
	case detected == TypePNG && bytes.HasPrefix(data, []byte(pngSignature)):
		return TypePNG, nil
	case detected == TypeGIF && (bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a"))):
		return TypeGIF, nil
	case detected == TypeWebP && len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return TypeWebP, nil
	}
	return "", fmt.Errorf("%w: %s (allowed: JPEG, PNG, WebP, GIF)", ErrUnsupported, detected)
}

// Stripper removes metadata from images. The zero value is ready to use
// with the default limits.
type Stripper struct {
	// MaxBytes limits the input size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxPixels limits width times height of a JPEG that must be decoded
	// to apply its orientation; 0 means DefaultMaxPixels.
	MaxPixels int64
	// JPEGQuality is the quality (1-100) used when re-encoding a rotated
	// JPEG; 0 means DefaultJPEGQuality.
	JPEGQuality int
}

// Strip removes metadata from data with the default limits. See
// Stripper.Strip.
func Strip(data []byte) (out []byte, contentType string, err error) {
	return Stripper{}.Strip(data)
}

// Strip returns a copy of the image in data without its metadata, and
// its content type.
//
// JPEG: APP1 (EXIF, XMP), APP13 (IPTC, Photoshop), APP12, COM and other
// application segments are removed; APP0 JFIF, APP2 ICC profile and APP14
// Adobe are kept; the entropy-coded data is copied unchanged. Data after
// the end-of-image marker (camera trailers, embedded previews) is dropped.
// If the EXIF orientation is not 1, the image is decoded, turned upright
// and re-encoded (the only lossy case), keeping the ICC profile.
//
// PNG: eXIf, tEXt, zTXt, iTXt and tIME chunks are removed; the other
// chunks are copied byte for byte.
//
// WebP: EXIF and XMP chunks are removed, the matching VP8X flags cleared
// and the RIFF size fixed.
//
// GIF: comment extensions and application extensions other than
// NETSCAPE2.0/ANIMEXTS1.0 looping are removed.
//
// On any error out is nil: nothing partial is ever returned.
func (s Stripper) Strip(data []byte) (out []byte, contentType string, err error) {
	maxBytes := s.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if int64(len(data)) > maxBytes {
		return nil, "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), maxBytes)
	}
	contentType, err = Sniff(data)
	if err != nil {
		return nil, "", err
	}
	switch contentType {
	case TypeJPEG:
		out, err = s.stripJPEG(data)
	case TypePNG:
		out, err = stripPNG(data)
	case TypeWebP:
		out, err = stripWebP(data)
	case TypeGIF:
		out, err = stripGIF(data)
	}
	if err != nil {
		return nil, "", err
	}
	return out, contentType, nil
}

// corrupt returns an error wrapping ErrCorrupt with a formatted detail.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}
