package live

import "testing"

var _ = register(Case{Crate: "timezone", Run: func(t *testing.T, n *Node) {
	// Debian 11 and 12 keep the name in /etc/timezone too; Debian 13's
	// tzdata makes none, and the crate makes none there either.
	keepsName := n.Release != "trixie"
	origLink := trim(n.Sh(t, "readlink /etc/localtime"))
	origName, err := n.ShErr(t, "cat /etc/timezone")
	hadName := err == nil
	// deferred, not t.Cleanup: t.Context, which Sh uses, is done by then.
	defer func() {
		restore := "ln -sfn " + origLink + " /etc/localtime"
		if hadName {
			restore += "; printf '%s\\n' " + trim(origName) + " >/etc/timezone"
		} else {
			restore += "; rm -f /etc/timezone"
		}
		if out, err := n.ShErr(t, restore); err != nil {
			t.Errorf("putting the time zone back: %v\n%s", err, out)
		}
	}()
	if hadName != keepsName {
		t.Fatalf("%s: /etc/timezone there: %v, want %v (origin %q)", n.Release, hadName, keepsName, origName)
	}
	// 2023-11-14 22:13:20 UTC: winter in Berlin, summer in Sydney.
	const at = "date -d @1700000000 '+%Z %z %H:%M'"

	r := n.Converge(t, "- timezone: {zone: Europe/Berlin}", func() {
		n.Want(t, "readlink /etc/localtime", "/usr/share/zoneinfo/Europe/Berlin")
		n.Want(t, at, "CET +0100 23:13")
		if keepsName {
			n.Want(t, "cat /etc/timezone", "Europe/Berlin")
		} else {
			n.Want(t, "test -e /etc/timezone && echo there || echo none", "none")
		}
	})
	if keepsName {
		WantStatuses(t, r, "changed", "changed")
	} else {
		WantStatuses(t, r, "changed", "ok")
	}

	// Check mode says what would change and changes nothing.
	c := n.Check(t, "- timezone: {zone: Australia/Sydney}")
	if keepsName {
		WantStatuses(t, c, "would-change", "would-change")
	} else {
		WantStatuses(t, c, "would-change", "ok")
	}
	n.Want(t, "readlink /etc/localtime; "+at, "/usr/share/zoneinfo/Europe/Berlin\nCET +0100 23:13")

	// A link timedatectl made (relative) to the zone counts as set; a
	// wrong /etc/timezone is put right, on Debian 13 too where it is there.
	n.Sh(t, "ln -sfn ../usr/share/zoneinfo/Australia/Sydney /etc/localtime; echo Etc/UTC >/etc/timezone")
	WantStatuses(t, n.Apply(t, "- timezone: {zone: Australia/Sydney}"), "ok", "changed")
	n.Want(t, "readlink /etc/localtime; cat /etc/timezone; "+at, "../usr/share/zoneinfo/Australia/Sydney\nAustralia/Sydney\nAEDT +1100 09:13")
	if !keepsName {
		n.Sh(t, "rm /etc/timezone")
	}

	// A copy of the zone file in place of the link is replaced by the link.
	n.Sh(t, "rm /etc/localtime; cp /usr/share/zoneinfo/Asia/Tokyo /etc/localtime")
	if st := n.Apply(t, "- timezone: {zone: Asia/Tokyo}").Statuses(); st[0] != "changed" {
		t.Errorf("a copy of a zone file at /etc/localtime: statuses %v, want the link changed", st)
	}
	n.Want(t, "readlink /etc/localtime; "+at, "/usr/share/zoneinfo/Asia/Tokyo\nJST +0900 07:13")

	// Refusals: a zone the node does not have, and a file of zoneinfo that
	// is no zone, fail the step saying so and leave the link alone; a name
	// that climbs out of /usr/share/zoneinfo never compiles.
	_, msg := n.ApplyFails(t, "- timezone: {zone: Mars/Olympus_Mons}")
	wantIn(t, msg, "time zone Mars/Olympus_Mons is not on this node", "/usr/share/zoneinfo/Mars/Olympus_Mons")
	_, msg = n.ApplyFails(t, "- timezone: {zone: America}")
	wantIn(t, msg, "/usr/share/zoneinfo/America is a directory of time zones, not a zone")
	_, msg = n.ApplyFails(t, "- timezone: {zone: leapseconds}")
	wantIn(t, msg, "/usr/share/zoneinfo/leapseconds is not a time zone file")
	n.Want(t, "readlink /etc/localtime", "/usr/share/zoneinfo/Asia/Tokyo")
	n.wantRefused(t, "- timezone: {zone: ../../../etc/shadow}", "must be a time zone name")

	// Back to where the node started, through the crate.
	zone := origLink[len("/usr/share/zoneinfo/"):]
	n.Converge(t, "- timezone: {zone: "+zone+"}", func() {
		n.Want(t, "readlink /etc/localtime", origLink)
	})
}})
