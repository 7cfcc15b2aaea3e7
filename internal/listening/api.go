package listening

import (
	"net/http"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/httpx"
)

// APIRoutes returns the JSON API routes.
func (s *Service) APIRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Pattern: "/api/v1/listening/classify", Access: "staff", Summary: "Is a text a support request, and of which category", Handler: s.apiClassify},
	}
}

func (s *Service) apiClassify(w http.ResponseWriter, r *http.Request) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActListeningView); err != nil {
		httpx.WriteError(w, err)
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := httpx.DecodeJSON(r, &in, 64<<10); err != nil {
		httpx.WriteDecodeError(w, err)
		return
	}
	c, err := s.Classify(in.Text)
	if err != nil {
		httpx.WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}
