package openstacktest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error.Message
}

// TestKeystoneNeedsDomains: a v3 password login naming the user or the
// project without its domain is refused as Keystone refuses it, with 400
// "Expecting to find domain in ...", not accepted as the double once did.
func TestKeystoneNeedsDomains(t *testing.T) {
	c := New()
	t.Cleanup(c.Close)
	user := func(domain string) string {
		return `"user": {"name": "` + DefaultUsername + `", "password": "` + DefaultPassword + `"` + domain + `}`
	}
	req := func(u, scope string) string {
		return `{"auth": {"identity": {"methods": ["password"], "password": {` + u + `}}` + scope + `}}`
	}
	project := func(domain string) string {
		return `, "scope": {"project": {"name": "` + DefaultProject + `"` + domain + `}}`
	}
	for _, tc := range []struct {
		name, body string
		status     int
		msg        string
	}{
		{"all domains", req(user(`, "domain": {"name": "Default"}`), project(`, "domain": {"id": "default"}`)), 201, ""},
		{"project without domain", req(user(`, "domain": {"name": "Default"}`), project("")), 400, "Expecting to find domain in project"},
		{"user without domain", req(user(""), project(`, "domain": {"name": "Default"}`)), 400, "Expecting to find domain in user"},
		{"empty domain", req(user(`, "domain": {}`), project(`, "domain": {"name": "Default"}`)), 400, "Expecting to find id or name in domain"},
		{"other domain", req(user(`, "domain": {"name": "Default"}`), project(`, "domain": {"name": "Other"}`)), 401, "requires authentication"},
		{"project by id", req(user(`, "domain": {"id": "default"}`), `, "scope": {"project": {"id": "`+ProjectID+`"}}`), 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, msg := post(t, c.AuthURL+"/auth/tokens", tc.body)
			if status != tc.status || !strings.Contains(msg, tc.msg) {
				t.Errorf("POST /v3/auth/tokens %s\n = %d %q, want %d %q", tc.body, status, msg, tc.status, tc.msg)
			}
		})
	}
}
