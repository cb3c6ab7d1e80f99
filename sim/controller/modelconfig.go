package controller

import (
	"fmt"
	"sort"
)

// modelConfigKeys are the model-config keys jujusim honours, with Juju's
// defaults.
var modelConfigKeys = map[string]string{LoggingConfigKey: DefaultLoggingConfig}

// ModelConfigResult is `jujusim model-config`'s answer: every supported
// key's value and where it comes from (default or model), as juju prints.
type ModelConfigResult struct {
	Values map[string]string `json:"values"`
	Source map[string]string `json:"source"`
}

type modelConfigArgs struct {
	Set   map[string]string
	Reset []string
}

// ModelConfig sets and resets model-config keys, then returns them all.
// Only the keys jujusim acts on are accepted: any other is refused rather
// than stored and ignored.
func (c *Controller) ModelConfig(set map[string]string, reset []string) (ModelConfigResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(set)+len(reset))
	for k := range set {
		keys = append(keys, k)
	}
	keys = append(keys, reset...)
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := modelConfigKeys[k]; !ok {
			return ModelConfigResult{}, fmt.Errorf("jujusim does not support model-config key %q (it supports %s)", k, LoggingConfigKey)
		}
	}
	var logCfg loggingConfig
	if v, ok := set[LoggingConfigKey]; ok {
		var err error
		if logCfg, err = parseLoggingConfig(v); err != nil {
			return ModelConfigResult{}, fmt.Errorf("invalid %s %q: %w", LoggingConfigKey, v, err)
		}
	}
	if len(keys) > 0 {
		if c.model.Config == nil {
			c.model.Config = map[string]string{}
		}
		for _, k := range reset {
			delete(c.model.Config, k)
		}
		for k, v := range set {
			c.model.Config[k] = v
		}
		if logCfg == nil {
			logCfg, _ = parseLoggingConfig(c.modelConfigLocked(LoggingConfigKey))
		}
		c.logMu.Lock()
		c.logCfg = logCfg
		c.logMu.Unlock()
		if err := c.saveLocked(); err != nil {
			return ModelConfigResult{}, err
		}
	}
	res := ModelConfigResult{Values: map[string]string{}, Source: map[string]string{}}
	for k, def := range modelConfigKeys {
		res.Values[k], res.Source[k] = def, "default"
		if v, ok := c.model.Config[k]; ok {
			res.Values[k], res.Source[k] = v, "model"
		}
	}
	if res.Source[LoggingConfigKey] == "model" {
		// Juju stores the canonical form: <root> first, levels upper-case.
		cfg, _ := parseLoggingConfig(res.Values[LoggingConfigKey])
		res.Values[LoggingConfigKey] = cfg.String()
	}
	return res, nil
}

// modelConfigLocked is a key's value, or its default.
func (c *Controller) modelConfigLocked(key string) string {
	if v, ok := c.model.Config[key]; ok {
		return v
	}
	return modelConfigKeys[key]
}
