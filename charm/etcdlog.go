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
	fatal, failed := scanEtcdLog(lines)
	if fatal != "" {
		return fatal
	}
	return failed
}

// EtcdFatal is the last fatal record (or 3.4's critical line) among
// lines, "" when there is none: etcd logs one as it exits, while error
// records also come from an etcd that goes on (a peer not reachable
// yet), so only this one says that etcd stopped.
func EtcdFatal(lines []string) string {
	fatal, _ := scanEtcdLog(lines)
	return fatal
}

// scanEtcdLog returns the last fatal and the last error text in lines.
func scanEtcdLog(lines []string) (fatal, failed string) {
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
		if _, text, ok := strings.Cut(line, " C | "); ok {
			fatal = text
		} else if _, text, ok := strings.Cut(line, " E | "); ok {
			failed = text
		}
	}
	return fatal, failed
}
