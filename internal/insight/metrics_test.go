package insight_test

import (
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	s := seed(t)
	for range 2 {
		if status, _ := s.get(t, "agent", "/analytics/sla?"+rangeQuery); status != 200 {
			t.Fatalf("status %d", status)
		}
	}
	s.get(t, "agent", "/no/such/page")
	if err := s.e.App.Channels.Add(s.e.As("admin"), "hook", "webhook", `{"secret":"a-secret-of-enough-length"}`, true); err != nil {
		t.Fatal(err)
	}
	_, body := s.get(t, "", "/metrics")
	for _, want := range []string{
		`socialdesk_http_requests_total{route="/analytics/sla",method="GET",status="200"} 2`,
		`socialdesk_http_request_duration_seconds_count{route="/analytics/sla"} 2`,
		`socialdesk_http_request_duration_seconds_bucket{route="/analytics/sla",le="+Inf"} 2`,
		`status="404"`,
		// Open seeded tickets: the unresolved Outlook one and the paper
		// jam, both seeded without a running clock.
		`socialdesk_open_tickets{sla_state="none"} 2`,
		`socialdesk_open_tickets{sla_state="breached"} 0`,
		"# TYPE socialdesk_db_open_connections gauge",
		"socialdesk_db_max_open_connections 8",
		// The channel metrics are served on the same endpoint.
		`socialdesk_channel_up{channel="hook",kind="webhook"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/tickets/1\"") {
		t.Error("a route is counted by its path, not its pattern")
	}
}
