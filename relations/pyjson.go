package relations

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"
)

// charms.reactive writes every value of a reactive endpoint's bag (the
// request_<id>/response_<id> keys of prometheus-manual and
// grafana-dashboard) with Python's json.dumps(value, sort_keys=True):
// keys sorted, ", " and ": " separators, non-ASCII escaped as \uXXXX
// (surrogate pairs above the BMP), and only \" \\ \n \r \t \b \f as short
// escapes. pyJSON renders the same bytes, so a bag the charm writes is
// byte-for-byte what layer-etcd wrote and the remote side sees no change
// when nothing changed.
func pyJSON(v any) string {
	var b bytes.Buffer
	writePy(&b, v)
	return b.String()
}

func writePy(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writePyString(b, v)
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case json.Number:
		b.WriteString(v.String())
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case []string:
		writePySeq(b, '[', ']', v, func(s string) { writePyString(b, s) })
	case []any:
		writePySeq(b, '[', ']', v, func(e any) { writePy(b, e) })
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		writePySeq(b, '{', '}', keys, func(k string) {
			writePyString(b, k)
			b.WriteString(": ")
			writePy(b, v[k])
		})
	default:
		panic(fmt.Sprintf("pyJSON: unsupported type %T", v))
	}
}

// writePySeq writes each of items with write between start and end,
// separated as json.dumps separates them (", ").
func writePySeq[T any](b *bytes.Buffer, start, end byte, items []T, write func(T)) {
	b.WriteByte(start)
	for i, e := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		write(e)
	}
	b.WriteByte(end)
}

func writePyString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r == utf8.RuneError:
				b.WriteString(`\ufffd`)
			case r < 0x20 || (r >= 0x7f && r < 0x10000):
				fmt.Fprintf(b, `\u%04x`, r)
			case r >= 0x10000:
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// decodeJSON reads a reactive bag value, keeping numbers as written.
func decodeJSON(s string, v any) error {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	return d.Decode(v)
}
