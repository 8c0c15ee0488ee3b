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

// TestPages: lists page as Nova and Glance do: newest first, limit and
// marker, a next link on a full page, 400 for a marker that is not there.
func TestPages(t *testing.T) {
	c := New()
	t.Cleanup(c.Close)
	c.SetPageLimit(2)
	resp, err := http.Post(c.AuthURL+"/auth/tokens", "application/json", strings.NewReader(`{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "`+
		DefaultUsername+`", "password": "`+DefaultPassword+`", "domain": {"id": "default"}}}}, "scope": {"project": {"id": "`+ProjectID+`"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	token := resp.Header.Get("X-Subject-Token")
	get := func(path string, into any) int {
		t.Helper()
		req, _ := http.NewRequest("GET", c.URL()+path, nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(into)
		return resp.StatusCode
	}
	var images struct {
		Images []struct{ ID string } `json:"images"`
		Next   string                `json:"next"`
	}
	if st := get("/image/v2/images", &images); st != 200 || len(images.Images) != 2 || images.Next == "" {
		t.Fatalf("first page: %d %+v, want 2 images and a next link", st, images)
	}
	next := images.Next
	images.Next = ""
	if st := get("/image"+next, &images); st != 200 || len(images.Images) != 0 || images.Next != "" {
		t.Errorf("page after the last: %d %+v, want none and no next link", st, images)
	}
	var flavors struct {
		Flavors []struct{ ID string }        `json:"flavors"`
		Links   []struct{ Href, Rel string } `json:"flavors_links"`
	}
	if st := get("/compute/v2.1/flavors/detail", &flavors); st != 200 || len(flavors.Flavors) != 2 || len(flavors.Links) != 1 {
		t.Fatalf("flavors page 1: %d %+v", st, flavors)
	}
	href := strings.TrimPrefix(flavors.Links[0].Href, c.URL())
	flavors.Links = nil
	if st := get(href, &flavors); st != 200 || len(flavors.Flavors) != 1 || flavors.Flavors[0].ID != "3" || len(flavors.Links) != 0 {
		t.Errorf("flavors page 2 (%s): %d %+v, want flavor 3 alone", href, st, flavors)
	}
	var bad map[string]any
	if st := get("/compute/v2.1/servers/detail?marker=nosuch", &bad); st != 400 {
		t.Errorf("unknown marker: %d %v, want 400", st, bad)
	}
}
