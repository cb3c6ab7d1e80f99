package charm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Member is one line of etcdctl v2 `member list`, as lib/etcdctl.py's
// member_list reads it. An unstarted member has no name and client URLs.
type Member struct {
	ID         string
	Name       string
	PeerURLs   string
	ClientURLs string
	Unstarted  bool
}

// Ctl is the original's EtcdCtl: etcdctl driven with the v2 API (member
// management, cluster-health) and the server certificate as client
// credentials, against the given endpoint.
type Ctl interface {
	MemberList(ctx context.Context, endpoint string) ([]Member, error)
	// MemberAdd adds name at peerURL and returns the ETCD_INITIAL_CLUSTER
	// etcdctl prints for it.
	MemberAdd(ctx context.Context, endpoint, name, peerURL string) (string, error)
	MemberRemove(ctx context.Context, endpoint, id string) error
	// ClusterHealth returns the last line of `cluster-health`.
	ClusterHealth(ctx context.Context, endpoint string) (string, error)
	// Version is the third token of `etcdctl version`'s first line.
	Version(ctx context.Context) (string, error)
}

// ErrCommandFailed is EtcdCtl.CommandFailed: etcdctl exited non-zero.
var ErrCommandFailed = errors.New("etcdctl failed")

// ExecCtl runs the snap's etcdctl.
type ExecCtl struct {
	Binary        string
	CA, Cert, Key string
	Log           func(string)
}

func (c *ExecCtl) run(ctx context.Context, endpoint string, args ...string) (string, error) {
	argv := append([]string{"--endpoint", endpoint}, args...)
	cmd := exec.CommandContext(ctx, c.Binary, argv...)
	cmd.Env = []string{
		"ETCDCTL_API=2",
		"ETCDCTL_CA_FILE=" + c.CA,
		"ETCDCTL_CERT_FILE=" + c.Cert,
		"ETCDCTL_KEY_FILE=" + c.Key,
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if c.Log != nil {
			c.Log(fmt.Sprintf("etcdctl %s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(errb.String()+" "+out.String())))
		}
		return "", fmt.Errorf("%w: %s: %v", ErrCommandFailed, strings.Join(args, " "), err)
	}
	return out.String(), nil
}

func (c *ExecCtl) MemberList(ctx context.Context, endpoint string) ([]Member, error) {
	out, err := c.run(ctx, endpoint, "member", "list")
	if err != nil {
		return nil, err
	}
	return ParseMemberList(out), nil
}

func (c *ExecCtl) MemberAdd(ctx context.Context, endpoint, name, peerURL string) (string, error) {
	out, err := c.run(ctx, endpoint, "member", "add", name, peerURL)
	if err != nil {
		return "", err
	}
	return ParseInitialCluster(out), nil
}

func (c *ExecCtl) MemberRemove(ctx context.Context, endpoint, id string) error {
	_, err := c.run(ctx, endpoint, "member", "remove", id)
	return err
}

func (c *ExecCtl) ClusterHealth(ctx context.Context, endpoint string) (string, error) {
	out, err := c.run(ctx, endpoint, "cluster-health")
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1], nil
}

func (c *ExecCtl) Version(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, c.Binary, "version")
	cmd.Env = []string{"ETCDCTL_API=3"}
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot read etcdctl's version: %w", err)
	}
	return ParseVersion(string(out))
}

// ParseVersion is EtcdCtl.version: "etcdctl version: 3.4.23" → 3.4.23.
func ParseVersion(out string) (string, error) {
	first, _, _ := strings.Cut(out, "\n")
	f := strings.Fields(first)
	if len(f) < 3 || f[0] != "etcdctl" || f[1] != "version:" {
		return "", fmt.Errorf("cannot parse etcdctl version %q", first)
	}
	return f[2], nil
}

// ParseMemberList reads etcdctl v2's member list:
//
//	8e9e05c52164694d: name=etcd0 peerURLs=https://10.0.0.1:2380 clientURLs=https://10.0.0.1:2379 isLeader=true
//	91bc3c398fb3c146[unstarted]: peerURLs=https://10.0.0.2:2380
//
// (etcdctl/ctlv2/command/member_commands.go).
func ParseMemberList(out string) []Member {
	var ms []Member
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		m := Member{ID: id}
		if i := strings.Index(id, "[unstarted]"); i >= 0 {
			m.ID, m.Unstarted = id[:i], true
		}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "name":
				m.Name = v
			case "peerURLs":
				m.PeerURLs = v
			case "clientURLs":
				m.ClientURLs = v
			}
		}
		ms = append(ms, m)
	}
	return ms
}

// ParseInitialCluster finds ETCD_INITIAL_CLUSTER="..." in member add's
// output (EtcdCtl.register).
func ParseInitialCluster(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "ETCD_INITIAL_CLUSTER=") {
			_, v, _ := strings.Cut(line, `="`)
			return strings.TrimRight(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}
