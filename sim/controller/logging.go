package controller

import (
	"fmt"
	"sort"
	"strings"
)

// Juju's model logging: `logging-config` (model config) sets the level each
// agent's loggers emit at, loggo style: `<root>=INFO;unit=DEBUG` gives a
// level to a module and everything below it ("unit" covers
// "unit.etcd/0.juju-log"), the longest configured prefix winning. Lines
// below it never reach the log, so `debug-log` cannot show them whatever
// its --level. Juju's default is `<root>=INFO`: a hook's stdout and stderr
// (logged at DEBUG) are hidden, juju-log at INFO and above is shown.

// LoggingConfigKey is the model-config key; DefaultLoggingConfig Juju's
// default value.
const (
	LoggingConfigKey     = "logging-config"
	DefaultLoggingConfig = "<root>=INFO"
)

// Levels are loggo's, lowest first.
var Levels = []string{"TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}

// LevelRank returns a level's rank (TRACE 0 .. CRITICAL 5); loggo's WARN
// and a lowercase name are accepted. ok is false for anything else.
func LevelRank(level string) (int, bool) {
	l := strings.ToUpper(strings.TrimSpace(level))
	if l == "WARN" {
		l = "WARNING"
	}
	for i, name := range Levels {
		if name == l {
			return i, true
		}
	}
	return 0, false
}

// loggingConfig is a parsed logging-config: module → minimum rank.
type loggingConfig map[string]int

// parseLoggingConfig parses `module=LEVEL;...` as loggo.ParseConfigString:
// separators are ';' (or ',' / spaces), `<root>` is the root module, and a
// module without a level is an error.
func parseLoggingConfig(s string) (loggingConfig, error) {
	cfg := loggingConfig{"": 2} // <root>=INFO unless set
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' || r == '\n' })
	for _, f := range fields {
		mod, lvl, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("config value expected '=', found %q", f)
		}
		mod = strings.TrimSpace(mod)
		rank, ok := LevelRank(lvl)
		if !ok {
			return nil, fmt.Errorf("unknown severity level %q", strings.TrimSpace(lvl))
		}
		if mod == "<root>" {
			mod = ""
		}
		cfg[mod] = rank
	}
	return cfg, nil
}

// enabled reports whether logger emits a line at level.
func (cfg loggingConfig) enabled(logger, level string) bool {
	rank, ok := LevelRank(level)
	if !ok {
		return true
	}
	min := cfg[""]
	best := -1
	for mod, r := range cfg {
		if mod == "" || len(mod) <= best {
			continue
		}
		if logger == mod || strings.HasPrefix(logger, mod+".") {
			best, min = len(mod), r
		}
	}
	return rank >= min
}

// String renders the config the way `juju model-config logging-config`
// prints it: modules sorted, <root> first.
func (cfg loggingConfig) String() string {
	mods := make([]string, 0, len(cfg))
	for m := range cfg {
		if m != "" {
			mods = append(mods, m)
		}
	}
	sort.Strings(mods)
	parts := []string{"<root>=" + Levels[cfg[""]]}
	for _, m := range mods {
		parts = append(parts, m+"="+Levels[cfg[m]])
	}
	return strings.Join(parts, ";")
}
