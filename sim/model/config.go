package model

import (
	"fmt"
	"reflect"

	"github.com/juju/charm/v12"
)

// EffectiveConfig returns every option of the charm with its value: the
// operator's setting if any, else the default (nil when there is none).
// Values have the types Juju gives them: int64, float64, bool, string.
func EffectiveConfig(ch charm.Charm, set map[string]any) map[string]any {
	out := map[string]any{}
	cfg := ch.Config()
	if cfg == nil {
		return out
	}
	for name, opt := range cfg.Options {
		out[name] = opt.Default
	}
	for name, v := range set {
		if _, ok := cfg.Options[name]; ok {
			out[name] = v
		}
	}
	// JSON round trips turn int64 into float64; restore the option types.
	if typed, err := cfg.ValidateSettings(charm.Settings(out)); err == nil {
		return typed
	}
	return out
}

// ParseConfig parses `key=value` strings against the charm's config.yaml
// (ParseInt/ParseFloat/ParseBool per option type), as `juju config app
// key=value` does.
func ParseConfig(ch charm.Charm, values map[string]string) (map[string]any, error) {
	cfg := ch.Config()
	if cfg == nil {
		cfg = charm.NewConfig()
	}
	s, err := cfg.ParseSettingsStrings(values)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ApplyConfig merges parsed settings into the app's set values (a nil
// value resets the option to its default, `juju config --reset`),
// validates them, and reports whether the effective config changed.
func ApplyConfig(ch charm.Charm, a *Application, parsed map[string]any) (bool, error) {
	cfg := ch.Config()
	if cfg == nil {
		cfg = charm.NewConfig()
	}
	next := map[string]any{}
	for k, v := range a.Config {
		next[k] = v
	}
	for k, v := range parsed {
		if v == nil {
			delete(next, k)
		} else {
			next[k] = v
		}
	}
	validated, err := cfg.ValidateSettings(charm.Settings(next))
	if err != nil {
		return false, err
	}
	before := EffectiveConfig(ch, a.Config)
	a.Config = validated
	after := EffectiveConfig(ch, a.Config)
	if reflect.DeepEqual(before, after) {
		return false, nil
	}
	a.ConfigSeq++
	return true, nil
}

// ValidateActionParams checks params against the action's JSON schema and
// inserts the schema's defaults, as Juju does before queueing (§5.1).
func ValidateActionParams(ch charm.Charm, unit, action string, params map[string]any) (map[string]any, error) {
	acts := ch.Actions()
	if acts == nil || len(acts.ActionSpecs) == 0 {
		return nil, fmt.Errorf("no actions defined on charm %q", ch.Meta().Name)
	}
	spec, ok := acts.ActionSpecs[action]
	if !ok {
		return nil, fmt.Errorf("action %q not defined on unit %q", action, unit)
	}
	if params == nil {
		params = map[string]any{}
	}
	if err := spec.ValidateParams(params); err != nil {
		return nil, err
	}
	out, err := spec.InsertDefaults(params)
	if err != nil {
		return nil, fmt.Errorf("cannot insert action defaults: %w", err)
	}
	return out, nil
}

// EffectiveConfigSet keeps the operator's settings that the charm still
// has (after a refresh).
func EffectiveConfigSet(ch charm.Charm, set map[string]any) map[string]any {
	cfg := ch.Config()
	out := map[string]any{}
	if cfg == nil {
		return out
	}
	for k, v := range cfg.FilterSettings(charm.Settings(set)) {
		out[k] = v
	}
	return out
}
