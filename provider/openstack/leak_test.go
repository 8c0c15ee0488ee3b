package openstack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider/openstack/openstacktest"
)

// TestLostCreateResponse: Nova can make a server and the answer to the
// POST never arrive (a proxy timing out, the network dropping, pallet's
// own create_timeout running out with the POST in flight). The server
// then exists, running and billed, without pallet knowing its id. Create
// must find it by its unique name and use it, or delete it, or name it.
func TestLostCreateResponse(t *testing.T) {
	t.Run("dropped answer: the server is adopted, not made twice", func(t *testing.T) {
		f := newFixture(t)
		f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Drop: true, Times: 1})
		p := f.provider(t)
		nodes, err := p.Create(context.Background(), "web", 1, f.spec)
		if err != nil {
			t.Fatalf("Create after a dropped answer: %v", err)
		}
		s := f.cloud.Servers()
		if len(s) != 1 || len(nodes) != 1 || nodes[0].ID != s[0].ID {
			t.Errorf("nodes %+v, servers %+v; want the one server the lost POST made", nodes, s)
		}
		if n := f.cloud.CountRequests("POST /compute/v2.1/servers"); n != 1 {
			t.Errorf("POST /servers %d times, want 1: the first one made the server", n)
		}
	})
	t.Run("answer after create_timeout: the server is deleted", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.CreateTimeout = Duration(300 * time.Millisecond)
		f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Delay: 5 * time.Second, Times: 1})
		p := f.provider(t)
		_, err := p.Create(context.Background(), "web", 1, f.spec)
		if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || !strings.Contains(err.Error(), "deleted the 1 servers") {
			t.Errorf("Create = %v, want the timeout and the made server deleted", err)
		}
		if s := f.cloud.Servers(); len(s) != 0 {
			t.Errorf("leaked servers: %+v", s)
		}
	})
	t.Run("keep_failed names the server the lost POST made", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.KeepFailed = true
		f.cfg.CreateTimeout = Duration(300 * time.Millisecond)
		f.cloud.FailNext(openstacktest.Fault{Method: "POST", Path: "/servers", Delay: 5 * time.Second, Times: 1})
		p := f.provider(t)
		_, err := p.Create(context.Background(), "web", 1, f.spec)
		s := f.cloud.Servers()
		if len(s) != 1 || err == nil || !strings.Contains(err.Error(), "kept servers "+s[0].ID) {
			t.Errorf("Create = %v with servers %+v; want the one server kept and named by id", err, s)
		}
	})
	t.Run("timeout, then the delete fails: the server is named and listed", func(t *testing.T) {
		f := newFixture(t)
		f.cfg.CreateTimeout = Duration(200 * time.Millisecond)
		f.cloud.SetBuildPolls(1 << 30)
		f.cloud.FailNext(openstacktest.Fault{Method: "DELETE", Path: "/servers/", Status: 500, Times: 1000})
		p := f.provider(t)
		_, err := p.Create(context.Background(), "web", 1, f.spec)
		s := f.cloud.Servers()
		if len(s) != 1 {
			t.Fatalf("servers %+v, want the one whose delete failed", s)
		}
		if err == nil || !strings.Contains(err.Error(), "servers left: "+s[0].ID) || !strings.Contains(err.Error(), "pallet-group=web") {
			t.Errorf("Create = %v; want the server left named by id and how it is found again", err)
		}
		nodes, lerr := p.Nodes(context.Background())
		if lerr != nil || len(nodes) != 1 || nodes[0].ID != s[0].ID {
			t.Errorf("Nodes = %+v, %v; want the left server listed, for converge to count or destroy", nodes, lerr)
		}
	})
}

// TestQuotaExceededOnRecheck: Nova checks quota when it accepts a create
// and again when conductor builds the servers; parallel creates can pass
// the first check together and fail the second, and the server goes to
// ERROR with "Quota exceeded for instances". That is quota exceeded, the
// same error as Nova's up-front 403, not a build failure.
func TestQuotaExceededOnRecheck(t *testing.T) {
	f := newFixture(t)
	f.cloud.SetInstanceQuotaRecheck(1)
	p := f.provider(t)
	_, err := p.Create(context.Background(), "web", 2, f.spec)
	if err == nil {
		t.Fatal("2 servers on a quota of 1: no error")
	}
	for _, want := range []string{"quota exceeded: server web-", "went to ERROR: Quota exceeded for instances: Requested 1, but already used 1 of 1 instances", "openstack quota show", "deleted the 2 servers"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	var qe *QuotaError
	if !errors.Is(err, ErrQuotaExceeded) || !errors.As(err, &qe) {
		t.Errorf("errors.Is(ErrQuotaExceeded) / As(*QuotaError) false for %v", err)
	}
	if s := f.cloud.Servers(); len(s) != 0 {
		t.Errorf("leaked servers: %+v", s)
	}
	if _, err := p.Create(context.Background(), "web", 1, f.spec); err != nil {
		t.Errorf("one server within the quota: %v", err)
	}
}
