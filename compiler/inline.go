package compiler

import "strings"

// Which parts of a step run in the script's own process.
//
// pallet_part (templates/runtime.sh) runs each check and apply in a
// subshell, so that nothing a part does to the shell reaches the steps
// after it. The subshell is a fork of a large bash, about half a
// millisecond of CPU each, a tenth of a first run of the benchmark's ten
// steps. A part that provably does nothing to the shell can run in the
// script's process instead ("inline"): inlinePart says which.
//
// It recognises a small subset of bash and refuses everything else, so a
// part it is unsure of keeps its subshell. Accepted: commands whose words
// are literal (plain, single-quoted, or double-quoted without $, ` or \),
// with no expansion at all and no assignment; [[ ]] tests of such words;
// !, &&, ||, { }, ; and newlines; the redirections <<<WORD, >&2, 2>&1,
// >/dev/null and the like; comments; and as commands: programs (any name
// that is not a bash builtin or keyword), the builtins true, false, :,
// echo, test, [ and printf (not -v), the helpers in inlineHelpers, and
// exit N, which becomes return N (the part is a function: it returns from
// it, as exit ended the part's subshell). Anything else, a $ anywhere
// outside single quotes included, refuses. A full parse (mvdan.cc/sh)
// would cost more than the rest of a compile together, on every body; the
// tests hold this scanner to it (TestInlineAgreesWithParser) and audit
// every helper listed (TestInlineHelpersAudit).
//
// It runs on every check and apply of every compile: one pass over the
// body, no allocation unless an exit is rewritten.

// inlineHelpers are the helpers an inline part may call: audited by
// TestInlineHelpersAudit (no exit, cd, trap, umask or shell option left
// changed, no variable set but their locals and the PALLET_ results the
// runtime drops after an inline part, every helper they call listed too).
var inlineHelpers = map[string]bool{
	"pallet_as_reader":          true,
	"pallet_as_user":            true,
	"pallet_as_writer":          true,
	"pallet_directory_make":     true,
	"pallet_directory_make_as":  true,
	"pallet_dirname":            true,
	"pallet_file_entry":         true,
	"pallet_file_is":            true,
	"pallet_file_is_as":         true,
	"pallet_file_line":          true,
	"pallet_file_line_as":       true,
	"pallet_file_line_awk":      true,
	"pallet_file_line_is_as":    true,
	"pallet_file_need_dir":      true,
	"pallet_file_read":          true,
	"pallet_file_set_meta":      true,
	"pallet_file_writer":        true,
	"pallet_meta_is":            true,
	"pallet_meta_line_is":       true,
	"pallet_new_file":           true,
	"pallet_passwd":             true,
	"pallet_path_parts":         true,
	"pallet_pkg_dpkg_state":     true,
	"pallet_ssh_key_authorize":  true,
	"pallet_ssh_key_authorized": true,
	"pallet_ssh_key_has":        true,
	"pallet_ssh_key_user":       true,
	"pallet_stat_gone":          true,
	"pallet_stat_line":          true,
	"pallet_stat_stop":          true,
	"pallet_stat_walk":          true,
	"pallet_stat_walk_stat":     true,
	"pallet_stdin_into":         true,
	"pallet_sudoers_included":   true,
	"pallet_sudoers_install":    true,
	"pallet_temp_file":          true,
	"pallet_temp_gone":          true,
	"pallet_temp_name":          true,
	"pallet_tmp_remember":       true,
	"pallet_user_ensure":        true,
	"pallet_user_home_fill":     true,
	"pallet_user_in_groups":     true,
	"pallet_user_is":            true,
	"pallet_user_join_groups":   true,
	"pallet_user_make_home":     true,
	"pallet_write_file":         true,
	"pallet_write_file_as":      true,
}

// higherOrder are the inline helpers that run a command their caller
// names ("$@"): an inline part's arguments to them are held to what the
// part could run itself (no builtin of the shell's).
var higherOrder = map[string]bool{
	"pallet_as_reader": true, "pallet_as_user": true, "pallet_as_writer": true,
	"pallet_file_read": true, "pallet_write_file": true, "pallet_write_file_as": true,
}

// inlineBuiltins are the bash builtins an inline part may run: none of
// them changes the shell (printf only without -v, checked apart).
var inlineBuiltins = map[string]bool{"true": true, "false": true, ":": true, "echo": true, "printf": true, "test": true, "[": true}

// bashWords are bash's builtins and reserved words: a command by one of
// these names is the shell's own, which may change it (cd, export, set,
// trap, read, ...), or a compound command the scanner does not follow.
var bashWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`. : [ alias bg bind break builtin caller cd command compgen complete compopt
		continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history
		jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return set shift
		shopt source suspend test times trap true type typeset ulimit umask unalias unset wait
		if then else elif fi case esac for select while until do done in function time coproc { } ! [[ ]]`) {
		m[w] = true
	}
	return m
}()

// inlinePart reports whether body (a check's or an apply's) can run in
// the script's process, and gives it back with every exit N made return N
// when it can.
func inlinePart(body string) (string, bool) {
	var exits []int // where each exit command word starts
	i, n := 0, len(body)
	cmd := true     // the next word is a command name
	test := false   // inside [[ ]]
	expect := ""    // what the next word must be: "status" after exit, "" anything
	higher := false // the command is one of higherOrder's
	for i < n {
		c := body[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '\n' || c == ';':
			if test || expect == "status" {
				return body, false
			}
			cmd = true
			i++
			continue
		case c == '#':
			// a word starts here: a comment to the end of the line
			for i < n && body[i] != '\n' {
				i++
			}
			continue
		case c == '&' || c == '|':
			if i+1 < n && body[i+1] == c && expect == "" {
				// && and ||: in a test, its own operator
				if !test {
					cmd = true
				}
				i += 2
				continue
			}
			return body, false // background, pipeline, &>
		case c == '(' || c == ')':
			if !test {
				return body, false
			}
			i++
			continue
		case c == '<' || c == '>':
			if test {
				i++ // a string comparison
				continue
			}
			j, ok := redirection(body, i)
			if !ok || expect != "" {
				return body, false
			}
			i = j
			continue
		}
		// a word
		start := i
		plain, assign, fd := true, false, true
		for i < n {
			c := body[i]
			if wordEnd(c) {
				break
			}
			switch c {
			case '\'', '"':
				j, ok := literalQuote(body, i)
				if !ok {
					return body, false
				}
				i = j
				plain, fd = false, false
				continue
			case '\\':
				if i+1 >= n {
					return body, false
				}
				if body[i+1] == '\n' && i == start {
					// a line continuation between words
					i += 2
					start = i
					continue
				}
				i += 2
				plain, fd = false, false
				continue
			case '$', '`':
				return body, false
			case '=':
				if plain && isName(body[start:i]) {
					assign = true
				}
			}
			if c < '0' || c > '9' {
				fd = false
			}
			i++
		}
		if i == start {
			continue
		}
		word := body[start:i]
		if i < n && (body[i] == '<' || body[i] == '>') {
			// 2>&1: a descriptor's number, then its redirection; any
			// other word against one is refused ({var}>FILE keeps FILE
			// open in the shell, in var)
			if !fd || test || expect != "" {
				return body, false
			}
			j, ok := redirection(body, i)
			if !ok {
				return body, false
			}
			i = j
			continue
		}
		switch {
		case expect == "status":
			if !fd {
				return body, false
			}
			expect = ""
			continue
		case test:
			if word == "]]" {
				test = false
			}
			continue
		case !cmd:
			// an argument naming a helper may be run by the one it goes
			// to: it must be an inline one; and a higher-order helper's
			// runs whatever it is given
			if strings.HasPrefix(word, "pallet_") && !inlineHelpers[word] ||
				higher && plain && bashWords[word] && !inlineBuiltins[word] {
				return body, false
			}
			continue
		}
		// a command's name
		if assign || !plain {
			return body, false
		}
		switch word {
		case "!", "{":
			continue
		case "}":
			cmd = false
			continue
		case "[[":
			test, cmd = true, false
			continue
		case "exit":
			exits = append(exits, start)
			expect, cmd = "status", false
			continue
		case "printf":
			if j := skipBlanks(body, i); strings.HasPrefix(body[j:], "-v") {
				return body, false
			}
		}
		cmd = false
		higher = higherOrder[word]
		if strings.HasPrefix(word, "pallet_") {
			if !inlineHelpers[word] {
				return body, false
			}
			continue
		}
		if bashWords[word] && !inlineBuiltins[word] {
			return body, false
		}
		if strings.ContainsAny(word, "*?[]{}~") {
			return body, false
		}
	}
	if test || expect != "" {
		return body, false
	}
	if len(exits) == 0 {
		return body, true
	}
	var b strings.Builder
	b.Grow(len(body) + 2*len(exits))
	at := 0
	for _, e := range exits {
		b.WriteString(body[at:e])
		b.WriteString("return")
		at = e + len("exit")
	}
	b.WriteString(body[at:])
	return b.String(), true
}

// redirection is the end of the redirection at body[i] (a < or >) and
// its target, when it is one an inline part may have: <<<WORD (a here
// string, its word literal), >&N, <&N, and <, > or >> a literal path.
func redirection(body string, i int) (int, bool) {
	n := len(body)
	switch {
	case strings.HasPrefix(body[i:], "<<<"):
		i += 3
	case strings.HasPrefix(body[i:], "<<"), strings.HasPrefix(body[i:], "<("), strings.HasPrefix(body[i:], ">("),
		strings.HasPrefix(body[i:], "<>"), strings.HasPrefix(body[i:], ">|"):
		return i, false
	case strings.HasPrefix(body[i:], ">&"), strings.HasPrefix(body[i:], "<&"):
		j := i + 2
		k := j
		for k < n && body[k] >= '0' && body[k] <= '9' {
			k++
		}
		if k == j || k < n && !strings.ContainsRune(" \t\n;&|)", rune(body[k])) {
			return i, false
		}
		return k, true
	case strings.HasPrefix(body[i:], ">>"):
		i += 2
	default:
		i++
	}
	// the target: one literal word
	i = skipBlanks(body, i)
	start := i
	for i < n {
		c := body[i]
		if wordEnd(c) {
			break
		}
		switch c {
		case '\'', '"':
			j, ok := literalQuote(body, i)
			if !ok {
				return i, false
			}
			i = j
			continue
		case '$', '`', '\\', '*', '?', '[', '{', '~':
			return i, false
		}
		i++
	}
	return i, i > start
}

// wordEnd says whether c, unquoted, ends a word.
func wordEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>'
}

// literalQuote is the end of the quoted string at body[i] (a ' or a "),
// when it is one with nothing to expand: single quotes, or double quotes
// holding no $, ` or \.
func literalQuote(body string, i int) (int, bool) {
	q := body[i]
	j := strings.IndexByte(body[i+1:], q)
	if j < 0 || q == '"' && strings.ContainsAny(body[i+1:i+1+j], "$`\\") {
		return i, false
	}
	return i + j + 2, true
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isName says whether s is a shell variable name, or one with an index
// (a[1]): a word a= would assign to.
func isName(s string) bool {
	if k := strings.IndexByte(s, '['); k > 0 && strings.HasSuffix(s, "]") {
		s = s[:k]
	} else if strings.HasSuffix(s, "+") {
		s = s[:len(s)-1]
	}
	if s == "" {
		return false
	}
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (j == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
