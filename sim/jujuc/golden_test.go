package jujuc_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
)

// Golden files (testdata/*.golden) hold hand-written expected bytes, derived
// from juju-hook-semantics.md §2 (formats, error texts, exit codes), for
// tool invocations against the scenarios below. Format:
//
//	=== <scenario> | <args, shell-like quoting with '...' or "...">
//	--- stdin          (optional; sent as the request's stdin)
//	--- stdout [noeol] (optional; noeol: the last newline is not part of it)
//	--- stderr [noeol]
//	--- code N         (default 0)
//
// Lines starting with "#" outside sections, and blank or "#" lines at the
// end of a section, are comments. Scenario "+" reuses
// the previous case's Context, so a case can observe an earlier one's writes.
type goldenCase struct {
	file, line string
	scenario   string
	args       []string
	stdin      *string
	stdout     string
	stderr     string
	code       int
}

func (c goldenCase) name() string {
	return fmt.Sprintf("%s:%s %s|%s", filepath.Base(c.file), c.line, c.scenario, strings.Join(c.args, " "))
}

func readGolden(t testing.TB, path string) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	var cur *goldenCase
	var section *string
	var noeol bool
	end := func() {
		if section != nil {
			// Blank and comment lines after a section separate cases.
			lines := strings.SplitAfter(*section, "\n")
			for len(lines) > 0 && (strings.TrimSpace(lines[len(lines)-1]) == "" || strings.HasPrefix(lines[len(lines)-1], "#")) {
				lines = lines[:len(lines)-1]
			}
			*section = strings.Join(lines, "")
			if noeol {
				*section = strings.TrimSuffix(*section, "\n")
			}
		}
		section, noeol = nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "=== "):
			end()
			scenario, args, ok := strings.Cut(strings.TrimPrefix(line, "=== "), "|")
			if !ok {
				t.Fatalf("%s:%d: case header without |", path, n)
			}
			words, err := splitArgs(args)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			cases = append(cases, goldenCase{file: path, line: strconv.Itoa(n), scenario: strings.TrimSpace(scenario), args: words})
			cur = &cases[len(cases)-1]
		case strings.HasPrefix(line, "--- "):
			end()
			if cur == nil {
				t.Fatalf("%s:%d: section before first case", path, n)
			}
			fields := strings.Fields(strings.TrimPrefix(line, "--- "))
			switch fields[0] {
			case "stdin":
				s := ""
				cur.stdin = &s
				section = cur.stdin
			case "stdout":
				section = &cur.stdout
			case "stderr":
				section = &cur.stderr
			case "code":
				cur.code, err = strconv.Atoi(fields[1])
				if err != nil {
					t.Fatalf("%s:%d: %v", path, n, err)
				}
				continue
			default:
				t.Fatalf("%s:%d: unknown section %q", path, n, fields[0])
			}
			noeol = len(fields) > 1 && fields[1] == "noeol"
		case section != nil:
			*section += line + "\n"
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			t.Fatalf("%s:%d: text outside a section", path, n)
		}
	}
	end()
	return cases
}

// splitArgs splits like a shell without expansions: whitespace separates,
// '...' and "..." quote literally.
func splitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case ' ', '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], ch)
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// runner executes one invocation; the unit tests call jujuc.Run directly,
// the end-to-end test runs the real client binary against a Server.
type runner func(t *testing.T, ctx jujuc.Context, dir string, args []string, stdin *string) jujuc.Response

func directRunner(t *testing.T, ctx jujuc.Context, dir string, args []string, stdin *string) jujuc.Response {
	req := jujuc.Request{ContextID: "ctx", Dir: dir, CommandName: args[0], Args: args[1:]}
	if stdin != nil {
		req.StdinSet, req.Stdin = true, []byte(*stdin)
	}
	return jujuc.Run(ctx, req)
}

func runGolden(t *testing.T, path string, run runner) {
	var ctx *jujuctest.Context
	for _, c := range readGolden(t, path) {
		if c.scenario != "+" {
			ctx = scenario(t, c.scenario)
		} else if ctx == nil {
			t.Fatalf("%s: + without a previous case", c.name())
		}
		t.Run(c.name(), func(t *testing.T) {
			resp := run(t, ctx, t.TempDir(), c.args, c.stdin)
			if string(resp.Stdout) != c.stdout || string(resp.Stderr) != c.stderr || resp.Code != c.code {
				t.Errorf("got code %d\nstdout:\n%q\nstderr:\n%q\nwant code %d\nstdout:\n%q\nstderr:\n%q",
					resp.Code, resp.Stdout, resp.Stderr, c.code, c.stdout, c.stderr)
			}
		})
	}
}

// Every golden case, against jujuc.Run in this process.
func TestGolden(t *testing.T) {
	for _, file := range goldenFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) { runGolden(t, file, directRunner) })
	}
}

func goldenFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	return files
}

func toolNames(t testing.TB) []string {
	if len(jujuc.ToolNames) != 27 {
		t.Fatalf("ToolNames has %d tools, want the 27 of spec §2: %v", len(jujuc.ToolNames), jujuc.ToolNames)
	}
	return jujuc.ToolNames
}
