package compiler

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"mvdan.cc/sh/v3/syntax"

	"github.com/palletops/pallet/templates"
)

// TestInlinePart: the bodies that may run in the script's process, and
// the ones that must keep their subshell, each for the reason named.
func TestInlinePart(t *testing.T) {
	for _, c := range []struct {
		body, want string
		ok         bool
	}{
		{"pallet_file_is /etc/a 0644 root root <<<'x\ny $z `w`'", "", true},
		{"[[ -d /srv/x && ! -L /srv/x ]]\npallet_meta_is /srv/x 0755 root root", "", true},
		{"pallet_directory_make /x 0755 root root yes\n[[ -d /x && ! -L /x ]] && pallet_meta_is /x 0755 root root || exit 98", "pallet_directory_make /x 0755 root root yes\n[[ -d /x && ! -L /x ]] && pallet_meta_is /x 0755 root root || return 98", true},
		{"pallet_sudoers_included /e || {\n  echo \"sudo does not read it\" >&2\n  exit 98\n}", "pallet_sudoers_included /e || {\n  echo \"sudo does not read it\" >&2\n  return 98\n}", true},
		{"# shellcheck disable=SC2016 # a comment\npallet_pkg_dpkg_state installed sudo 2>/dev/null </dev/null", "", true},
		{"apt-get install -y \\\n  -o Dpkg::Options::=--force-confdef -- sudo", "", true},
		{"systemctl reload 'app.service'; true", "", true},
		{"exit 0", "return 0", true},
		{"echo 'exit 3' exit", "", true},
		// refused
		{"x=1", "", false},
		{"x+=(a)", "", false},
		{"a[1]=2 pallet_meta_is /x", "", false},
		{"echo $HOME", "", false},
		{"echo \"$HOME\"", "", false},
		{"echo \"a\\\"b\"", "", false},
		{"echo `id`", "", false},
		{"cd /tmp", "", false},
		{"export DEBIAN_FRONTEND=noninteractive", "", false},
		{"set +e", "", false},
		{"trap 'rm -f x' EXIT", "", false},
		{"umask 077", "", false},
		{"exec 3>/tmp/x", "", false},
		{"eval 'cd /'", "", false},
		{". /etc/profile", "", false},
		{"source /etc/profile", "", false},
		{"read -r x <<<'a'", "", false},
		{"printf -v x '%s' a", "", false},
		{"'cd' /", "", false},
		{"c\\d /", "", false},
		{"sleep 1 &", "", false},
		{"ls | wc -l", "", false},
		{"(cd / && ls)", "", false},
		{"f() { :; }", "", false},
		{"if true; then :; fi", "", false},
		{"for x in a; do :; done", "", false},
		{"exit", "", false},
		{"exit $rc", "", false},
		{"exit 1 >&2", "return 1 >&2", true},
		{"cat <<EOF\nx\nEOF", "", false},
		{"diff <(ls) /x", "", false},
		{"ls {fd}>/tmp/x", "", false},
		{"ls >\"$f\"", "", false},
		{"ls >/tmp/*", "", false},
		{"pallet_step 1 a b c d", "", false},
		{"pallet_archive /x", "", false},
		{"[[ -d /x ]", "", false},
		{"echo 'unclosed", "", false},
		{"l*s /", "", false},
		{"local x", "", false},
		{"declare -g x=1", "", false},
		{"unset PATH", "", false},
		{"wait", "", false},
	} {
		got, ok := inlinePart(c.body)
		want := c.want
		if want == "" {
			want = c.body
		}
		if ok != c.ok || got != want {
			t.Errorf("inlinePart(%q) = %q, %v; want %q, %v", c.body, got, ok, want, c.ok)
		}
	}
}

// number is a word of digits only: a descriptor, an exit status.
var number = regexp.MustCompile(`^[0-9]+$`)

// inlineProblems reports what, in stmts, an inline part must not have, as the
// parser sees it: the scanner's rules (inline.go), checked by mvdan.cc/sh
// on the bodies it accepted.
func inlineProblems(stmts []*syntax.Stmt) []string {
	var out []string
	syntax.Walk(&syntax.Block{Stmts: stmts}, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			if n.Background || n.Coprocess {
				out = append(out, "a background or coprocess statement")
			}
			for _, r := range n.Redirs {
				if r.N != nil && !number.MatchString(r.N.Value) {
					out = append(out, "a {var} redirection")
				}
				if r.Hdoc != nil {
					out = append(out, "a here document")
				}
			}
		case *syntax.CallExpr:
			if len(n.Assigns) > 0 {
				out = append(out, "an assignment")
			}
			if len(n.Args) > 0 {
				name := n.Args[0].Lit()
				switch {
				case name == "":
					out = append(out, "a command name that is not a literal word")
				case name == "exit" || name == "return":
					if len(n.Args) != 2 || !number.MatchString(n.Args[1].Lit()) {
						out = append(out, name+" without a number")
					}
				case inlineBuiltins[name]:
				case strings.HasPrefix(name, "pallet_"):
					if !inlineHelpers[name] {
						out = append(out, "the helper "+name)
					}
				case bashWords[name]:
					out = append(out, "the builtin "+name)
				}
				if name == "printf" && len(n.Args) > 1 && strings.HasPrefix(n.Args[1].Lit(), "-v") {
					out = append(out, "printf -v")
				}
			}
		case *syntax.BinaryCmd:
			if n.Op != syntax.AndStmt && n.Op != syntax.OrStmt {
				out = append(out, "a pipeline")
			}
		case *syntax.ParamExp, *syntax.CmdSubst, *syntax.ArithmExp, *syntax.ProcSubst, *syntax.ExtGlob:
			out = append(out, "an expansion")
		case *syntax.Subshell, *syntax.FuncDecl, *syntax.IfClause, *syntax.WhileClause, *syntax.ForClause,
			*syntax.CaseClause, *syntax.DeclClause, *syntax.LetClause, *syntax.ArithmCmd, *syntax.TimeClause,
			*syntax.CoprocClause, *syntax.TestDecl:
			out = append(out, "a compound command")
		}
		return true
	})
	return out
}

// TestInlineAgreesWithParser: every check and apply the golden files pin
// (every crate's scenarios, every example) that inlinePart accepts is,
// parsed by mvdan.cc/sh, made of what the scanner may accept only; and
// enough of them are, so that the test is not vacuous. The golden bodies
// are compiled ones, their exit made return where they run inline: the
// parser finds each return command and it is made exit again first.
func TestInlineAgreesWithParser(t *testing.T) {
	var files []string
	for _, glob := range []string{"../crates/*/testdata/*.txtar", "../golden/examples/*/*/*.sh"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	part := regexp.MustCompile(`^pallet_(check|apply)_[0-9]+$`)
	parts, inline := 0, 0
	check := func(where, src string) {
		prog, err := syntax.NewParser().Parse(strings.NewReader(src), where)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		syntax.Walk(prog, func(n syntax.Node) bool {
			fd, ok := n.(*syntax.FuncDecl)
			if !ok || !part.MatchString(fd.Name.Value) {
				return true
			}
			body := src[fd.Body.Pos().Offset()+1 : fd.Body.End().Offset()-1]
			var rets []int
			syntax.Walk(fd.Body, func(n syntax.Node) bool {
				if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) > 0 && c.Args[0].Lit() == "return" {
					rets = append(rets, int(c.Args[0].Pos().Offset())-int(fd.Body.Pos().Offset())-1)
				}
				return true
			})
			for k := len(rets) - 1; k >= 0; k-- {
				body = body[:rets[k]] + "exit" + body[rets[k]+len("return"):]
			}
			parts++
			if _, ok := inlinePart(body); !ok {
				return false
			}
			inline++
			b, err := syntax.NewParser().Parse(strings.NewReader(body), where)
			if err != nil {
				t.Errorf("%s: %s: %v", where, fd.Name.Value, err)
				return false
			}
			if p := inlineProblems(b.Stmts); len(p) > 0 {
				t.Errorf("%s: %s runs inline, but holds %s:\n%s", where, fd.Name.Value, strings.Join(p, ", "), body)
			}
			return false
		})
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".sh") {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			check(f, string(src))
			continue
		}
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasPrefix(af.Name, "steps") {
				check(f+" "+af.Name, string(af.Data))
			}
		}
	}
	t.Logf("%d of %d parts in %d golden files run inline", inline, parts, len(files))
	if inline < 50 {
		t.Errorf("only %d parts of the golden scripts run inline: the test sees too few", inline)
	}
}

// TestInlineHelpersAudit: each helper an inline part may call, read by
// mvdan.cc/sh, leaves the script's shell as a subshell would have: where
// it does not run in a subshell of its own, it runs no exit, cd, pushd,
// popd, trap (but pallet_temp_file's, which an inline part does not set),
// set or shopt (but under local -), umask (but pallet_new_file's, which
// puts it back), exec of a program, eval or source, starts nothing in the
// background, defines no function and assigns no variable but its own
// locals and PALLET_ results the runtime drops after an inline part
// (pallet_inline's unset); and every helper it calls is listed too.
func TestInlineHelpersAudit(t *testing.T) {
	h := helperSet()
	runtime := []byte(templates.Runtime)
	dropped := map[string]bool{}
	if m := regexp.MustCompile(`(?s)unset (PALLET_DIR .*?PALLET_TRAPPED)\n`).FindSubmatch(runtime); m != nil {
		for _, v := range strings.Fields(strings.ReplaceAll(string(m[1]), "\\", "")) {
			dropped[v] = true
		}
	} else {
		t.Fatal("runtime.sh has no unset of the helpers' results in pallet_inline")
	}
	// names the script keeps on purpose: the stat server's, which a
	// helper clears when the server has gone
	kept := map[string]bool{"PALLET_STATD_PID": true, "PALLET_STATD_R": true, "PALLET_PART_TEMPS": true}
	set := map[string]bool{}
	for _, name := range sortedKeys(inlineHelpers) {
		src, ok := h.src[name]
		if !ok {
			t.Errorf("%s is listed in inlineHelpers and is no helper", name)
			continue
		}
		for _, d := range h.deps[name] {
			if !inlineHelpers[d] {
				t.Errorf("%s calls %s, which is not in inlineHelpers", name, d)
			}
		}
		prog, err := syntax.NewParser().Parse(strings.NewReader(src), name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for callee, v := range callersVar {
			if callee != name && slices.Contains(h.deps[name], callee) && !regexp.MustCompile(`(?m)^\s*local\b.*\s`+v+`(\s|$)`).MatchString(src) {
				t.Errorf("%s calls %s and does not declare %s local", name, callee, v)
			}
		}
		for _, p := range auditHelper(t, name, prog, set) {
			t.Errorf("%s: %s", name, p)
		}
	}
	for v := range set {
		if !dropped[v] && !kept[v] {
			t.Errorf("an inline helper sets %s, which pallet_inline does not unset", v)
		}
	}
	for v := range dropped {
		if !set[v] && v != "PALLET_TRAPPED" {
			t.Errorf("pallet_inline unsets %s, which no inline helper sets", v)
		}
	}
}

// callersVar: the helpers that set a variable of their caller's, which
// the caller declares local (pallet_path_parts: "the caller declares
// local -a parts"); the audit holds each inline caller to it.
var callersVar = map[string]string{"pallet_path_parts": "parts"}

// auditHelper is TestInlineHelpersAudit's look at one helper; the PALLET_
// names it assigns go in set.
func auditHelper(t *testing.T, name string, prog *syntax.File, set map[string]bool) []string {
	var out []string
	var fn *syntax.FuncDecl
	for _, st := range prog.Stmts {
		if fd, ok := st.Cmd.(*syntax.FuncDecl); ok && fd.Name.Value == name {
			fn = fd
		}
	}
	if fn == nil {
		return []string{"no function of its name"}
	}
	locals := map[string]bool{}
	localOpts := false
	// locals first: bash's local is dynamic, any local declaration in the
	// function covers its assignments (the helpers declare theirs first)
	syntax.Walk(fn.Body, func(n syntax.Node) bool {
		if d, ok := n.(*syntax.DeclClause); ok && (d.Variant.Value == "local" || d.Variant.Value == "declare") {
			for _, a := range d.Args {
				if a.Name != nil {
					locals[a.Name.Value] = true
				} else if a.Naked && a.Value != nil && a.Value.Lit() == "-" {
					localOpts = true
				}
			}
		}
		return true
	})
	assigned := func(v string) {
		v = strings.TrimSuffix(strings.TrimPrefix(v, "{"), "}")
		switch {
		case locals[v] || v == "_" || callersVar[name] == v:
		case strings.HasPrefix(v, "PALLET_"):
			set[v] = true
		default:
			out = append(out, "assigns "+v+", not a local")
		}
	}
	// a command's prefix assignments (IFS=: read) last for that command
	temporary := map[*syntax.Assign]bool{}
	var walk func(n syntax.Node) bool
	walk = func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Subshell, *syntax.CmdSubst, *syntax.ProcSubst:
			return false // its own process: what it does stays there
		case *syntax.BinaryCmd:
			if n.Op == syntax.Pipe || n.Op == syntax.PipeAll {
				return false // each side in a subshell
			}
		case *syntax.Stmt:
			if n.Background || n.Coprocess {
				out = append(out, "starts something in the background")
			}
			for _, r := range n.Redirs {
				if r.N != nil && !number.MatchString(r.N.Value) {
					assigned(r.N.Value)
				}
			}
		case *syntax.FuncDecl:
			out = append(out, "defines a function")
		case *syntax.DeclClause:
			switch n.Variant.Value {
			case "local":
			case "declare", "typeset":
				for _, a := range n.Args {
					if a.Naked && a.Value != nil && strings.Contains(a.Value.Lit(), "g") && strings.HasPrefix(a.Value.Lit(), "-") {
						out = append(out, "declare -g")
					}
				}
			default:
				out = append(out, n.Variant.Value)
			}
		case *syntax.Assign:
			if n.Name != nil && !temporary[n] {
				assigned(n.Name.Value)
			}
		case *syntax.ForClause:
			if wi, ok := n.Loop.(*syntax.WordIter); ok {
				assigned(wi.Name.Value)
			}
		case *syntax.BinaryArithm:
			if n.Op >= syntax.Assgn && n.Op <= syntax.ShrAssgn {
				if w, ok := n.X.(*syntax.Word); ok {
					assigned(w.Lit())
				}
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				if w, ok := n.X.(*syntax.Word); ok {
					assigned(w.Lit())
				}
			}
		case *syntax.ParamExp:
			if n.Exp != nil && (n.Exp.Op == syntax.AssignUnset || n.Exp.Op == syntax.AssignUnsetOrNull) {
				out = append(out, "${"+n.Param.Value+":=...}")
			}
			if n.Exp != nil && (n.Exp.Op == syntax.ErrorUnset || n.Exp.Op == syntax.ErrorUnsetOrNull) {
				out = append(out, "${"+n.Param.Value+":?...}, which ends the script")
			}
		case *syntax.CallExpr:
			if len(n.Args) == 0 {
				break
			}
			for _, a := range n.Assigns {
				temporary[a] = true
			}
			cmd := n.Args[0].Lit()
			args := make([]string, len(n.Args)-1)
			for i, a := range n.Args[1:] {
				args[i] = a.Lit()
			}
			switch cmd {
			case "":
				if !higherOrder[name] {
					out = append(out, "runs a command whose name is not a literal word")
				}
			case "exit", "cd", "pushd", "popd", "eval", "source", ".", "shopt", "getopts", "alias", "enable", "builtin", "ulimit", "export", "readonly", "hash", "wait":
				out = append(out, "runs "+cmd)
			case "command":
				if len(args) == 0 || args[0] != "-v" && args[0] != "-V" {
					out = append(out, "runs command")
				}
			case "mapfile", "readarray":
				target := "MAPFILE"
				for i := 0; i < len(args); i++ {
					switch a := args[i]; {
					case a == "-d" || a == "-n" || a == "-O" || a == "-s" || a == "-u" || a == "-C" || a == "-c":
						i++
					case strings.HasPrefix(a, "-"):
					default:
						target = a
					}
				}
				assigned(target)
			case "trap":
				if name != "pallet_temp_file" {
					out = append(out, "runs trap")
				}
			case "umask":
				if name != "pallet_new_file" {
					out = append(out, "runs umask")
				}
			case "set":
				if !localOpts {
					out = append(out, "runs set without local -")
				}
			case "exec":
				if len(args) > 0 {
					out = append(out, "execs a program")
				}
			case "unset":
				for _, a := range args {
					if !strings.HasPrefix(a, "-") {
						assigned(a)
					}
				}
			case "read":
				for i := 0; i < len(args); i++ {
					a := args[i]
					switch {
					case a == "-a":
						if i+1 < len(args) {
							assigned(args[i+1])
						}
						i++
					case a == "-d" || a == "-t" || a == "-u" || a == "-n" || a == "-N" || a == "-p" || a == "-i":
						i++
					case strings.HasPrefix(a, "-"):
					case a != "":
						assigned(a)
					}
				}
			case "printf":
				if len(args) > 1 && args[0] == "-v" {
					assigned(strings.SplitN(args[1], "[", 2)[0])
				}
			}
		}
		return true
	}
	syntax.Walk(fn.Body, walk)
	sort.Strings(out)
	return slices.Compact(out)
}

// TestInlineHelpersListed: the list names helpers that exist, sorted as
// the file keeps them (a reader finds one at once).
func TestInlineHelpersListed(t *testing.T) {
	src, err := os.ReadFile("inline.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\t"(pallet_[a-z0-9_]+)": +true,$`).FindAllStringSubmatch(string(src), -1) {
		names = append(names, m[1])
	}
	if len(names) != len(inlineHelpers) || !slices.IsSorted(names) {
		t.Errorf("inlineHelpers in inline.go: %d names, sorted %v; keep one per line, sorted", len(names), slices.IsSorted(names))
	}
}
