package snap

import (
	"context"
	"fmt"
)

// Connect implements Client: POST /v2/interfaces, action connect, the
// plug to the system's slot of its name (snapd answers a connection that
// exists with a change that is done at once).
func (s *Snapd) Connect(ctx context.Context, snap, plug string) error {
	err := s.async(ctx, func() (string, error) {
		return s.c.Connect(snap, plug, "", plug)
	})
	if err != nil {
		return fmt.Errorf("cannot connect %s:%s: %w", snap, plug, err)
	}
	return nil
}
