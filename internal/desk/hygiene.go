package desk

import (
	"context"
	"errors"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/imagemeta"
	"github.com/socialdesk/socialdesk/internal/privacy"
	"github.com/socialdesk/socialdesk/internal/store"
)

// MaxAttachment is the largest file accepted.
const MaxAttachment = 8 << 20

// guard is the data-loss prevention applied to everything people send:
// credentials, card numbers, IBANs and national ids are redacted before the
// text is stored, so they never reach a page, an API response, a search
// index or an outgoing reply. Contact details stay: tickets are private
// between the requester and the desk.
type guard struct {
	redactor *privacy.Redactor
	policy   privacy.Policy
}

func newGuard() *guard {
	kinds := []privacy.Kind{privacy.KindSecret, privacy.KindCard, privacy.KindIBAN, privacy.KindNationalID}
	return &guard{
		redactor: privacy.New(privacy.Options{Kinds: kinds}),
		policy: privacy.Policy{Groups: map[privacy.Group]privacy.Action{
			privacy.GroupCredentials:  privacy.ActionRedact,
			privacy.GroupFinancial:    privacy.ActionRedact,
			privacy.GroupGovernmentID: privacy.ActionRedact,
		}, Default: privacy.ActionAllow},
	}
}

// clean applies the policy to one text and returns the kinds it redacted.
func (g *guard) clean(text string) (string, []privacy.Kind) {
	if text == "" {
		return text, nil
	}
	out, findings, _, _ := g.policy.Apply(g.redactor, text)
	var kinds []privacy.Kind
	for _, f := range findings {
		if g.policy.ActionFor(f.Kind) != privacy.ActionAllow && !slices.Contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
	}
	return out, kinds
}

// Redact applies the desk's data-loss policy to a text; other packages
// (community, search, listening) use it for what they store.
func (s *Service) Redact(text string) string {
	out, _ := s.guard.clean(text)
	return out
}

// cleanTexts redacts each text in place and audits what was redacted,
// without recording the sensitive values themselves.
func (s *Service) cleanTexts(ctx context.Context, target string, texts ...*string) {
	var all []string
	for _, t := range texts {
		var kinds []privacy.Kind
		*t, kinds = s.guard.clean(*t)
		for _, k := range kinds {
			if !slices.Contains(all, string(k)) {
				all = append(all, string(k))
			}
		}
	}
	if len(all) > 0 {
		s.audit(ctx, "privacy.redacted", target, strings.Join(all, ","))
	}
}

// allowedDocs are the non-image types accepted as attachments, by the type
// sniffed from the content and the name's extension.
var allowedDocs = map[string][]string{
	"application/pdf":           {".pdf"},
	"text/plain; charset=utf-8": {".txt", ".log", ".csv", ".json", ".xml", ".ini", ".conf", ".md"},
	"application/zip":           {".docx", ".xlsx", ".pptx", ".zip"},
}

// cleanFiles checks every upload by its content, not its claimed type:
// images are accepted after their metadata (GPS above all) is stripped,
// a few document types are accepted as they are, and anything else is
// rejected with a message saying what to do. File names are redacted too.
func (s *Service) cleanFiles(ctx context.Context, files []store.NewAttachment) ([]store.NewAttachment, error) {
	out := make([]store.NewAttachment, 0, len(files))
	for _, f := range files {
		name := path.Base(strings.ReplaceAll(f.Name, "\\", "/"))
		if name == "" || name == "." || name == "/" {
			name = "attachment"
		}
		if len(f.Data) > MaxAttachment {
			return nil, socialdesk.FieldError("files", "%s is larger than %d MB; share a link instead.", name, MaxAttachment>>20)
		}
		if len(f.Data) == 0 {
			return nil, socialdesk.FieldError("files", "%s is empty.", name)
		}
		s.cleanTexts(ctx, "attachment name", &name)
		ct, err := imagemeta.Sniff(f.Data)
		if err == nil {
			clean, ct, err := imagemeta.Strip(f.Data)
			if err != nil {
				return nil, socialdesk.FieldError("files", "%s could not be read as an image (%v). Save it again as JPEG or PNG.", name, err)
			}
			out = append(out, store.NewAttachment{Name: name, ContentType: ct, Data: clean})
			continue
		}
		if errors.Is(err, imagemeta.ErrHEIF) {
			return nil, socialdesk.FieldError("files", "%s is a HEIC photo, which is not supported yet. Export it as JPEG and attach it again.", name)
		}
		ct = http.DetectContentType(f.Data)
		exts, ok := allowedDocs[ct]
		if !ok || !slices.Contains(exts, strings.ToLower(path.Ext(name))) {
			return nil, socialdesk.FieldError("files", "%s is not an allowed type (it looks like %s). Attach images, PDF, text or Office files.", name, strings.Split(ct, ";")[0])
		}
		out = append(out, store.NewAttachment{Name: name, ContentType: ct, Data: f.Data})
	}
	return out, nil
}
