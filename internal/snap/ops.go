package snap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/snapcore/snapd/client"
)

// Snap implements Client. Channel is the tracking channel.
func (s *Snapd) Snap(ctx context.Context, name string) (*Snap, error) {
	var info *client.Snap
	err := s.call(ctx, func() (err error) {
		info, _, err = s.c.Snap(name)
		return err
	})
	if kind(err) == client.ErrorKindSnapNotFound {
		return nil, fmt.Errorf("cannot get snap %q: %w", name, ErrNotInstalled)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot get snap %q: %w", name, err)
	}
	return &Snap{
		Name:     info.Name,
		Version:  info.Version,
		Revision: info.Revision.String(),
		Channel:  info.TrackingChannel,
		Local:    info.Revision.Local(),
	}, nil
}

// Install implements Client. An installed snap fails with
// ErrAlreadyInstalled (snapd's snap-already-installed): Refresh it.
func (s *Snapd) Install(ctx context.Context, name, channel string) error {
	err := s.async(ctx, func() (string, error) {
		return s.c.Install(name, &client.SnapOptions{Channel: channel})
	})
	if kind(err) == client.ErrorKindSnapAlreadyInstalled {
		return fmt.Errorf("cannot install snap %q: %w", name, ErrAlreadyInstalled)
	}
	if err != nil {
		return fmt.Errorf("cannot install snap %q from %q: %w", name, channel, err)
	}
	return nil
}

// InstallPath implements Client: snap install --dangerous <path>, which
// snapd names from the snap's own metadata.
func (s *Snapd) InstallPath(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("cannot install snap file: %w", err)
	}
	err := s.async(ctx, func() (string, error) {
		return s.c.InstallPath(path, "", &client.SnapOptions{Dangerous: true})
	})
	if err != nil {
		return fmt.Errorf("cannot install snap file %s: %w", path, err)
	}
	return nil
}

// Refresh implements Client: snap refresh --amend --channel=<channel>.
// snapd's snap-no-update-available (same channel, nothing newer) is
// success; a snap that is not installed is ErrNotInstalled.
func (s *Snapd) Refresh(ctx context.Context, name, channel string) error {
	err := s.async(ctx, func() (string, error) {
		return s.c.Refresh(name, &client.SnapOptions{Channel: channel, Amend: true})
	})
	switch kind(err) {
	case client.ErrorKindSnapNoUpdateAvailable:
		return nil
	case client.ErrorKindSnapNotInstalled:
		return fmt.Errorf("cannot refresh snap %q: %w", name, ErrNotInstalled)
	}
	if err != nil {
		return fmt.Errorf("cannot refresh snap %q to %q: %w", name, channel, err)
	}
	return nil
}

// Revert implements Client: snap revert.
func (s *Snapd) Revert(ctx context.Context, name string) error {
	err := s.async(ctx, func() (string, error) {
		return s.c.Revert(name, nil)
	})
	if kind(err) == client.ErrorKindSnapNotInstalled {
		return fmt.Errorf("cannot revert snap %q: %w", name, ErrNotInstalled)
	}
	if err != nil {
		return fmt.Errorf("cannot revert snap %q: %w", name, err)
	}
	return nil
}

// Channels implements Client from the store's channel map (snap info).
func (s *Snapd) Channels(ctx context.Context, name string) (map[string]string, error) {
	var info *client.Snap
	err := s.call(ctx, func() (err error) {
		info, _, err = s.c.FindOne(name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list channels of snap %q: %w", name, err)
	}
	out := make(map[string]string, len(info.Channels))
	for ch, ci := range info.Channels {
		if ci != nil {
			out[ch] = ci.Version
		}
	}
	return out, nil
}

// Start implements Client.
func (s *Snapd) Start(ctx context.Context, service string) error {
	return s.control(ctx, "start", service, func() (string, error) {
		return s.c.Start([]string{service}, client.StartOptions{})
	})
}

// Stop implements Client.
func (s *Snapd) Stop(ctx context.Context, service string) error {
	return s.control(ctx, "stop", service, func() (string, error) {
		return s.c.Stop([]string{service}, client.StopOptions{})
	})
}

// Restart implements Client.
func (s *Snapd) Restart(ctx context.Context, service string) error {
	return s.control(ctx, "restart", service, func() (string, error) {
		return s.c.Restart([]string{service}, client.RestartOptions{})
	})
}

func (s *Snapd) control(ctx context.Context, verb, service string, start func() (string, error)) error {
	if service == "" {
		return fmt.Errorf("cannot %s service: no name", verb)
	}
	if err := s.async(ctx, start); err != nil {
		return fmt.Errorf("cannot %s service %s: %w", verb, service, err)
	}
	return nil
}

// Active implements Client.
func (s *Snapd) Active(ctx context.Context, service string) (bool, error) {
	if service == "" {
		return false, errors.New("cannot get service state: no name")
	}
	var apps []*client.AppInfo
	err := s.call(ctx, func() (err error) {
		apps, err = s.c.Apps([]string{service}, client.AppOptions{Service: true})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("cannot get state of service %s: %w", service, err)
	}
	for _, app := range apps {
		if app.Snap+"."+app.Name == service || (app.Name == app.Snap && app.Snap == service) {
			return app.Active, nil
		}
	}
	return false, fmt.Errorf("cannot get state of service %s: snapd did not list it", service)
}

// Conf implements Client. A key never set (snapd's option-not-found) is
// "". A value that is not a string (a nested document, a number) is
// returned as JSON.
func (s *Snapd) Conf(ctx context.Context, snap, key string) (string, error) {
	var conf map[string]any
	err := s.call(ctx, func() (err error) {
		conf, err = s.c.Conf(snap, []string{key})
		return err
	})
	if kind(err) == client.ErrorKindConfigNoSuchOption {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot get option %q of snap %q: %w", key, snap, err)
	}
	switch v := conf[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		data, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("cannot get option %q of snap %q: %w", key, snap, err)
		}
		return string(data), nil
	}
}

// SetConf implements Client (snap set <snap> <key>=<value>). A snap
// without a configure hook (the etcd snap) fails here: snapd accepts the
// request, then the change fails running the missing hook.
func (s *Snapd) SetConf(ctx context.Context, snap, key, value string) error {
	if key == "" {
		return fmt.Errorf("cannot set an option of snap %q: empty key", snap)
	}
	err := s.async(ctx, func() (string, error) {
		return s.c.SetConf(snap, map[string]any{key: value})
	})
	if err != nil {
		return fmt.Errorf("cannot set option %q of snap %q: %w", key, snap, err)
	}
	return nil
}
