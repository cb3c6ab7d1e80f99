package snaptest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/snapcore/snapd/timeutil"

	"github.com/etcd-charm/etcd-charm/internal/snap"
)

func (f *Fake) service(service string) (map[string]bool, error) {
	name, _, _ := strings.Cut(service, ".")
	svcs, ok := f.services[name]
	if !ok || f.installed[name] == nil {
		return nil, fmt.Errorf("snap %q not found", name)
	}
	if _, ok := svcs[service]; !ok {
		return nil, fmt.Errorf("snap %q has no service %q", name, strings.TrimPrefix(service, name+"."))
	}
	return svcs, nil
}

func (f *Fake) control(ctx context.Context, method, service string, active bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, method, service); err != nil {
		return err
	}
	svcs, err := f.service(service)
	if err != nil {
		return fmt.Errorf("cannot %s %s: %w", strings.ToLower(method), service, err)
	}
	svcs[service] = active
	return nil
}

// Start implements snap.Client.
func (f *Fake) Start(ctx context.Context, service string) error {
	return f.control(ctx, "Start", service, true)
}

// Stop implements snap.Client.
func (f *Fake) Stop(ctx context.Context, service string) error {
	return f.control(ctx, "Stop", service, false)
}

// Restart implements snap.Client.
func (f *Fake) Restart(ctx context.Context, service string) error {
	return f.control(ctx, "Restart", service, true)
}

// Active implements snap.Client.
func (f *Fake) Active(ctx context.Context, service string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Active", service); err != nil {
		return false, err
	}
	svcs, err := f.service(service)
	if err != nil {
		return false, fmt.Errorf("cannot get state of %s: %w", service, err)
	}
	return svcs[service], nil
}

func confSnap(name string) string {
	if name == "system" {
		return "core"
	}
	return name
}

// Conf implements snap.Client.
func (f *Fake) Conf(ctx context.Context, name, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Conf", name, key); err != nil {
		return "", err
	}
	name = confSnap(name)
	if f.installed[name] == nil {
		return "", fmt.Errorf("cannot get %s of snap %q: %w", key, name, snap.ErrNotInstalled)
	}
	return f.conf[name][key], nil
}

// SetConf implements snap.Client.
func (f *Fake) SetConf(ctx context.Context, name, key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "SetConf", name, key, value); err != nil {
		return err
	}
	name = confSnap(name)
	if f.installed[name] == nil {
		return fmt.Errorf("cannot set %s of snap %q: %w", key, name, snap.ErrNotInstalled)
	}
	if name == "core" && key == "refresh.timer" && value != "" {
		// core's configure step checks the timer
		// (configcore/refresh.go); "managed" needs a snap that manages
		// refreshes, which this fake never has.
		if _, err := timeutil.ParseSchedule(value); err != nil || value == "managed" {
			if value == "managed" {
				err = fmt.Errorf("cannot set schedule to managed")
			}
			return fmt.Errorf("cannot set %s of snap %q: snapd change failed: %v", key, name, err)
		}
	}
	if name != "core" && !f.hooks[name] {
		return fmt.Errorf("cannot set %s of snap %q: snapd change failed: cannot perform the following tasks:\n"+
			"- Run configure hook of %q snap (snap %q has no \"configure\" hook)", key, name, name, name)
	}
	if f.conf[name] == nil {
		f.conf[name] = map[string]string{}
	}
	f.conf[name][key] = value
	return nil
}

// Services lists the active services, sorted, without logging a call.
func (f *Fake) Services() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, svcs := range f.services {
		for s, active := range svcs {
			if active {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// AppendLog adds lines to what service wrote to its journal, as a
// daemon's output would.
func (f *Fake) AppendLog(service string, lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logs == nil {
		f.logs = map[string][]string{}
	}
	f.logs[service] = append(f.logs[service], lines...)
}

// Logs implements snap.Client: the last n lines AppendLog added (all
// when n < 0), oldest first; a service the snap lacks is an error, as
// snapd's app-not-found.
func (f *Fake) Logs(ctx context.Context, service string, n int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Logs", service); err != nil {
		return nil, err
	}
	if _, err := f.service(service); err != nil {
		return nil, fmt.Errorf("cannot read the logs of service %s: %w", service, err)
	}
	lines := f.logs[service]
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return append([]string(nil), lines...), nil
}
