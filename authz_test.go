package socialdesk

import (
	"testing"
	"time"
)

// TestCommunityAuthorize walks every community action for every role.
func TestCommunityAuthorize(t *testing.T) {
	all := []Action{ActCommunityView, ActQuestionAsk, ActAnswerPost, ActVote, ActFlag}
	staff := []Action{ActAnswerVerify, ActQuestionClose, ActArticleWrite, ActArticleFromSource}
	reviewer := []Action{ActModerate, ActArticlePublish}
	want := map[Role]map[Action]bool{}
	for _, r := range Roles {
		want[r] = map[Action]bool{}
		for _, a := range all {
			want[r][a] = true
		}
		for _, a := range staff {
			want[r][a] = r.IsStaff()
		}
		for _, a := range reviewer {
			want[r][a] = r == RoleKnowledgeManager || r == RoleAdmin
		}
	}
	// Spot checks so the table above cannot drift into agreeing with a bug.
	if want[RoleAgent][ActModerate] || !want[RoleAgent][ActAnswerVerify] || want[RoleEmployee][ActAnswerVerify] || want[RoleContractor][ActArticlePublish] {
		t.Fatal("expectation table is wrong")
	}
	for role, acts := range want {
		p := &Person{ID: 1, Name: "x", Role: role}
		for a, ok := range acts {
			err := Authorize(p, a)
			if ok && err != nil {
				t.Errorf("%s may %s but got %v", role, a, err)
			}
			if !ok && ErrorCode(err) != EFORBIDDEN {
				t.Errorf("%s may not %s but got %v", role, a, err)
			}
		}
	}
	if err := Authorize(nil, ActCommunityView); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("anonymous: got %v, want unauthorized", err)
	}
	gone := &Person{ID: 2, Name: "y", Role: RoleContractor, AccessExpires: time.Now().Add(-time.Hour)}
	if err := Authorize(gone, ActQuestionAsk); ErrorCode(err) != EUNAUTHORIZED {
		t.Errorf("expired contractor: got %v, want unauthorized", err)
	}
}

func TestAnswerVerifiedExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &Answer{}
	if a.Verified(now) {
		t.Fatal("unverified answer reports verified")
	}
	a.VerifiedBy, a.VerifiedAt = 3, now
	if !a.Verified(now) {
		t.Fatal("verified answer without review date reports unverified")
	}
	a.VerifyReviewBy = now.Add(time.Hour)
	if !a.Verified(now.Add(59*time.Minute)) || a.Verified(now.Add(time.Hour)) {
		t.Fatal("review date does not end the mark")
	}
}

func TestNormalizeTags(t *testing.T) {
	got := NormalizeTags([]string{" VPN, android", "vpn", "", "Site:Lyon"})
	want := []string{"vpn", "android", "site:lyon"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
