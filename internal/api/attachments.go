package api

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/store"
)

// uploadAttachment stores a file (multipart field "file", optional field
// "body" as the message text) as a new message on a ticket. Images have
// their metadata stripped; other types are checked by content.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	t, err := s.ticketFromPath(r)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, desk.MaxAttachment+1<<20)
	if err := r.ParseMultipartForm(desk.MaxAttachment); err != nil {
		httpx.WriteDecodeError(w, httpx.Malformed("Send the file as multipart/form-data in the field \"file\", at most 8 MB."))
		return
	}
	fh, hdr, err := r.FormFile("file")
	if err != nil {
		httpx.WriteDecodeError(w, httpx.Malformed("The multipart body has no field \"file\"."))
		return
	}
	data, err := io.ReadAll(io.LimitReader(fh, desk.MaxAttachment+1))
	fh.Close()
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	m, err := s.desk.AddMessage(r.Context(), t.ID, desk.NewMessage{Body: r.FormValue("body"), Files: []store.NewAttachment{{Name: hdr.Filename, Data: data}}})
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	a := m.Attachments[0]
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"id": a.ID, "message_id": m.ID, "name": a.Name, "content_type": a.ContentType, "size": a.Size, "sha256": a.SHA256,
		"url": "/api/v1/attachments/" + strconv.FormatInt(a.ID, 10)})
}

// downloadAttachment returns a file the caller may see.
func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		httpx.WriteError(w, socialdesk.Errorf(socialdesk.ENOTFOUND, "Attachment not found."))
		return
	}
	a, data, err := s.desk.Attachment(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Write(data)
}
