// Package architecture enforces the import rules ARCHITECTURE.md states in
// its tables, so that the document and the code cannot drift apart: the
// test reads the tables, not a copy of them.
package architecture

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// The three kinds of table ARCHITECTURE.md holds, by their header row.
const (
	packagesHeader   = "| package | owns | may import |"
	testsHeader      = "| tests of | may also import |"
	exceptionsHeader = "| file | imports | until |"
)

// rule is one row: the packages it is about and what they may import.
type rule struct {
	patterns []string // first column: package paths or patterns
	allow    []string // last column: words allowing an import
	deny     []string // last column: `!word`, forbidden in non-test files
	line     int      // in ARCHITECTURE.md
}

func (r rule) String() string {
	s := fmt.Sprintf("ARCHITECTURE.md:%d: %s may import %s", r.line, strings.Join(r.patterns, ", "), strings.Join(r.allow, ", "))
	if len(r.allow) == 0 {
		s = fmt.Sprintf("ARCHITECTURE.md:%d: %s may import nothing outside tests", r.line, strings.Join(r.patterns, ", "))
	}
	if len(r.deny) > 0 {
		s += ", but not " + strings.Join(r.deny, ", ")
	}
	return s
}

// exception is a known violation: file may import these until it is fixed.
type exception struct {
	file    string
	imports []string
	line    int
}

// rules are the parsed tables.
type rules struct {
	packages   []rule
	tests      []rule
	exceptions []exception
}

var word = regexp.MustCompile("`([^`]+)`")

// words returns the backticked words of a table cell.
func words(cell string) []string {
	var out []string
	for _, m := range word.FindAllStringSubmatch(cell, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// parseRules reads every rules table in doc.
func parseRules(doc string) (rules, error) {
	var rs rules
	kind := ""
	for i, line := range strings.Split(doc, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		switch {
		case line == packagesHeader || line == testsHeader || line == exceptionsHeader:
			kind = line
			continue
		case !strings.HasPrefix(line, "|"):
			kind = ""
			continue
		case kind == "" || strings.HasPrefix(line, "|---"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		first, last := words(cells[0]), cells[len(cells)-1]
		if len(first) == 0 {
			return rs, fmt.Errorf("ARCHITECTURE.md:%d: the first column names no `package`", n)
		}
		switch kind {
		case exceptionsHeader:
			if len(cells) != 3 || len(first) != 1 {
				return rs, fmt.Errorf("ARCHITECTURE.md:%d: want | `file` | `imports` | until |", n)
			}
			rs.exceptions = append(rs.exceptions, exception{file: first[0], imports: words(cells[1]), line: n})
		default:
			r := rule{patterns: first, line: n}
			for _, w := range words(last) {
				if strings.HasPrefix(w, "!") {
					r.deny = append(r.deny, w[1:])
				} else {
					r.allow = append(r.allow, w)
				}
			}
			if kind == testsHeader {
				rs.tests = append(rs.tests, r)
			} else {
				rs.packages = append(rs.packages, r)
			}
		}
	}
	if len(rs.packages) == 0 || len(rs.tests) == 0 {
		return rs, fmt.Errorf("ARCHITECTURE.md has no %q or no %q table", packagesHeader, testsHeader)
	}
	return rs, nil
}

// importKind says where an imported package comes from.
type importKind int

const (
	local      importKind = iota // this module: the path is relative to its root
	std                          // Go's standard library
	thirdParty                   // another module
)

// matches reports whether word allows (or, as a `!word`, forbids) the
// import p of kind k. See ARCHITECTURE.md, "How the tables are read".
func matches(word, p string, k importKind) bool {
	if word == "stdlib" {
		return k == std
	}
	if word == "*" {
		return k == local
	}
	if base, ok := strings.CutSuffix(word, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	if strings.Contains(word, "*") {
		ok, _ := path.Match(word, p)
		return ok
	}
	if k == thirdParty {
		return p == word || strings.HasPrefix(p, word+"/")
	}
	return p == word
}

// specificity orders the rows that match a package: an exact path first,
// then the longest pattern.
func specificity(pattern string) int {
	if !strings.Contains(pattern, "*") && !strings.HasSuffix(pattern, "/...") {
		return 1 << 20
	}
	return len(strings.TrimSuffix(strings.TrimRight(pattern, "*"), "/..."))
}

// rowFor returns the most specific row whose patterns match pkg (a path
// relative to the module root).
func rowFor(rows []rule, pkg string) (rule, bool) {
	best, score := rule{}, -1
	for _, r := range rows {
		for _, p := range r.patterns {
			if matches(p, pkg, local) && specificity(p) > score {
				best, score = r, specificity(p)
			}
		}
	}
	return best, score >= 0
}

// anyMatch reports whether one of ws matches the import.
func anyMatch(ws []string, p string, k importKind) bool {
	for _, w := range ws {
		if matches(w, p, k) {
			return true
		}
	}
	return false
}
