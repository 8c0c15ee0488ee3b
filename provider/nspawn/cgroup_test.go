package nspawn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMountinfo(t *testing.T) {
	in := `22 1 0:20 / /proc rw,nosuid - proc proc rw
35 25 0:30 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
36 25 0:31 / /sys/fs/cgroup/systemd rw,relatime shared:10 master:2 - cgroup cgroup rw,xattr,name=systemd
90 22 0:50 /machine.slice/a\040b /mnt/cg\040x rw - cgroup2 none rw
short line
`
	got, err := parseMountinfo(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{
		{root: "/", point: "/proc", fstype: "proc", superOpts: "rw"},
		{root: "/", point: "/sys/fs/cgroup/unified", fstype: "cgroup2", superOpts: "rw"},
		{root: "/", point: "/sys/fs/cgroup/systemd", fstype: "cgroup", superOpts: "rw,xattr,name=systemd"},
		{root: "/machine.slice/a b", point: "/mnt/cg x", fstype: "cgroup2", superOpts: "rw"},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(mount{})); d != "" {
		t.Errorf("parseMountinfo (-want +got):\n%s", d)
	}
}

func TestCgroupDirs(t *testing.T) {
	unified := mount{root: "/", point: "/sys/fs/cgroup/unified", fstype: "cgroup2", superOpts: "rw"}
	systemd := mount{root: "/", point: "/sys/fs/cgroup/systemd", fstype: "cgroup", superOpts: "rw,xattr,name=systemd"}
	memory := mount{root: "/", point: "/sys/fs/cgroup/memory", fstype: "cgroup", superOpts: "rw,memory"}
	pureV2 := mount{root: "/", point: "/sys/fs/cgroup", fstype: "cgroup2", superOpts: "rw"}
	tests := []struct {
		name    string
		cgroup  string
		mounts  []mount
		want    []string
		wantErr string
	}{{
		name:   "hybrid host, at the root",
		cgroup: "9:name=systemd:/\n4:memory:/process_api/3a\n0::/\n",
		mounts: []mount{memory, unified, systemd},
		want:   []string{"/sys/fs/cgroup/unified/pallet-ab", "/sys/fs/cgroup/systemd/pallet-ab"},
	}, {
		name:   "cgroup2 host, in a login session's scope",
		cgroup: "0::/user.slice/user-0.slice/session-3.scope\n",
		mounts: []mount{pureV2},
		want:   []string{"/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope/pallet-ab"},
	}, {
		name:   "legacy host: cgroup2 listed but not mounted",
		cgroup: "2:name=systemd:/system.slice/x.service\n1:memory:/\n0::/\n",
		mounts: []mount{memory, systemd},
		want:   []string{"/sys/fs/cgroup/systemd/system.slice/x.service/pallet-ab"},
	}, {
		name:   "a mount of part of the tree; one of a neighbouring part is skipped",
		cgroup: "0::/machine.slice/ab/payload\n",
		mounts: []mount{
			{root: "/machine.slice/a", point: "/wrong", fstype: "cgroup2"},
			{root: "/machine.slice/ab", point: "/sys/fs/cgroup", fstype: "cgroup2"},
		},
		want: []string{"/sys/fs/cgroup/payload/pallet-ab"},
	}, {
		name:    "outside its cgroup namespace",
		cgroup:  "0::/../../system.slice\n",
		mounts:  []mount{pureV2},
		wantErr: "outside its cgroup namespace",
	}, {
		name:   "a mount whose root is outside the namespace is no use",
		cgroup: "0::/\n",
		mounts: []mount{
			{root: "/..", point: "/sys/fs/cgroup", fstype: "cgroup2"},
			{root: "/", point: "/cg2", fstype: "cgroup2"},
		},
		want: []string{"/cg2/pallet-ab"},
	}, {
		name:    "name=systemd listed but not mounted",
		cgroup:  "9:name=systemd:/\n0::/\n",
		mounts:  []mount{unified},
		wantErr: "no mount of that hierarchy",
	}, {
		name:    "nothing systemd uses is mounted",
		cgroup:  "4:memory:/\n0::/\n",
		mounts:  []mount{memory},
		wantErr: "found no cgroup2 or name=systemd hierarchy",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupDirs("ab", tt.cgroup, tt.mounts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("cgroupDirs = %v, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("cgroupDirs (-want +got):\n%s", d)
			}
		})
	}
}
