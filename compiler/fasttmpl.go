package compiler

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// A fastTemplate runs the common shapes of a crate template without
// text/template's reflection: text, {{ pipeline }} actions, {{ $x := ... }}
// and {{ $x = ... }}, and if / else if / else, where a pipeline reads
// fields of maps (.raw.path, $x.y), calls methods (.bytes.Of, $c.Stdin),
// and calls functions: the builtins eq, not, and, or and printf, and the
// template's FuncMap. A template with anything else (range, with,
// template, other builtins) has none, and runs in text/template.
//
// It does what text/template does only where it is sure to: whenever it
// meets a value it does not handle the same way for certain (a nil where
// a string is wanted, a comparison of other kinds than strings, ints and
// bools, a pointer to print, a call that fails or panics), execute gives
// up and the caller runs the template again in text/template from the
// start, which then renders it or makes its error. Running a crate
// template again is safe: what its calls leave on the renderer (payloads
// by sha256, readNode, a secrets note) comes out the same a second time.
type fastTemplate struct {
	root []fastNode
}

// fastNode is one node of a template's tree: text, an action or an if.
type fastNode struct {
	text string    // a text node, when pipe is nil
	pipe *fastPipe // an action, or the condition of an if
	// isIf: an if node, with then and els its branches.
	isIf      bool
	then, els []fastNode
}

// fastPipe is a pipeline: its commands, each one's value the next one's
// last argument, and the variable it declares or assigns, if any.
type fastPipe struct {
	decl   string // "" none; the variable's name with its $
	assign bool   // decl is assigned (=), not declared (:=)
	cmds   []fastOperand
}

type operandKind int

const (
	opField operandKind = iota // .a.b (chain from dot)
	opVar                      // $x or $x.a.b
	opDot                      // .
	opLit                      // a string, int or bool literal
	opPipe                     // (pipeline)
	opFunc                     // a function call: fn and args
)

// fastOperand is a command of a pipeline or an argument of one.
type fastOperand struct {
	kind  operandKind
	name  string   // opVar: the variable; opFunc: the function
	chain []string // opField, opVar: the fields after dot or the variable
	lit   any      // opLit
	pipe  *fastPipe
	fn    *fastFunc
	// args are a command's arguments after its first word (a method's,
	// for a field chain ending in one; a function's).
	args []fastOperand
}

// fastFunc is a function a template may call.
type fastFunc struct {
	name string
	// builtin is the text/template builtin it is ("eq", "not", "and",
	// "or"), handled here; else fn is the Go function.
	builtin string
	fn      any
}

// compileFast compiles t's tree to a fastTemplate, or returns nil when the
// tree has a shape it does not run. funcs must be the FuncMap t was
// parsed with.
func compileFast(t *template.Template, funcs template.FuncMap) *fastTemplate {
	if t == nil || t.Tree == nil || t.Root == nil {
		return nil
	}
	c := fastCompiler{funcs: funcs, fns: map[string]*fastFunc{}}
	root, ok := c.list(t.Root)
	if !ok {
		return nil
	}
	return &fastTemplate{root: root}
}

type fastCompiler struct {
	funcs template.FuncMap
	fns   map[string]*fastFunc
}

func (c *fastCompiler) list(l *parse.ListNode) ([]fastNode, bool) {
	if l == nil {
		return nil, true
	}
	var out []fastNode
	for _, n := range l.Nodes {
		switch x := n.(type) {
		case *parse.TextNode:
			out = append(out, fastNode{text: string(x.Text)})
		case *parse.CommentNode:
		case *parse.ActionNode:
			p, ok := c.pipe(x.Pipe, true)
			if !ok {
				return nil, false
			}
			out = append(out, fastNode{pipe: p})
		case *parse.IfNode:
			p, ok := c.pipe(x.Pipe, false)
			if !ok {
				return nil, false
			}
			then, ok1 := c.list(x.List)
			els, ok2 := c.list(x.ElseList)
			if !ok1 || !ok2 {
				return nil, false
			}
			out = append(out, fastNode{pipe: p, isIf: true, then: then, els: els})
		case *parse.ListNode:
			inner, ok := c.list(x)
			if !ok {
				return nil, false
			}
			out = append(out, inner...)
		default: // range, with, template, break, continue
			return nil, false
		}
	}
	return out, true
}

// pipe compiles a pipeline; decl says whether it may declare or assign a
// variable (an action's may; an if's and a parenthesized one's are left
// to text/template).
func (c *fastCompiler) pipe(p *parse.PipeNode, decl bool) (*fastPipe, bool) {
	if p == nil || len(p.Cmds) == 0 || len(p.Decl) > 1 || len(p.Decl) == 1 && !decl {
		return nil, false
	}
	fp := &fastPipe{assign: p.IsAssign}
	if len(p.Decl) == 1 {
		if len(p.Decl[0].Ident) != 1 {
			return nil, false
		}
		fp.decl = p.Decl[0].Ident[0]
	}
	for _, cmd := range p.Cmds {
		op, ok := c.command(cmd)
		if !ok {
			return nil, false
		}
		fp.cmds = append(fp.cmds, op)
	}
	return fp, true
}

func (c *fastCompiler) command(cmd *parse.CommandNode) (fastOperand, bool) {
	if len(cmd.Args) == 0 {
		return fastOperand{}, false
	}
	var op fastOperand
	switch x := cmd.Args[0].(type) {
	case *parse.IdentifierNode:
		fn, ok := c.function(x.Ident)
		if !ok {
			return op, false
		}
		op = fastOperand{kind: opFunc, name: x.Ident, fn: fn}
	case *parse.FieldNode, *parse.VariableNode:
		op, _ = c.arg(x)
	default:
		// A literal, dot or parenthesized pipeline as a command takes
		// no arguments.
		if len(cmd.Args) > 1 {
			return op, false
		}
		return c.arg(x)
	}
	for _, a := range cmd.Args[1:] {
		ao, ok := c.arg(a)
		if !ok {
			return op, false
		}
		op.args = append(op.args, ao)
	}
	return op, true
}

// arg compiles an argument: a field chain, a variable, dot, a literal or a
// parenthesized pipeline. Functions named without parentheses, nil and
// (pipeline).field are left to text/template.
func (c *fastCompiler) arg(n parse.Node) (fastOperand, bool) {
	switch x := n.(type) {
	case *parse.FieldNode:
		return fastOperand{kind: opField, chain: x.Ident}, true
	case *parse.VariableNode:
		return fastOperand{kind: opVar, name: x.Ident[0], chain: x.Ident[1:]}, true
	case *parse.DotNode:
		return fastOperand{kind: opDot}, true
	case *parse.StringNode:
		return fastOperand{kind: opLit, lit: x.Text}, true
	case *parse.BoolNode:
		return fastOperand{kind: opLit, lit: x.True}, true
	case *parse.NumberNode:
		// Only a plain decimal int: text/template's other number
		// syntaxes (floats, hex, runes, complex) have rules of their own.
		if !x.IsInt || !isDecimal(x.Text) || int64(int(x.Int64)) != x.Int64 {
			return fastOperand{}, false
		}
		return fastOperand{kind: opLit, lit: int(x.Int64)}, true
	case *parse.PipeNode:
		p, ok := c.pipe(x, false)
		if !ok {
			return fastOperand{}, false
		}
		return fastOperand{kind: opPipe, pipe: p}, true
	}
	return fastOperand{}, false
}

func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// function resolves a function name as text/template does: the FuncMap
// first, then the builtins, of which only eq, not, and, or and printf run
// here.
func (c *fastCompiler) function(name string) (*fastFunc, bool) {
	if f, ok := c.fns[name]; ok {
		return f, true
	}
	f := &fastFunc{name: name}
	if fn, ok := c.funcs[name]; ok {
		if mutatesArgs[name] || reflect.TypeOf(fn).Kind() != reflect.Func {
			return nil, false
		}
		f.fn = fn
	} else {
		switch name {
		case "eq", "not", "and", "or":
			f.builtin = name
		case "printf":
			f.fn = fmt.Sprintf
		default:
			return nil, false
		}
	}
	c.fns[name] = f
	return f, true
}

// mutatesArgs are sprig's functions that change a map they are given: a
// template that calls one is left to text/template, since running it again
// after the fast path gave up would start from the changed map.
var mutatesArgs = map[string]bool{
	"set": true, "unset": true,
	"merge": true, "mergeOverwrite": true, "mustMerge": true, "mustMergeOverwrite": true,
}

// fastState is one execution.
type fastState struct {
	w    *strings.Builder
	dot  any
	vars []fastVar
}

type fastVar struct {
	name string
	val  any
}

// execute renders the template with data (a map, or a call's *callData)
// into w, or reports false
// (w then holds part of a rendering: the caller resets it and runs the
// template in text/template).
func (t *fastTemplate) execute(w *strings.Builder, data any) (ok bool) {
	if t == nil {
		return false
	}
	defer func() {
		if recover() != nil { // a function that panicked: text/template makes the error
			ok = false
		}
	}()
	var vars [8]fastVar
	s := fastState{w: w, dot: data, vars: append(vars[:0], fastVar{"$", data})}
	return s.walk(t.root)
}

func (s *fastState) walk(nodes []fastNode) bool {
	for i := range nodes {
		n := &nodes[i]
		switch {
		case n.pipe == nil:
			s.w.WriteString(n.text)
		case n.isIf:
			mark := len(s.vars)
			v, ok := s.pipe(n.pipe)
			if !ok {
				return false
			}
			t, ok := truth(v)
			if !ok {
				return false
			}
			branch := n.els
			if t {
				branch = n.then
			}
			if !s.walk(branch) {
				return false
			}
			s.vars = s.vars[:mark]
		default:
			v, ok := s.pipe(n.pipe)
			if !ok {
				return false
			}
			if n.pipe.decl == "" && !s.print(v) {
				return false
			}
		}
	}
	return true
}

// missing marks no final argument (the first command of a pipeline).
type missingType struct{}

var missing any = missingType{}

func (s *fastState) pipe(p *fastPipe) (any, bool) {
	v := missing
	for i := range p.cmds {
		var ok bool
		v, ok = s.operand(&p.cmds[i], v)
		if !ok {
			return nil, false
		}
	}
	if p.decl != "" {
		if !p.assign {
			s.vars = append(s.vars, fastVar{p.decl, v})
		} else {
			for i := len(s.vars) - 1; ; i-- {
				if i < 0 {
					return nil, false
				}
				if s.vars[i].name == p.decl {
					s.vars[i].val = v
					break
				}
			}
		}
	}
	return v, true
}

// operand evaluates a command (final is the value piped into it, or
// missing) or an argument (final missing).
func (s *fastState) operand(op *fastOperand, final any) (any, bool) {
	switch op.kind {
	case opFunc:
		return s.call(op, final)
	case opField:
		return s.chain(s.dot, op.chain, op.args, final)
	case opVar:
		v, ok := s.varValue(op.name)
		if !ok {
			return nil, false
		}
		if len(op.chain) == 0 {
			return plain(v), final == missing && len(op.args) == 0
		}
		return s.chain(v, op.chain, op.args, final)
	}
	if final != missing {
		return nil, false // a literal, dot or (pipeline) takes no argument
	}
	switch op.kind {
	case opDot:
		return plain(s.dot), true
	case opLit:
		return op.lit, true
	case opPipe:
		return s.pipe(op.pipe)
	}
	return nil, false
}

// plain is v as a template sees it: a call's data as its map.
func plain(v any) any {
	if d, ok := v.(*callData); ok {
		return d.data()
	}
	return v
}

func (s *fastState) varValue(name string) (any, bool) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].val, true
		}
	}
	return nil, false
}

// chain walks the fields of v: map keys of map[string]any and
// map[string]string (a missing key is the map's zero value, as with
// missingkey=zero), and methods, the last one called with args and
// final.
func (s *fastState) chain(v any, chain []string, args []fastOperand, final any) (any, bool) {
	for i, name := range chain {
		last := i == len(chain)-1
		hasArgs := last && (len(args) > 0 || final != missing)
		switch m := v.(type) {
		case *callData:
			if hasArgs {
				return nil, false
			}
			v = m.field(name)
			continue
		case map[string]any:
			if hasArgs {
				return nil, false
			}
			v = m[name]
			continue
		case map[string]string:
			if hasArgs {
				return nil, false
			}
			v = m[name]
			continue
		case nil:
			return nil, false
		}
		if v, known, ok := s.knownMethod(v, name, last, args, final); known {
			if !ok {
				return nil, false
			}
			return v, true
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && rv.IsNil() || rv.Kind() == reflect.Interface {
			return nil, false
		}
		method := rv.MethodByName(name)
		if !method.IsValid() {
			return nil, false // a struct field, or no such thing
		}
		var ok bool
		if last {
			v, ok = s.reflectCall(method, args, final)
		} else {
			v, ok = s.reflectCall(method, nil, missing)
		}
		if !ok {
			return nil, false
		}
	}
	return v, true
}

// knownMethod calls the methods of the compiler's own template data that
// crate templates call most (.bytes.Of, $c.Stdin, .admin.User, ...)
// directly, as reflect would: known is false for any other (chain calls
// it through reflect), ok false to give up. It is only ever the last
// name of a chain here, or one without arguments.
func (s *fastState) knownMethod(recv any, name string, last bool, ops []fastOperand, final any) (v any, known, ok bool) {
	switch recv.(type) {
	case *Data:
		known = slices.Contains([]string{"Diff", "Inline", "Stdin", "SHA256", "Salt", "Secret", "Size"}, name)
	case *bytesData:
		known = name == "Of" || name == "Template"
	case *adminData:
		known = name == "User" || name == "PublicKey"
	}
	if !known {
		return nil, false, false
	}
	var buf [2]any
	var args []any
	if last {
		if args, ok = s.args(ops, final, buf[:0]); !ok {
			return nil, true, false
		}
	}
	switch r := recv.(type) {
	case *Data:
		if r == nil {
			return nil, true, false
		}
		if name == "Diff" {
			if len(args) != 1 {
				return nil, true, false
			}
			return r.Diff(args[0]), true, true
		}
		if len(args) != 0 {
			return nil, true, false
		}
		switch name {
		case "Inline":
			return r.Inline(), true, true
		case "Stdin":
			return r.Stdin(), true, true
		case "SHA256":
			return r.SHA256(), true, true
		case "Salt":
			return r.Salt(), true, true
		case "Secret":
			return r.Secret(), true, true
		case "Size":
			return r.Size(), true, true
		}
	case *bytesData:
		if r == nil {
			return nil, true, false
		}
		if name == "Of" || name == "Template" {
			if len(args) != 1 {
				return nil, true, false
			}
			var d *Data
			var err error
			if name == "Of" {
				d, err = r.Of(args[0])
			} else {
				d, err = r.Template(args[0])
			}
			return d, true, err == nil
		}
	case *adminData:
		if r == nil {
			return nil, true, false
		}
		if name == "User" || name == "PublicKey" {
			if len(args) != 0 {
				return nil, true, false
			}
			var w Word
			var err error
			if name == "User" {
				w, err = r.User()
			} else {
				w, err = r.PublicKey()
			}
			return w, true, err == nil
		}
	}
	return nil, true, false
}

// args evaluates a call's arguments, final last.
func (s *fastState) args(ops []fastOperand, final any, buf []any) ([]any, bool) {
	for i := range ops {
		v, ok := s.operand(&ops[i], missing)
		if !ok {
			return nil, false
		}
		buf = append(buf, v)
	}
	if final != missing {
		buf = append(buf, final)
	}
	return buf, true
}

func (s *fastState) call(op *fastOperand, final any) (any, bool) {
	f := op.fn
	switch f.builtin {
	case "and", "or":
		// They stop at the first argument that decides, and return it.
		n := len(op.args)
		if final != missing {
			n++
		}
		if n == 0 {
			return nil, false
		}
		var v any
		for i := range op.args {
			var ok bool
			if v, ok = s.operand(&op.args[i], missing); !ok {
				return nil, false
			}
			t, ok := truth(v)
			if !ok {
				return nil, false
			}
			if t == (f.builtin == "or") {
				return v, true
			}
		}
		if final != missing {
			v = final
		}
		return v, true
	case "":
	default:
		var buf [4]any
		args, ok := s.args(op.args, final, buf[:0])
		if !ok {
			return nil, false
		}
		switch f.builtin {
		case "not":
			if len(args) != 1 {
				return nil, false
			}
			t, ok := truth(args[0])
			return !t, ok
		case "eq":
			if len(args) < 2 {
				return nil, false
			}
			for _, b := range args[1:] {
				same, ok := basicEqual(args[0], b)
				if !ok {
					return nil, false
				}
				if same {
					return true, true
				}
			}
			return false, true
		}
		return nil, false
	}

	var buf [4]any
	args, ok := s.args(op.args, final, buf[:0])
	if !ok {
		return nil, false
	}
	// The FuncMap's functions of the shapes crate templates call most,
	// called directly; text/template would give these the same values
	// (an argument of type any as it is, a string only if it is a
	// string).
	switch fn := f.fn.(type) {
	case func() string:
		if len(args) == 0 {
			return fn(), true
		}
		return nil, false
	case func(...any) string:
		return fn(args...), true
	case func(any) any:
		if len(args) == 1 {
			return fn(args[0]), true
		}
		return nil, false
	case func(any) string:
		if len(args) == 1 {
			return fn(args[0]), true
		}
		return nil, false
	case func(...any) map[string]any:
		return fn(args...), true
	case func(...any) []any:
		return fn(args...), true
	case func(map[string]any, string) bool:
		if len(args) == 2 {
			m, ok1 := args[0].(map[string]any)
			k, ok2 := args[1].(string)
			if ok1 && ok2 {
				return fn(m, k), true
			}
		}
		return nil, false
	case func(string, ...map[string]any) (string, error):
		if len(args) == 0 {
			return nil, false
		}
		name, ok := args[0].(string)
		if !ok {
			return nil, false
		}
		maps := make([]map[string]any, len(args)-1)
		for i, a := range args[1:] {
			if maps[i], ok = a.(map[string]any); !ok {
				return nil, false
			}
		}
		v, err := fn(name, maps...)
		return v, err == nil
	case func(string, any) string:
		if len(args) == 2 {
			if a, ok := args[0].(string); ok {
				return fn(a, args[1]), true
			}
		}
		return nil, false
	case func(string, string) string:
		if a, b, ok := twoOf[string, string](args); ok {
			return fn(a, b), true
		}
		return nil, false
	case func(string, string) []string:
		if a, b, ok := twoOf[string, string](args); ok {
			return fn(a, b), true
		}
		return nil, false
	case func(int, string) string:
		if a, b, ok := twoOf[int, string](args); ok {
			return fn(a, b), true
		}
		return nil, false
	case func(string, string, string) string:
		if len(args) == 3 {
			if c, ok := args[2].(string); ok {
				if a, b, ok := twoOf[string, string](args[:2]); ok {
					return fn(a, b, c), true
				}
			}
		}
		return nil, false
	case func(any, any, bool) any:
		if len(args) == 3 {
			if c, ok := args[2].(bool); ok {
				return fn(args[0], args[1], c), true
			}
		}
		return nil, false
	case func(string, ...any) string:
		if len(args) > 0 {
			if a, ok := args[0].(string); ok {
				return fn(a, args[1:]...), true
			}
		}
		return nil, false
	}
	return s.reflectCallValues(reflect.ValueOf(f.fn), op.args, args)
}

// twoOf is args as two values of the types A and B (neither an
// interface type), if that is what they are.
func twoOf[A, B any](args []any) (A, B, bool) {
	var a A
	var b B
	if len(args) != 2 {
		return a, b, false
	}
	a, ok1 := args[0].(A)
	b, ok2 := args[1].(B)
	return a, b, ok1 && ok2
}

// reflectCall calls a method with args and final.
func (s *fastState) reflectCall(fn reflect.Value, ops []fastOperand, final any) (any, bool) {
	var buf [4]any
	args, ok := s.args(ops, final, buf[:0])
	if !ok {
		return nil, false
	}
	return s.reflectCallValues(fn, ops, args)
}

// reflectCallValues calls fn with args, of which the first len(ops) are
// the values of ops, through reflect: each argument must be of its
// parameter's type, or (an interface parameter) hold a value; a literal
// string, int or bool is converted to the parameter's type of its kind, as
// text/template does. A call that fails gives up.
func (s *fastState) reflectCallValues(fn reflect.Value, ops []fastOperand, args []any) (any, bool) {
	t := fn.Type()
	n := t.NumIn()
	if t.IsVariadic() && len(args) < n-1 || !t.IsVariadic() && len(args) != n {
		return nil, false
	}
	argv := make([]reflect.Value, len(args))
	for i, a := range args {
		var pt reflect.Type
		if t.IsVariadic() && i >= n-1 {
			pt = t.In(n - 1).Elem()
		} else {
			pt = t.In(i)
		}
		switch {
		case pt == reflectValue:
			return nil, false
		case a == nil:
			// Only an empty interface takes nil the same way from a
			// field and from a variable.
			if pt.Kind() != reflect.Interface || pt.NumMethod() != 0 {
				return nil, false
			}
			argv[i] = reflect.Zero(pt)
		default:
			v := reflect.ValueOf(a)
			if v.Type().AssignableTo(pt) {
				argv[i] = v
				continue
			}
			if i < len(ops) && ops[i].kind == opLit && v.Kind() == pt.Kind() {
				argv[i] = v.Convert(pt)
				continue
			}
			return nil, false
		}
	}
	out := fn.Call(argv)
	if len(out) == 2 && !out[1].IsNil() {
		return nil, false
	}
	if out[0].Kind() == reflect.Interface && out[0].IsNil() {
		return nil, true
	}
	return out[0].Interface(), true
}

var reflectValue = reflect.TypeFor[reflect.Value]()

// truth is text/template's truth of a value: false for nil, zero numbers,
// false and empty strings, lists and maps; true otherwise. ok is false for
// a value if cannot judge.
func truth(v any) (t, ok bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		return x != "", true
	case Word:
		return x != "", true
	case int:
		return x != 0, true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() > 0, true
	case reflect.Bool:
		return rv.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() != 0, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint() != 0, true
	case reflect.Float32, reflect.Float64:
		return rv.Float() != 0, true
	case reflect.Pointer, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return !rv.IsNil(), true
	case reflect.Struct:
		return true, true
	}
	return false, false
}

// basicEqual is eq for two strings (of any string type), two ints or two
// bools; ok is false for anything else.
func basicEqual(a, b any) (same, ok bool) {
	switch x := a.(type) {
	case string:
		switch y := b.(type) {
		case string:
			return x == y, true
		case Word:
			return x == string(y), true
		}
	case Word:
		switch y := b.(type) {
		case string:
			return string(x) == y, true
		case Word:
			return x == y, true
		}
	case int:
		if y, ok := b.(int); ok {
			return x == y, true
		}
	case bool:
		if y, ok := b.(bool); ok {
			return x == y, true
		}
	}
	return false, false
}

// print writes v as text/template prints it: strings as they are, a Word
// quoted (its String), ints and bools in Go syntax, nil as <no value>;
// other values but pointers, functions and channels as fmt.Fprint does.
func (s *fastState) print(v any) bool {
	switch x := v.(type) {
	case string:
		s.w.WriteString(x)
	case Word:
		s.w.WriteString(x.String())
	case int:
		var b [20]byte
		s.w.Write(strconv.AppendInt(b[:0], int64(x), 10))
	case bool:
		s.w.WriteString(strconv.FormatBool(x))
	case nil:
		s.w.WriteString("<no value>")
	default:
		switch reflect.TypeOf(v).Kind() {
		case reflect.Pointer, reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Interface:
			return false
		}
		fmt.Fprint(s.w, v)
	}
	return true
}
