package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/palletops/pallet/packs/packstest"
)

// packFiles is a pack with crates hello (one step) and, from v1.5.0 on,
// bye.
func packFiles(says string, bye bool) map[string]string {
	f := map[string]string{
		"crates/hello/crate.yaml":      "summary: says " + says + "\nfamilies: [debian]\n",
		"crates/hello/default.sh.tmpl": "{{ step \"say " + says + "\" }}\n{{ check }}\nfalse\n{{ apply }}\necho " + says + "\n",
	}
	if bye {
		f["crates/bye/crate.yaml"] = "summary: says bye\nfamilies: [debian]\n"
		f["crates/bye/default.sh.tmpl"] = "{{ step \"bye\" }}\n{{ check }}\nfalse\n{{ apply }}\necho bye\n"
	}
	return f
}

// TestPacksScript runs testdata/packs: the packs and crate authoring
// commands against an in-process module proxy and checksum database
// (packstest), each script with its own pack cache. $PROXY is the proxy's
// URL.
func TestPacksScript(t *testing.T) {
	proxy := packstest.New(t)
	proxy.Add("example.com/acme/pallet-web", "v1.4.2", packFiles("hello", false))
	proxy.Add("example.com/acme/pallet-web", "v1.5.0", packFiles("hello again", true))
	proxy.Add("example.com/acme/pallet-web", "v1.6.0", packFiles("hello", true))
	proxy.Tamper("example.com/acme/pallet-web", "v1.6.0", packFiles("evil", true))
	proxy.Add("example.com/acme/tools", "v0.1.0", packFiles("tools", false))
	proxy.Add("example.com/acme/tools", "v0.2.0", packFiles("tools", true))
	proxy.Add("example.com/acme/notapack", "v1.0.0", map[string]string{"README.md": "not a pack\n"})
	testscript.Run(t, testscript.Params{
		Dir: "testdata/packs",
		Setup: func(env *testscript.Env) error {
			env.Setenv("USER", "deploy")
			for k, v := range proxy.Env(env.WorkDir + "/.cache") {
				env.Setenv(k, v)
			}
			env.Setenv("PROXY", proxy.URL)
			return nil
		},
	})
}
