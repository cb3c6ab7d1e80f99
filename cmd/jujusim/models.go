package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// Models are homes: each jujusim model is its own controller under its
// own JUJUSIM_HOME. `-m NAME` (or $JUJU_MODEL, as Juju reads it) picks
// <base>/models/NAME, where <base> is $JUJUSIM_HOME (default
// ~/.local/share/jujusim); the model "default" is <base> itself, so
// commands without -m keep working. A "controller:" prefix is accepted
// and ignored (there is one controller per model).
var modelFlag string

// validModelName is Juju's model name rule (names.IsValidModelName).
var validModelName = regexp.MustCompile(`^[a-z0-9]+[a-z0-9-]*$`)

// addModelFlag gives every command -m/--model and checks the name first.
func addModelFlag(root *cobra.Command) {
	root.PersistentFlags().StringVarP(&modelFlag, "model", "m", "", "model to operate in (models are homes: <JUJUSIM_HOME>/models/NAME; default: $JUJU_MODEL, else \"default\")")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		_, err := modelHome(baseHome(), selectedModel())
		return err
	}
}

func selectedModel() string {
	m := modelFlag
	if m == "" {
		m = os.Getenv("JUJU_MODEL")
	}
	if i := strings.LastIndex(m, ":"); i >= 0 {
		m = m[i+1:]
	}
	return m
}

// modelHome maps a model name to its home under base.
func modelHome(base, model string) (string, error) {
	if model == "" || model == "default" {
		return base, nil
	}
	if !validModelName.MatchString(model) {
		return "", usageError{fmt.Errorf("%q is not a valid model name", model)}
	}
	return filepath.Join(base, "models", model), nil
}

// baseHome is $JUJUSIM_HOME, else jujusim's directory under the user's
// data home.
func baseHome() string {
	if h := os.Getenv("JUJUSIM_HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local/share/jujusim")
	}
	return ".jujusim"
}
