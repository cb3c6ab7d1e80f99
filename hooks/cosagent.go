package hooks

import (
	"context"
)

// publishCOSAgent: see cosagent.go's follow-up.
func publishCOSAgent(ctx context.Context, d Deps, w *world, creds credentials) error {
	return nil
}
