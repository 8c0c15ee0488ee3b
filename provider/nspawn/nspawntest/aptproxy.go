package nspawntest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/palletops/pallet/provider"
)

// aptHosts are the only hosts the apt proxy fetches from: the mirror the
// nodes' sources.list names.
var aptHosts = map[string]bool{"deb.debian.org": true}

// aptThroughProxy starts, for t, an HTTP proxy on the host end of the
// private-network node n's veth pair (169.254.T.1, which n reaches) and
// makes n's apt use it. The proxy forwards plain-HTTP GET and HEAD
// requests for aptHosts and refuses anything else: a node of its own
// network reaches the mirror and nothing more, and the host forwards no
// packet for it.
func aptThroughProxy(t testing.TB, nodes []provider.Node, n provider.Node) {
	t.Helper()
	ip := net.ParseIP(n.Host).To4()
	if ip == nil {
		t.Fatalf("nspawntest: node %s has no IPv4 address (%q)", n.Name, n.Host)
	}
	hostEnd := fmt.Sprintf("%d.%d.%d.1", ip[0], ip[1], ip[2])
	l, err := net.Listen("tcp", net.JoinHostPort(hostEnd, "0"))
	if err != nil {
		t.Fatalf("nspawntest: apt proxy for %s: %v", n.Name, err)
	}
	srv := &http.Server{Handler: aptProxy(), ReadHeaderTimeout: 30 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	conf := fmt.Sprintf("Acquire::http::Proxy \"http://%s\";\n", l.Addr())
	command := "cat >/etc/apt/apt.conf.d/00pallet-test-proxy"
	if n.User != "root" {
		command = "sudo -n sh -c " + "'" + command + "'"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", SSHArgs(t, nodes, n, command)...)
	cmd.Stdin = strings.NewReader(conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nspawntest: point apt of %s at the proxy: %v\n%s", n.Name, err, out)
	}
}

// aptProxy is a forward proxy for GET and HEAD of http://HOST/... where
// HOST is one of aptHosts.
func aptProxy() http.Handler {
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.Host = pr.In.URL.Host
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.URL.Scheme != "http" || !aptHosts[r.URL.Hostname()] || (r.URL.Port() != "" && r.URL.Port() != "80") {
			http.Error(w, "nspawntest apt proxy: only GET and HEAD of http://deb.debian.org/", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	})
}
