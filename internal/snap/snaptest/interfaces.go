package snaptest

import (
	"context"
	"fmt"
)

// Connect implements snap.Client.
func (f *Fake) Connect(ctx context.Context, snapName, plug string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Connect", snapName+":"+plug); err != nil {
		return err
	}
	if f.installed[snapName] == nil {
		return fmt.Errorf("cannot connect %s:%s: snap %q is not installed", snapName, plug, snapName)
	}
	if f.conns == nil {
		f.conns = map[string]bool{}
	}
	f.conns[snapName+":"+plug] = true
	return nil
}

// Connected reports whether snap's plug is connected.
func (f *Fake) Connected(snapName, plug string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[snapName+":"+plug]
}
