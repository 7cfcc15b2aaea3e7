package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/internal/apptest"
)

// secrets are values that must never come back to a non-admin user.
var secrets = []string{
	"AKIAIOSFODNN7EXAMPLE",
	"ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
	"4111 1111 1111 1111",
	"5500005555555559",
	"Tr0ub4dor&3xyz",
}

func TestSecretsNeverComeBack(t *testing.T) {
	e := apptest.New(t)
	desc := fmt.Sprintf("My AWS key is %s and token %s. Card %s, backup card %s. password: %s", secrets[0], secrets[1], secrets[2], secrets[3], secrets[4])
	body, _ := json.Marshal(map[string]string{"title": "Billing portal rejects card " + secrets[3], "description": desc})
	resp := e.Request(t, "employee", "POST", "/api/v1/tickets", string(body))
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	var tk map[string]any
	decode(t, resp, &tk)
	id := fmt.Sprint(tk["id"])
	msg, _ := json.Marshal(map[string]string{"body": "Also my new password: " + secrets[4] + " and card " + secrets[2]})
	if r := e.Request(t, "employee", "POST", "/api/v1/tickets/"+id+"/messages", string(msg)); r.StatusCode != 201 {
		t.Fatalf("message: %d", r.StatusCode)
	}
	check := func(what, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret %q", what, s)
			}
		}
	}
	for _, role := range []string{"employee", "agent"} {
		for _, path := range []string{"/api/v1/tickets/" + id, "/api/v1/tickets/" + id + "/messages", "/api/v1/tickets"} {
			r := e.Request(t, role, "GET", path, "")
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			check(role+" GET "+path, string(b))
			if path == "/api/v1/tickets/"+id && !strings.Contains(string(b), "[SECRET]") {
				t.Errorf("no redaction placeholder in %s", b)
			}
		}
	}
	// The pages too.
	tok, _, err := e.App.Desk.StartSession(t.Context(), e.People["agent"])
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.Server.URL+"/tickets/"+id, nil)
	req.AddCookie(&http.Cookie{Name: "sd_session", Value: tok})
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	check("ticket page", string(page))
	if !strings.Contains(string(page), "[CARD]") {
		t.Error("the ticket page shows no card placeholder; was the text stored at all?")
	}
}

// TestUploadedPhotoLosesGPS uploads a JPEG carrying GPS EXIF through the
// API and checks the download with exiftool: no GPS, no EXIF, and the same
// pixels.
func TestUploadedPhotoLosesGPS(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("exiftool is required in CI (apt-get install libimage-exiftool-perl)")
		}
		t.Skip("exiftool not installed (apt-get install libimage-exiftool-perl)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "photo.jpg")
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	os.WriteFile(src, buf.Bytes(), 0o644)
	if out, err := exec.Command(exiftool, "-q", "-overwrite_original", "-GPSLatitude=45.764", "-GPSLatitudeRef=N", "-GPSLongitude=4.8357", "-GPSLongitudeRef=E", "-Make=PhoneCo", "-Model=X1", src).CombinedOutput(); err != nil {
		t.Fatalf("exiftool write: %v %s", err, out)
	}
	before, _ := exec.Command(exiftool, "-s", "-GPSLatitude", "-Make", src).Output()
	if !strings.Contains(string(before), "GPSLatitude") {
		t.Fatalf("the test photo has no GPS to strip: %s", before)
	}
	orig, _ := os.ReadFile(src)

	e := apptest.New(t)
	resp := e.Request(t, "employee", "POST", "/api/v1/tickets", `{"title":"Broken screen, photo attached"}`)
	var tk map[string]any
	decode(t, resp, &tk)
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	fw, _ := w.CreateFormFile("file", "photo.jpg")
	fw.Write(orig)
	w.WriteField("body", "see photo")
	w.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tickets/%v/attachments", e.Server.URL, tk["id"]), &mp)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.Tokens["employee"])
	up, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var att map[string]any
	decode(t, up, &att)
	if up.StatusCode != 201 {
		t.Fatalf("upload: %d %v", up.StatusCode, att)
	}
	dl := e.Request(t, "agent", "GET", att["url"].(string), "")
	got, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	out := filepath.Join(dir, "downloaded.jpg")
	os.WriteFile(out, got, 0o644)
	tags, err := exec.Command(exiftool, "-s", "-G", "-a", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(tags), "\n") {
		if strings.HasPrefix(line, "[File]") || strings.HasPrefix(line, "[System]") || strings.HasPrefix(line, "[ExifTool]") {
			continue // facts about the file on disk, not metadata in it
		}
		if strings.Contains(line, "GPS") || strings.HasPrefix(line, "[EXIF]") || strings.HasPrefix(line, "[XMP") || strings.HasPrefix(line, "[IPTC]") {
			t.Errorf("downloaded photo still has %q", line)
		}
	}
	a, _, err := image.Decode(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := image.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("size changed: %v -> %v", a.Bounds(), b.Bounds())
	}
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) changed", x, y)
			}
		}
	}
	// Not an allowed type: rejected and nothing stored.
	var mp2 bytes.Buffer
	w2 := multipart.NewWriter(&mp2)
	fw2, _ := w2.CreateFormFile("file", "setup.exe")
	fw2.Write([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"))
	w2.Close()
	req2, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tickets/%v/attachments", e.Server.URL, tk["id"]), &mp2)
	req2.Header.Set("Content-Type", w2.FormDataContentType())
	req2.Header.Set("Authorization", "Bearer "+e.Tokens["employee"])
	r2, _ := http.DefaultClient.Do(req2)
	if r2.StatusCode != 422 {
		t.Fatalf("an executable upload got %d, want 422", r2.StatusCode)
	}
	r2.Body.Close()
}
