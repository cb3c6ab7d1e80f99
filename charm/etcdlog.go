package charm

import (
	"encoding/json"
	"strings"
)

// EtcdFailure picks, from the last lines etcd wrote to its journal (snap
// logs etcd.etcd, oldest first), why it stopped or would not serve: the
// last fatal or panic record of its zap JSON log (3.5 and later, and 3.4
// with --logger=zap), else the last error record, else the last critical
// or error line of 3.4's capnslog ("... C | etcdmain: ..."); "" when none
// says. A zap record reads "<msg>: <error>", as etcd's own text.
func EtcdFailure(lines []string) string {
	var fatal, failed string
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if i := strings.IndexByte(line, '{'); i >= 0 {
			var rec struct {
				Level string `json:"level"`
				Msg   string `json:"msg"`
				Error string `json:"error"`
			}
			if json.Unmarshal([]byte(line[i:]), &rec) == nil && rec.Level != "" {
				text := rec.Msg
				if rec.Error != "" {
					text += ": " + rec.Error
				}
				switch rec.Level {
				case "fatal", "panic", "dpanic":
					fatal = text
				case "error":
					failed = text
				}
				continue
			}
		}
		for _, mark := range []string{" C | ", " E | "} {
			if _, text, ok := strings.Cut(line, mark); ok {
				if mark == " C | " {
					fatal = text
				} else {
					failed = text
				}
			}
		}
	}
	if fatal != "" {
		return fatal
	}
	return failed
}
