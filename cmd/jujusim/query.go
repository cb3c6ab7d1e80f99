package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The subset of Juju's wait-for query language (cmd/juju/waitfor/query)
// used in practice:
//
//	status=="active"
//	life=="alive" && workload-message=="Ready"
//	status=="active" || status=="blocked"
//	!(life=="dying")
//	forEach(units, unit => unit.workload-status=="active")
//
// Values are strings, numbers and true/false; identifiers may hold
// dashes and dots (unit.workload-status). An identifier the scope does not
// have is an error, so a typo fails at once instead of waiting forever.

type qnode interface {
	eval(scope map[string]any) (any, error)
}

type (
	qlit   struct{ v any }
	qident struct{ path []string }
	qnot   struct{ x qnode }
	qbin   struct {
		op   string // ==, !=, &&, ||
		l, r qnode
	}
	qforEach struct {
		list, v string
		body    qnode
	}
)

func (n qlit) eval(map[string]any) (any, error) { return n.v, nil }

func (n qident) eval(scope map[string]any) (any, error) {
	var cur any = scope
	for _, p := range n.path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("invalid identifier %q", strings.Join(n.path, "."))
		}
		if cur, ok = m[p]; !ok {
			return nil, fmt.Errorf("invalid identifier %q", strings.Join(n.path, "."))
		}
	}
	return cur, nil
}

func (n qnot) eval(scope map[string]any) (any, error) {
	v, err := n.x.eval(scope)
	if err != nil {
		return nil, err
	}
	b, ok := v.(bool)
	if !ok {
		return nil, fmt.Errorf("! of a non-boolean %v", v)
	}
	return !b, nil
}

func (n qbin) eval(scope map[string]any) (any, error) {
	l, err := n.l.eval(scope)
	if err != nil {
		return nil, err
	}
	if n.op == "&&" || n.op == "||" {
		lb, ok := l.(bool)
		if !ok {
			return nil, fmt.Errorf("%s of a non-boolean %v", n.op, l)
		}
		if (n.op == "&&" && !lb) || (n.op == "||" && lb) {
			return lb, nil
		}
		r, err := n.r.eval(scope)
		if err != nil {
			return nil, err
		}
		rb, ok := r.(bool)
		if !ok {
			return nil, fmt.Errorf("%s of a non-boolean %v", n.op, r)
		}
		return rb, nil
	}
	r, err := n.r.eval(scope)
	if err != nil {
		return nil, err
	}
	eq := fmt.Sprint(l) == fmt.Sprint(r)
	if n.op == "==" {
		return eq, nil
	}
	return !eq, nil
}

func (n qforEach) eval(scope map[string]any) (any, error) {
	list, ok := scope[n.list].([]map[string]any)
	if !ok {
		return nil, fmt.Errorf("invalid identifier %q: not a list", n.list)
	}
	for _, item := range list {
		inner := map[string]any{}
		for k, v := range scope {
			inner[k] = v
		}
		inner[n.v] = item
		v, err := n.body.eval(inner)
		if err != nil {
			return nil, err
		}
		if b, ok := v.(bool); !ok || !b {
			return false, nil
		}
	}
	return true, nil
}

// parseQuery parses a query into its tree.
func parseQuery(s string) (qnode, error) {
	toks, err := lexQuery(s)
	if err != nil {
		return nil, err
	}
	p := &qparser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("cannot parse query %q: unexpected %q", s, p.toks[p.i].s)
	}
	return n, nil
}

type qtok struct {
	kind byte // i ident, s string, n number, p punctuation
	s    string
}

func lexQuery(s string) ([]qtok, error) {
	var out []qtok
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != s[i] {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("cannot parse query %q: unterminated string", s)
			}
			v, err := strconv.Unquote(`"` + strings.ReplaceAll(s[i+1:j], `"`, `\"`) + `"`)
			if err != nil {
				v = s[i+1 : j]
			}
			out = append(out, qtok{'s', v})
			i = j + 1
		case unicode.IsDigit(c):
			j := i
			for j < len(s) && (unicode.IsDigit(rune(s[j])) || s[j] == '.') {
				j++
			}
			out = append(out, qtok{'n', s[i:j]})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || strings.ContainsRune("-_.", rune(s[j]))) {
				j++
			}
			out = append(out, qtok{'i', s[i:j]})
			i = j
		default:
			for _, p := range []string{"==", "!=", "&&", "||", "=>", "(", ")", ",", "!"} {
				if strings.HasPrefix(s[i:], p) {
					out = append(out, qtok{'p', p})
					i += len(p)
					goto next
				}
			}
			return nil, fmt.Errorf("cannot parse query %q: unexpected %q", s, string(c))
		next:
		}
	}
	return out, nil
}

type qparser struct {
	toks []qtok
	i    int
}

func (p *qparser) peek(s string) bool {
	return p.i < len(p.toks) && p.toks[p.i].kind == 'p' && p.toks[p.i].s == s
}

func (p *qparser) expect(s string) error {
	if !p.peek(s) {
		return fmt.Errorf("cannot parse query: want %q", s)
	}
	p.i++
	return nil
}

func (p *qparser) or() (qnode, error) { return p.binary("||", p.and) }

func (p *qparser) and() (qnode, error) { return p.binary("&&", p.unary) }

// binary parses operand (op operand)..., grouping to the left.
func (p *qparser) binary(op string, operand func() (qnode, error)) (qnode, error) {
	l, err := operand()
	for err == nil && p.peek(op) {
		p.i++
		var r qnode
		if r, err = operand(); err == nil {
			l = qbin{op, l, r}
		}
	}
	return l, err
}

func (p *qparser) unary() (qnode, error) {
	if p.peek("!") {
		p.i++
		x, err := p.unary()
		return qnot{x}, err
	}
	if p.peek("(") {
		p.i++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	}
	if p.i < len(p.toks) && p.toks[p.i].kind == 'i' && p.toks[p.i].s == "forEach" {
		return p.forEach()
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"==", "!="} {
		if p.peek(op) {
			p.i++
			r, err := p.operand()
			if err != nil {
				return nil, err
			}
			return qbin{op, l, r}, nil
		}
	}
	return l, nil
}

// forEach(list, v => body): body holds for every item.
func (p *qparser) forEach() (qnode, error) {
	p.i++
	if err := p.expect("("); err != nil {
		return nil, err
	}
	if p.i+1 >= len(p.toks) || p.toks[p.i].kind != 'i' {
		return nil, fmt.Errorf("cannot parse query: forEach wants a list")
	}
	list := p.toks[p.i].s
	p.i++
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if p.i >= len(p.toks) || p.toks[p.i].kind != 'i' {
		return nil, fmt.Errorf("cannot parse query: forEach wants a variable")
	}
	v := p.toks[p.i].s
	p.i++
	if err := p.expect("=>"); err != nil {
		return nil, err
	}
	body, err := p.or()
	if err != nil {
		return nil, err
	}
	return qforEach{list, v, body}, p.expect(")")
}

func (p *qparser) operand() (qnode, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("cannot parse query: unexpected end")
	}
	t := p.toks[p.i]
	p.i++
	switch t.kind {
	case 's', 'n':
		return qlit{t.s}, nil
	case 'i':
		switch t.s {
		case "true":
			return qlit{true}, nil
		case "false":
			return qlit{false}, nil
		}
		return qident{strings.Split(t.s, ".")}, nil
	}
	return nil, fmt.Errorf("cannot parse query: unexpected %q", t.s)
}

// matchQuery evaluates q in scope: it must be a boolean.
func matchQuery(q qnode, scope map[string]any) (bool, error) {
	v, err := q.eval(scope)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("query is not a condition: it evaluates to %v", v)
	}
	return b, nil
}
