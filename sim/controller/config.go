package controller

import (
	"fmt"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// ConfigResult is `jujusim config APP`'s answer: every option's value.
type ConfigResult struct {
	Values  map[string]any          `json:"values"`
	Options map[string]ConfigOption `json:"options"`
}

// ConfigOption describes one option as `juju config APP` prints it.
type ConfigOption struct {
	Default     any    `json:"default,omitempty" yaml:"default,omitempty"`
	Description string `json:"description" yaml:"description"`
	Source      string `json:"source" yaml:"source"` // default, user or unset
	Type        string `json:"type" yaml:"type"`
	Value       any    `json:"value,omitempty" yaml:"value,omitempty"`
}

// Config sets options (empty value resets) and returns the effective
// config. Units get config-changed only when values actually change.
func (c *Controller) Config(app string, set map[string]string, reset ...string) (ConfigResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(app)
	if err != nil {
		return ConfigResult{}, err
	}
	ch, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return ConfigResult{}, err
	}
	if len(set) > 0 || len(reset) > 0 {
		parsed, err := model.ParseConfig(ch, set)
		if err != nil {
			return ConfigResult{}, err
		}
		for _, k := range reset {
			if _, ok := ch.Config().Options[k]; !ok {
				return ConfigResult{}, fmt.Errorf("unknown option %q", k)
			}
			parsed[k] = nil
		}
		if _, err := model.ApplyConfig(ch, a, parsed); err != nil {
			return ConfigResult{}, err
		}
		c.kick()
		if err := c.saveLocked(); err != nil {
			return ConfigResult{}, err
		}
	}
	res := ConfigResult{Values: model.EffectiveConfig(ch, a.Config), Options: map[string]ConfigOption{}}
	if cfg := ch.Config(); cfg != nil {
		for name, opt := range cfg.Options {
			o := ConfigOption{Default: opt.Default, Description: opt.Description, Type: opt.Type, Value: res.Values[name], Source: "default"}
			if _, set := a.Config[name]; set {
				o.Source = "user"
			} else if opt.Default == nil {
				o.Source = "unset"
			}
			res.Options[name] = o
		}
	}
	return res, nil
}
