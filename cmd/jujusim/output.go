package main

import (
	"encoding/json"
	"fmt"
	"io"

	"gopkg.in/yaml.v2"
)

// The document formats of --format yaml and --format json, as Juju's
// formatters write them: yaml.v2's block layout, and json on one line with
// a trailing newline.

func writeYAML(w io.Writer, v any) error {
	out, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func writeJSON(w io.Writer, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(out))
	return err
}
