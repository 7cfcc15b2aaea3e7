package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Sign returns the X-Slack-Signature Slack sends for body at timestamp:
// "v0=" and the hex HMAC-SHA256 of "v0:<timestamp>:<body>" keyed with the
// signing secret. It is written independently of the connector's own
// verification so that each checks the other.
func Sign(signingSecret, timestamp string, body []byte) string {
	base := make([]byte, 0, len(timestamp)+len(body)+4)
	base = append(base, "v0:"...)
	base = append(base, timestamp...)
	base = append(base, ':')
	base = append(base, body...)
	m := hmac.New(sha256.New, []byte(signingSecret))
	m.Write(base)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}
