package controller

import "path/filepath"

// modelName is the name of the model a controller home holds: jujusim's
// CLI keeps model NAME in <base>/models/NAME (cmd/jujusim/models.go);
// any other home is the model "default".
func modelName(home string) string {
	if filepath.Base(filepath.Dir(filepath.Clean(home))) == "models" {
		return filepath.Base(home)
	}
	return "default"
}
