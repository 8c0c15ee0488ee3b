package openstack

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palletops/pallet/provider/openstack/openstacktest"
)

// osVars are the variables an openrc file may set; each test case starts
// from none of them.
var osVars = []string{
	"OS_CLOUD", "OS_AUTH_URL", "OS_USERNAME", "OS_USER_ID", "OS_USERID", "OS_PASSWORD", "OS_PASSCODE",
	"OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_TENANT_NAME", "OS_TENANT_ID",
	"OS_USER_DOMAIN_NAME", "OS_USER_DOMAIN_ID", "OS_PROJECT_DOMAIN_NAME", "OS_PROJECT_DOMAIN_ID",
	"OS_DOMAIN_NAME", "OS_DOMAIN_ID", "OS_REGION_NAME", "OS_INTERFACE", "OS_SYSTEM_SCOPE",
	"OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_NAME", "OS_APPLICATION_CREDENTIAL_SECRET",
}

// TestAuthFromOpenrc logs in with the OS_* variables real openrc files
// set. Keystone v3 needs the user's and the project's domains, which
// Horizon's openrc gives as OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_ID,
// devstack's as OS_USER_DOMAIN_ID and OS_PROJECT_DOMAIN_ID, and older ones
// as a single OS_DOMAIN_NAME. The double keeps the user and the project in
// two different domains, so mixing them up fails as it would on a cloud.
func TestAuthFromOpenrc(t *testing.T) {
	users := openstacktest.Domain{ID: "dom-users", Name: "Users"}
	projects := openstacktest.Domain{ID: "dom-projects", Name: "Projects"}
	base := func(c *openstacktest.Cloud) map[string]string {
		return map[string]string{"OS_AUTH_URL": c.AuthURL, "OS_USERNAME": c.Username, "OS_PASSWORD": c.Password, "OS_REGION_NAME": "RegionOne"}
	}
	for _, tc := range []struct {
		name    string
		split   bool // user and project in different domains
		vars    map[string]string
		wantErr []string // empty: the login works
	}{
		{"horizon openrc: user domain name, project domain id", true,
			map[string]string{"OS_PROJECT_NAME": "$project", "OS_USER_DOMAIN_NAME": users.Name, "OS_PROJECT_DOMAIN_ID": projects.ID}, nil},
		{"devstack: both domain ids", true,
			map[string]string{"OS_PROJECT_NAME": "$project", "OS_USER_DOMAIN_ID": users.ID, "OS_PROJECT_DOMAIN_ID": projects.ID}, nil},
		{"both domain names", true,
			map[string]string{"OS_PROJECT_NAME": "$project", "OS_USER_DOMAIN_NAME": users.Name, "OS_PROJECT_DOMAIN_NAME": projects.Name}, nil},
		{"OS_DOMAIN_NAME for both", false,
			map[string]string{"OS_PROJECT_NAME": "$project", "OS_DOMAIN_NAME": "Default"}, nil},
		{"OS_DOMAIN_ID fills only the missing one", true,
			map[string]string{"OS_TENANT_NAME": "$project", "OS_USER_DOMAIN_NAME": users.Name, "OS_DOMAIN_ID": projects.ID}, nil},
		{"project id needs no project domain", true,
			map[string]string{"OS_PROJECT_ID": openstacktest.ProjectID, "OS_USER_DOMAIN_NAME": users.Name}, nil},
		{"user id and project id need no domain", true,
			map[string]string{"OS_USERNAME": "", "OS_USER_ID": openstacktest.UserID, "OS_PROJECT_ID": openstacktest.ProjectID}, nil},
		{"project domain missing", false,
			map[string]string{"OS_PROJECT_NAME": "$project", "OS_USER_DOMAIN_NAME": "Default"},
			[]string{"OS_PROJECT_NAME", "OS_PROJECT_DOMAIN_NAME"}},
		{"user domain missing", false,
			map[string]string{"OS_PROJECT_ID": openstacktest.ProjectID},
			[]string{"OS_USERNAME", "OS_USER_DOMAIN_NAME"}},
		{"domains swapped", true,
			map[string]string{"OS_PROJECT_NAME": "$project", "OS_USER_DOMAIN_NAME": projects.Name, "OS_PROJECT_DOMAIN_NAME": users.Name},
			[]string{"HTTP 401"}},
		{"no password", false,
			map[string]string{"OS_PASSWORD": "", "OS_PROJECT_NAME": "$project", "OS_DOMAIN_NAME": "Default"},
			[]string{"OS_PASSWORD is not set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.split {
				f.cloud.UserDomain, f.cloud.ProjectDomain = users, projects
			}
			for _, v := range osVars {
				t.Setenv(v, "")
			}
			vars := base(f.cloud)
			for k, v := range tc.vars {
				vars[k] = strings.ReplaceAll(v, "$project", f.cloud.Project)
			}
			for k, v := range vars {
				t.Setenv(k, v)
			}
			cfg := f.cfg
			cfg.Cloud = ""
			p, err := New(context.Background(), &cfg, f.opts)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("New from %v: %v", tc.vars, err)
				}
				if _, err := p.Nodes(context.Background()); err != nil {
					t.Fatalf("Nodes: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New from %v succeeded, want an error saying %q", tc.vars, tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			noPassword(t, f, err)
		})
	}
}

// TestAuthFromCloudsYAMLDomains: clouds.yaml names the two domains with
// user_domain_name and project_domain_name (or domain_name for both).
func TestAuthFromCloudsYAMLDomains(t *testing.T) {
	for _, tc := range []struct {
		name, auth string
		ok         bool
	}{
		{"both", "user_domain_name: Users\n      project_domain_name: Projects", true},
		{"ids", "user_domain_id: dom-users\n      project_domain_id: dom-projects", true},
		{"swapped", "user_domain_name: Projects\n      project_domain_name: Users", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			for _, v := range osVars {
				t.Setenv(v, "")
			}
			f.cloud.UserDomain = openstacktest.Domain{ID: "dom-users", Name: "Users"}
			f.cloud.ProjectDomain = openstacktest.Domain{ID: "dom-projects", Name: "Projects"}
			clouds := filepath.Join(t.TempDir(), "clouds.yaml")
			writeFile(t, clouds, fmt.Sprintf("clouds:\n  split:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n      project_name: %s\n      %s\n    region_name: RegionOne\n",
				f.cloud.AuthURL, f.cloud.Username, f.cloud.Password, f.cloud.Project, tc.auth))
			cfg := f.cfg
			cfg.Cloud = "split"
			opts := f.opts
			opts.CloudsFile = clouds
			_, err := New(context.Background(), &cfg, opts)
			if tc.ok && err != nil {
				t.Errorf("New: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "HTTP 401")) {
				t.Errorf("New with swapped domains = %v, want Keystone's 401", err)
			}
			noPassword(t, f, err)
		})
	}
}
