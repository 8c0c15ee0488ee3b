package compiler

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/palletops/pallet/osfamily"
	"github.com/palletops/pallet/project"
)

// A variant template marks out steps with these functions. They print
// markers that no param value can hold (values with NUL bytes are refused),
// and the compiler cuts the rendered text at them:
//
//	{{ step "install" .raw.packages }}   starts a step, named for the status line
//	{{ check }}                          what follows, up to apply, is the check
//	{{ diff }}                           optional, after the check: what
//	                                     follows, up to apply, prints what
//	                                     the apply would change (--diff;
//	                                     {{ $c.Diff .path }} for content)
//	{{ apply }}                          what follows is the apply
//	{{ wait }}                           or: what follows waits for the check
//	                                     to hold, changing nothing
//	{{ apply_checked }}                  or: what follows changes things and
//	                                     ends by proving the check itself
//	{{ use "user" (dict "name" .user) }} renders another crate's steps here
//
// A step with no check always applies and reports "ran". A wait step
// reports "ok" once its wait is over, never "changed": a step that waits
// for a port made nothing, and a recap counting it as a change would
// hide the steps that did.
const (
	markStep  = "\x00step\x01"
	markCheck = "\x00check\x01"
	markApply = "\x00apply\x01"
	markWait  = "\x00wait\x01"
	// markChecked starts an apply that proves its check itself
	// ({{ apply_checked }}): the runtime does not run the check again.
	markChecked = "\x00apply_checked\x01"
	markDiff    = "\x00diff\x01"
	markUse     = "\x00use\x01"
	// markPayload is printed by .bytes.Of's Stdin for content that travels
	// as a payload: the step gets the payload, the text the reference.
	markPayload = "\x00payload\x01"
	markEnd     = "\x00"
)

// removedFuncs are sprig functions a crate template must not have: they
// read the compiling machine's environment, make output that differs from
// run to run, or quote for something other than bash (sprig's quote makes
// "..." and squote does not escape ', both unsafe in a shell script).
var removedFuncs = []string{
	"env", "expandenv", "getHostByName",
	"now", "date", "dateInZone", "date_in_zone", "dateModify", "date_modify", "htmlDate", "htmlDateInZone", "ago", "duration", "durationRound", "unixEpoch", "toDate", "mustToDate", "mustDateModify",
	"randAlphaNum", "randAlpha", "randAscii", "randNumeric", "randBytes", "randInt", "uuidv4", "shuffle",
	"genPrivateKey", "derivePassword", "buildCustomCert", "genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey",
	"encryptAES", "decryptAES", "bcrypt", "htpasswd",
}

func templateFuncs() template.FuncMap {
	fm := sprig.TxtFuncMap()
	for _, name := range removedFuncs {
		delete(fm, name)
	}
	unsafeQuote := func(name string) func(...any) (string, error) {
		return func(...any) (string, error) {
			return "", fmt.Errorf("%s does not quote for bash: use q (or print the param, which is quoted already)", name)
		}
	}
	fm["quote"] = unsafeQuote("quote")
	fm["squote"] = unsafeQuote("squote")
	fm["q"] = quoteAny
	fm["raw"] = func(v any) any { return unwrap(v) }
	fm["step"] = func(args ...any) string {
		var b strings.Builder
		b.WriteString(markStep)
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			// What unwrap then fmt.Sprint would print, without either
			// for the values steps are named by.
			switch x := a.(type) {
			case Word:
				b.WriteString(string(x))
			case string:
				b.WriteString(x)
			case []Word:
				for j, w := range x {
					if j > 0 {
						b.WriteByte(' ')
					}
					b.WriteString(string(w))
				}
			default:
				switch y := unwrap(a).(type) {
				case []string:
					b.WriteString(strings.Join(y, " "))
				default:
					b.WriteString(fmt.Sprint(y))
				}
			}
		}
		b.WriteString(markEnd)
		return b.String()
	}
	fm["check"] = func() string { return markCheck + markEnd }
	fm["apply"] = func() string { return markApply + markEnd }
	fm["wait"] = func() string { return markWait + markEnd }
	fm["apply_checked"] = func() string { return markChecked + markEnd }
	fm["diff"] = func() string { return markDiff + markEnd }
	fm["use"] = func(name string, params ...map[string]any) (string, error) {
		in := map[string]any{}
		for _, p := range params {
			for k, v := range p {
				in[k] = unwrap(v)
			}
		}
		js, err := json.Marshal(in)
		if err != nil {
			return "", fmt.Errorf("use %s: %w", name, err)
		}
		return markUse + name + "\x01" + string(js) + markEnd, nil
	}
	return fm
}

// adminData is .admin in templates. Its public key is read only when a
// template asks for it, so projects that never bootstrap need no key file.
type adminData struct {
	user string
	key  func() (Word, error)
}

// User is the admin user's name, quoted when printed.
func (a *adminData) User() (Word, error) {
	if a.user == "" {
		return "", fmt.Errorf("no admin user: set admin.user in pallet.yaml (or $USER)")
	}
	return Word(a.user), nil
}

// PublicKey is the admin public key's text (one line), quoted when printed.
func (a *adminData) PublicKey() (Word, error) { return a.key() }

// step is one rendered step before assembly.
type step struct {
	Crate string // crate path for the status line: automated-admin-user/user
	// Pack is the pack of the crate the step is from (module@version),
	// "" for a crate path's or a built-in: the script's header names it.
	Pack  string
	Name  string
	Check string
	// Diff prints what the apply would change (--diff): the commands
	// between {{ diff }} and {{ apply }}, if any.
	Diff  string
	Apply string
	// Payloads are the payloads the step's apply reads, in the order it
	// names them.
	Payloads []*Payload
	// Wait: the apply only waits for the check to hold ({{ wait }}).
	Wait bool
	// Checked: the apply ends by proving what the check proves, in the
	// same process ({{ apply_checked }}), so the runtime does not run the
	// check again after it; the apply fails with status 98 when that
	// proof fails, reported "did not converge".
	Checked bool
	// Call numbers the phase's call the step comes from (from 1), so the
	// script can put a when_notified call's steps between its bounds;
	// Notify and When are that call's notify: and when_notified: flags.
	Call   int
	Notify []string
	When   []string
	// Helpers are the helpers of templates/helpers the step's text calls
	// itself, found once when it was split (nil: not looked for); a
	// script holds them and those they call.
	Helpers []string
	// SecretsNote is set when the step's content holds placeholders for
	// secrets a template file read: the script header's note on them.
	SecretsNote string
}

// renderer renders crate calls for one OS.
type renderer struct {
	p     *Project
	os    osfamily.OS
	osMap map[string]string
	admin *adminData
	// nd is the node compiled for (nil: none), cluster every node, group
	// the group compiled for; vars are the node's vars, all levels
	// merged, and varsKey says which vars they are (the group, or the
	// group and a node with vars of its own).
	nd      *NodeData
	cluster *Cluster
	group   string
	vars    map[string]any
	varsKey string
	tdata   map[string]any // the params' template data, made when first needed
	steps   []step
	depth   int
	// readNode: what the call being rendered has put in steps so far
	// depends on the node (its template reads it, or a crate it used does).
	readNode bool
	// payloads are the payloads templates have asked for (Data.Stdin), by
	// sha256, until split gives each to its step.
	payloads map[string]*Payload
	// pack is the pack of the crate being rendered (see step.Pack).
	pack string
	// secretsNote: the call being rendered read secrets as placeholders
	// (see step.SecretsNote).
	secretsNote string
	// bytes is .bytes, the same for every call the renderer renders.
	bytes bytesData
}

func (r *renderer) data(c *Crate, args Args) map[string]any {
	// Sized for what it holds: the params given and left out, and the six
	// keys below; a map that grows past its size hint is rehashed.
	d := make(map[string]any, len(args)+len(c.Params)+6)
	raw := make(map[string]any, len(args))
	for k, v := range args {
		d[k] = quoted(v)
		raw[k] = v
	}
	// An optional string, list or map param the call left out prints as
	// empty ('' or nothing), never as text/template's "<no value>"; .raw
	// keeps it absent so templates can tell with hasKey.
	for _, p := range c.Params {
		if _, ok := args[p.Name]; ok {
			continue
		}
		switch p.Type {
		case "string":
			d[p.Name] = Word("")
		case "list":
			d[p.Name] = []Word{}
		case "map":
			d[p.Name] = map[Word]Word{}
		}
	}
	d["raw"] = raw
	d["os"] = r.osMap
	d["admin"] = r.admin
	r.bytes.r = r
	d["bytes"] = &r.bytes
	if r.nd != nil {
		d["node"] = r.nd.words
	}
	if r.cluster != nil {
		// .cluster, not .groups: a crate may have a param named groups
		// (user does).
		d["cluster"] = r.cluster.words
	}
	return d
}

// callData is a call's template data as the fast path reads it: each key
// of what data makes, made when read, so a rendering that never needs the
// whole map (most do not: they read fields of it) does not make it.
type callData struct {
	r    *renderer
	c    *Crate
	args Args
	m    map[string]any // data's map, once made
}

// field is data(c, args)[name], without the map.
func (d *callData) field(name string) any {
	if d.m != nil {
		return d.m[name]
	}
	r := d.r
	switch name {
	case "raw":
		// The call's own map, where data copies it: the fast path runs
		// no function that changes a map (see mutatesArgs).
		return map[string]any(d.args)
	case "os":
		return r.osMap
	case "admin":
		return r.admin
	case "bytes":
		r.bytes.r = r
		return &r.bytes
	case "node":
		if r.nd != nil {
			return r.nd.words
		}
	case "cluster":
		if r.cluster != nil {
			return r.cluster.words
		}
	}
	if v, ok := d.args[name]; ok {
		return quoted(v)
	}
	if p := d.c.Param(name); p != nil {
		switch p.Type {
		case "string":
			return Word("")
		case "list":
			return []Word{}
		case "map":
			return map[Word]Word{}
		}
	}
	return nil
}

// data is the whole map, made the first time it is asked for.
func (d *callData) data() map[string]any {
	if d.m == nil {
		d.m = d.r.data(d.c, d.args)
	}
	return d.m
}

// args are a call's params for this node: the literal ones, and its
// !var and templated ones rendered for the node and validated. Calls
// whose dyn params read no node data render them once for all nodes
// that see the same vars.
func (r *renderer) args(c *Call) (Args, error) {
	if len(c.dyn) == 0 {
		return c.Args, nil
	}
	var key string
	if !c.readsNode {
		key = fmt.Sprintf("%p\x00%s", c, r.varsKey)
		if a, ok := r.p.resolvedArgs.Load(key); ok {
			return a.(Args), nil
		}
	}
	if r.tdata == nil {
		r.tdata = templateData(r.vars, r.nd, r.cluster, r.group, nil)
	}
	args := make(Args, len(c.Args)+len(c.dyn))
	for k, v := range c.Args {
		args[k] = v
	}
	for _, d := range c.dyn {
		v, err := d.resolve(c.Crate, r.p.File, r.tdata)
		if err != nil {
			return nil, err
		}
		args[d.param.Name] = v
	}
	if key != "" {
		r.p.resolvedArgs.Store(key, args)
	}
	return args, nil
}

// call renders one crate call and appends its steps.
func (r *renderer) call(c *Crate, label string, args Args) error {
	if r.depth > 16 {
		return fmt.Errorf("crate %s: crates use each other more than 16 deep; is there a loop?", c.Name)
	}
	v, err := c.Variant(r.os)
	if err != nil {
		return err
	}
	// A call renders the same steps wherever it appears with the same
	// params and OS, and, when it reads the node, on the same node: fleets
	// repeat the same bootstrap in every group, so the project keeps what
	// each call rendered. Whether a call reads the node is known only once
	// it has rendered (a crate it uses may read it), so the node-free key
	// holds either the steps or a mark saying "per node: look under the
	// node's key". Errors are not kept.
	var keyBuf [256]byte // most keys fit: the lookups allocate nothing
	key, cacheable := r.appendCacheKey(keyBuf[:0], c, label, args)
	base := len(key) // key[:base] is the node-free key, key the node's
	if cacheable {
		if ent, ok := r.p.rendered.load(key); ok {
			if !ent.perNode {
				r.steps = append(r.steps, ent.steps...)
				return nil
			}
			key = r.appendNodeKey(key)
			if ent, ok := r.p.rendered.load(key); ok {
				r.steps = append(r.steps, ent.steps...)
				r.readNode = true
				return nil
			}
		}
	}
	outer, outerNote := r.readNode, r.secretsNote
	r.readNode, r.secretsNote = v.readsNode, ""
	first := len(r.steps)
	var b strings.Builder
	b.Grow(v.sizeHint())
	cd := callData{r: r, c: c, args: args}
	if !v.fast.execute(&b, &cd) {
		if fastGaveUp != nil && v.fast != nil {
			fastGaveUp(v)
		}
		b.Reset()
		b.Grow(v.sizeHint())
		if err := v.tmpl.Execute(&b, cd.data()); err != nil {
			var pe *project.Error
			if errors.As(err, &pe) {
				return pe // placed already: a template file's error, at its line
			}
			return fmt.Errorf("%s", templateError(err))
		}
	}
	v.lastSize.Store(int32(min(b.Len(), maxSizeHint)))
	outerPack := r.pack
	r.pack = c.Pack
	note := r.secretsNote
	err = r.split(v, label, b.String())
	r.pack, r.secretsNote = outerPack, outerNote
	if err != nil {
		return err
	}
	if note != "" {
		for j := first; j < len(r.steps); j++ {
			r.steps[j].SecretsNote = note
		}
	}
	perNode := r.readNode // this call's template, or a crate it used
	r.readNode = outer || perNode
	if cacheable {
		steps := slices.Clone(r.steps[first:])
		if perNode {
			r.p.rendered.store(r.appendNodeKey(key[:base]), rendering{steps: steps})
			r.p.rendered.store(key[:base], rendering{perNode: true})
		} else {
			r.p.rendered.store(key[:base], rendering{steps: steps})
		}
	}
	return nil
}

// fastGaveUp, when set (by tests), is told of each rendering the fast
// path began and left to text/template.
var fastGaveUp func(v *Variant)

// appendNodeKey appends to a call's node-free key what names the node in
// the render cache: every field a crate's template can read of it, since
// names need not be unique, and the cluster it sees as .cluster (converge
// compiles again once it has made nodes, with the same project).
func (r *renderer) appendNodeKey(b []byte) []byte {
	b = append(b, "\x00node\x00"...)
	if r.nd != nil {
		b = append(b, r.nd.key...)
	}
	if r.cluster != nil {
		b = append(b, "\x00cluster\x00"...)
		b = append(b, r.cluster.key...)
	}
	return b
}

// renderCache is what each crate call rendered, by its key (see
// renderer.call). A map under a lock rather than a sync.Map: a lookup by
// a key still in bytes then makes no string of it, and most lookups in a
// fleet's compile are of calls already rendered.
type renderCache struct {
	mu sync.RWMutex
	m  map[string]rendering
}

func (c *renderCache) load(key []byte) (rendering, bool) {
	c.mu.RLock()
	ent, ok := c.m[string(key)]
	c.mu.RUnlock()
	return ent, ok
}

func (c *renderCache) store(key []byte, ent rendering) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]rendering{}
	}
	c.m[string(key)] = ent
	c.mu.Unlock()
}

// clear forgets every rendering.
func (c *renderCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// rendering is what the render cache keeps for a call: its steps, or, under
// the node-free key of a call that reads the node, only that mark.
type rendering struct {
	steps   []step
	perNode bool
}

// appendCacheKey appends to b the name of a call's rendering on any node:
// crate, label, OS and params (validated, so of the param types only), in
// sorted order.
func (r *renderer) appendCacheKey(b []byte, c *Crate, label string, args Args) ([]byte, bool) {
	// Two packs' crates may share a name (called qualified): the pack
	// keeps their renderings apart.
	b = append(b, c.Pack...)
	b = append(b, 0)
	b = append(b, c.Name...)
	for _, s := range []string{label, r.os.ID} {
		b = append(b, 0)
		b = append(b, s...)
	}
	keys := make([]string, 0, 16) // on the stack for calls with up to 16 params
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(b, 0)
		b = append(b, k...)
		b = append(b, '=')
		switch v := args[k].(type) {
		case string:
			b = strconv.AppendQuote(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		case []string:
			for _, e := range v {
				b = strconv.AppendQuote(append(b, ','), e)
			}
		case map[string]string:
			for _, mk := range sortedKeys(v) {
				b = strconv.AppendQuote(append(b, ','), mk)
				b = strconv.AppendQuote(append(b, ':'), v[mk])
			}
		case *ProjectFile:
			b = append(append(append(b, "file:"...), v.SHA256...), v.Path...)
		default:
			return b, false // not a param type: do not cache
		}
	}
	return b, true
}

// split cuts a variant's rendered text at its markers into steps.
func (r *renderer) split(v *Variant, label, text string) error {
	// cur is the step being cut, nil before the first; it points at
	// building, which stays on the stack (flush appends a copy).
	var building step
	var cur *step
	part := "" // "", "check", "diff" or "apply"
	flush := func() error {
		if cur == nil {
			return nil
		}
		cur.Check, cur.Diff, cur.Apply = trimBlank(cur.Check), trimBlank(cur.Diff), trimBlank(cur.Apply)
		if cur.Apply == "" {
			return fmt.Errorf("%s: step %q has nothing to apply: write commands after {{ apply }}", v.File, cur.Name)
		}
		h := helperSet()
		cur.Helpers = h.calls(cur.Apply, h.calls(cur.Diff, h.calls(cur.Check, []string{})))
		r.steps = append(r.steps, *cur)
		cur = nil
		return nil
	}
	for text != "" {
		i := strings.IndexByte(text, 0)
		chunk := text
		if i >= 0 {
			chunk = text[:i]
		}
		switch {
		case cur == nil:
			if strings.TrimSpace(chunk) != "" && strings.TrimSpace(stripComments(chunk)) != "" {
				return fmt.Errorf("%s: text outside a step (%q): start each step with {{ step \"what it does\" }}", v.File, firstLine(chunk))
			}
		case part == "check":
			cur.Check += chunk
		case part == "diff":
			cur.Diff += chunk
		default:
			cur.Apply += chunk
		}
		if i < 0 {
			break
		}
		text = text[i+1:]
		kind, rest, _ := strings.Cut(text, "\x01")
		arg, after, _ := strings.Cut(rest, markEnd)
		text = after
		switch kind {
		case "step":
			if err := flush(); err != nil {
				return err
			}
			building = step{Crate: label, Pack: r.pack, Name: sanitizeName(arg)}
			cur, part = &building, ""
		case "check":
			if cur == nil || part != "" {
				return fmt.Errorf("%s: {{ check }} must come right after {{ step ... }}", v.File)
			}
			part = "check"
		case "diff":
			if cur == nil || part != "check" {
				return fmt.Errorf("%s: {{ diff }} must come after {{ check }}, before {{ apply }}", v.File)
			}
			part = "diff"
		case "apply", "wait", "apply_checked":
			if cur == nil || part == "apply" {
				return fmt.Errorf("%s: {{ %s }} must come after {{ step ... }} (and its check), once", v.File, kind)
			}
			if strings.TrimSpace(cur.Apply) != "" {
				return fmt.Errorf("%s: step %q has commands before {{ check }}: put them after {{ %s }}", v.File, cur.Name, kind)
			}
			if kind == "wait" && part == "diff" {
				return fmt.Errorf("%s: step %q waits, so it changes nothing to diff: drop its {{ diff }}", v.File, cur.Name)
			}
			if kind == "wait" && part != "check" {
				return fmt.Errorf("%s: step %q waits but has no {{ check }}: the check is what it waits for", v.File, cur.Name)
			}
			if kind == "apply_checked" && part != "check" && part != "diff" {
				return fmt.Errorf("%s: step %q has {{ apply_checked }} but no {{ check }}: the check is what its apply proves", v.File, cur.Name)
			}
			cur.Wait = kind == "wait"
			cur.Checked = kind == "apply_checked"
			part = "apply"
		case "payload":
			if cur == nil || part == "check" || part == "diff" {
				return fmt.Errorf("%s: content that travels as a payload (%d bytes, or not plain text, or secret) can be read only after {{ apply }}: check mode uploads no payloads, so compare by sha256 in the check (pallet_file_sha256_is PATH {{ $c.SHA256 }})", v.File, r.payloads[arg].Size)
			}
			cur.Apply += payloadRef(r.payloads[arg])
			if !slices.ContainsFunc(cur.Payloads, func(p *Payload) bool { return p.SHA256 == arg }) {
				cur.Payloads = append(cur.Payloads, r.payloads[arg])
			}
		case "use":
			if err := flush(); err != nil {
				return err
			}
			name, js, _ := strings.Cut(arg, "\x01")
			if err := r.use(v, label, name, js); err != nil {
				return err
			}
		}
	}
	if cur != nil && (part == "check" || part == "diff") {
		return fmt.Errorf("%s: step %q has a check but no {{ apply }}", v.File, cur.Name)
	}
	return flush()
}

func (r *renderer) use(v *Variant, label, name, js string) error {
	c, err := r.p.reg.lookup(name)
	if err != nil {
		if len(r.p.reg.ambiguous[name]) > 0 {
			return fmt.Errorf("%s: use: %v", v.File, err)
		}
		return fmt.Errorf("%s: use %q: crate not found%s", v.File, name, didYouMean(name, r.p.reg.names()))
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(js), &in); err != nil {
		return fmt.Errorf("%s: use %s: %v", v.File, name, err)
	}
	args, err := c.bindGo(in, r.p.projectFile)
	if err != nil {
		return fmt.Errorf("%s: use: %w", v.File, err)
	}
	r.depth++
	defer func() { r.depth-- }()
	return r.call(c, label+"/"+name, args)
}

// trimBlank drops leading and trailing blank lines, keeping the
// indentation of the first line that is not blank.
func trimBlank(s string) string {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			break
		}
		s = s[i+1:]
	}
	for {
		i := strings.LastIndexByte(s, '\n')
		if strings.TrimSpace(s[i+1:]) != "" {
			break
		}
		if i < 0 {
			return ""
		}
		s = s[:i]
	}
	return s
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// sanitizeName makes a step name fit on one status line.
func sanitizeName(s string) string {
	if isCleanName(s) {
		return s
	}
	return cleanName(s)
}

// cleanName is sanitizeName the long way, for any s.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		s = "step"
	}
	return s
}

// isCleanName: s is what sanitizeName makes of it already, as most step
// names are: printable ASCII, words one space apart, no space at either
// end. Anything else (a byte outside ASCII included, since strings.Fields
// splits at Unicode spaces) goes the long way.
func isCleanName(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}
