// Package charm is the prometheus partner charm's logic: the responder
// side of prometheus-manual on the `manual-jobs` endpoint, as the
// prometheus2 charm serves it, in front of a real Prometheus server.
//
// Every hook reconciles the whole state: the requests of every related
// unit become scrape configs (certificates written to files), the server
// runs with that config on the unit's address, port 9090, and every
// request is answered. stop and remove stop the server.
package charm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
)

// Endpoint is the prometheus-manual endpoint.
const Endpoint = "manual-jobs"

// Charm handles the partner charm's hooks for one unit.
type Charm struct {
	Tools  juju.Tools
	Snap   snap.Client
	Root   string
	Server Server
}

// Handle is the juju.Handler of the charm.
func (c *Charm) Handle(ctx context.Context, ev juju.Event) error {
	switch ev.Name {
	case "stop", "remove":
		return c.stop(ctx)
	}
	return c.reconcile(ctx, ev)
}

func (c *Charm) logf(ctx context.Context, level, format string, args ...any) {
	_ = c.Tools.Log(ctx, level, fmt.Sprintf(format, args...))
}

func (c *Charm) stop(ctx context.Context) error {
	if _, err := c.Snap.Snap(ctx, SnapName); errors.Is(err, snap.ErrNotInstalled) {
		return nil
	}
	return c.Snap.Stop(ctx, ServiceName)
}

// relationRequests are the requests of one relation.
type relationRequests struct {
	id   string
	own  map[string]string
	reqs []Request
}

func (c *Charm) reconcile(ctx context.Context, ev juju.Event) error {
	cfg, err := c.Tools.ConfigGet(ctx)
	if err != nil {
		return err
	}
	interval, _ := cfg["scrape-interval"].(string)
	if interval == "" {
		interval = "15s"
	}
	rules, _ := cfg["alert-rules"].(string)
	nw, err := c.Tools.NetworkGet(ctx, Endpoint, "")
	if err != nil {
		return err
	}
	if len(nw.IngressAddresses) == 0 {
		return juju.Waiting("Waiting for an address")
	}
	listen := net.JoinHostPort(nw.IngressAddresses[0], strconv.Itoa(Port))

	ids, err := c.Tools.RelationIDs(ctx, Endpoint)
	if err != nil {
		return err
	}
	var rels []relationRequests
	for _, id := range ids {
		units, err := c.Tools.RelationList(ctx, id)
		if err != nil {
			return err
		}
		bags := map[string]map[string]string{}
		for _, u := range units {
			if bags[u], err = c.Tools.RelationGet(ctx, id, u, false); err != nil {
				return err
			}
		}
		own, err := c.Tools.RelationGet(ctx, id, ev.Unit, false)
		if err != nil {
			return err
		}
		reqs, bad := ParseRequests(bags)
		for _, b := range bad {
			c.logf(ctx, "WARNING", "skipping a malformed job request on %s: %s", id, b)
		}
		rels = append(rels, relationRequests{id, own, reqs})
	}

	common := SnapCommon(c.Root)
	before := jobNames(filepath.Join(common, "prometheus.yml"))
	changed, jobs, err := c.writeConfig(common, interval, listen, rules, rels)
	if err != nil {
		return err
	}
	// Prometheus 2.42 keeps scraping a job a reload dropped when no job
	// is left (its scrape manager only hears of target sets that
	// changed): a dropped job is a restart, anything else a reload.
	dropped := false
	after := jobNames(filepath.Join(common, "prometheus.yml"))
	for name := range before {
		dropped = dropped || !after[name]
	}
	if err := c.ensureServer(ctx, ev, listen, changed, dropped); err != nil {
		return err
	}
	for _, r := range rels {
		if err := c.respond(ctx, r); err != nil {
			return err
		}
	}
	return c.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusActive,
		Message: fmt.Sprintf("Ready at http://%s (%d scrape jobs)", listen, jobs)}, false)
}

// writeConfig writes the certificates, prometheus.yml and the listen
// address, reporting whether anything changed.
func (c *Charm) writeConfig(common, interval, listen, rules string, rels []relationRequests) (bool, int, error) {
	certDir := filepath.Join(common, "certs")
	var jobs []map[string]any
	changed := false
	for _, r := range rels {
		for _, req := range r.reqs {
			files := req.Files(certDir)
			for _, f := range []struct{ path, data string }{{files.CA, req.CACert}, {files.Cert, req.ClientCert}, {files.Key, req.ClientKey}} {
				if f.data == "" {
					continue
				}
				w, err := writeIfChanged(f.path, []byte(f.data), 0o600)
				if err != nil {
					return false, 0, err
				}
				changed = changed || w
			}
			jobs = append(jobs, req.ScrapeConfig(files))
		}
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i]["job_name"].(string) < jobs[j]["job_name"].(string) })
	if jobs == nil {
		jobs = []map[string]any{}
	}
	doc := map[string]any{
		"global":         map[string]any{"scrape_interval": interval, "evaluation_interval": interval},
		"scrape_configs": jobs,
	}
	rulesFile := filepath.Join(common, "rules.yml")
	if rules != "" {
		w, err := writeIfChanged(rulesFile, []byte(rules), 0o644)
		if err != nil {
			return false, 0, err
		}
		changed = changed || w
		doc["rule_files"] = []string{rulesFile}
	}
	conf, err := yaml.Marshal(doc)
	if err != nil {
		return false, 0, fmt.Errorf("cannot render prometheus.yml: %w", err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{filepath.Join(common, "prometheus.yml"), conf}, {filepath.Join(common, "listen-address"), []byte(listen)}} {
		w, err := writeIfChanged(f.path, f.data, 0o644)
		if err != nil {
			return false, 0, err
		}
		changed = changed || w
	}
	return changed, len(jobs), nil
}

// ensureServer installs the local snap (its daemon starts with the
// config already in place), starts a stopped server and reloads a running
// one whose config changed.
func (c *Charm) ensureServer(ctx context.Context, ev juju.Event, listen string, changed, dropped bool) error {
	_, err := c.Snap.Snap(ctx, SnapName)
	if errors.Is(err, snap.ErrNotInstalled) {
		dir, err := os.MkdirTemp("", "prometheus-charm-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path, err := c.Server.BuildSnap(ctx, dir)
		if err != nil {
			return err
		}
		if err := c.Snap.InstallPath(ctx, path); err != nil {
			return err
		}
		if v, err := c.Server.Version(ctx); err == nil {
			_ = c.Tools.ApplicationVersionSet(ctx, v)
		}
		c.logf(ctx, "INFO", "installed the prometheus snap around %s", c.Server.Binary)
	} else if err != nil {
		return err
	}
	active, err := c.Snap.Active(ctx, ServiceName)
	if err != nil {
		return err
	}
	switch {
	case !active:
		return c.Snap.Start(ctx, ServiceName)
	case dropped:
		c.logf(ctx, "INFO", "a scrape job was dropped; restarting prometheus")
		return c.Snap.Restart(ctx, ServiceName)
	case changed:
		if err := c.Server.Reload(ctx, listen); err != nil {
			c.logf(ctx, "INFO", "%v; restarting it", err)
			return c.Snap.Restart(ctx, ServiceName)
		}
	}
	return nil
}

// respond answers every request of r and withdraws answers to requests
// that are gone.
func (c *Charm) respond(ctx context.Context, r relationRequests) error {
	changes := map[string]string{}
	want := map[string]bool{}
	for _, req := range r.reqs {
		key := "response_" + req.RequestID
		want[key] = true
		if v := Response(true, ""); r.own[key] != v {
			changes[key] = v
		}
	}
	for k := range r.own {
		if strings.HasPrefix(k, "response_") && !want[k] {
			changes[k] = ""
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := c.Tools.RelationSet(ctx, r.id, false, changes); err != nil && !juju.IsRelationNotFound(err) {
		return err
	}
	return nil
}

// jobNames are the scrape jobs of a prometheus.yml (none if unreadable).
func jobNames(path string) map[string]bool {
	var conf struct {
		ScrapeConfigs []struct {
			JobName string `yaml:"job_name"`
		} `yaml:"scrape_configs"`
	}
	names := map[string]bool{}
	if b, err := os.ReadFile(path); err == nil && yaml.Unmarshal(b, &conf) == nil {
		for _, j := range conf.ScrapeConfigs {
			names[j.JobName] = true
		}
	}
	return names
}

func writeIfChanged(path string, data []byte, mode os.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, path)
}
