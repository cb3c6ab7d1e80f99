package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The hook rows' baseline, measured in the same run: what the issue
// calls "a static Go binary's start plus one local TLS round trip". The
// benchmark binary (static, about the charm's size) is started with the
// probe variables set and makes one HTTPS request with the charm's client
// certificate to the unit's etcd (GET /health on its client URL), then
// exits; its wall time is timed as the wrapper times the charm.

const (
	envProbeURL   = "ETCDBENCH_PROBE_URL"
	envProbeCreds = "ETCDBENCH_PROBE_CREDS"
)

// IsProbe reports whether this process was started as the baseline probe.
func IsProbe() bool { return os.Getenv(envProbeURL) != "" }

// Probe makes the probe's one TLS round trip; it returns the exit code.
func Probe() int {
	if err := probe(os.Getenv(envProbeURL), os.Getenv(envProbeCreds)); err != nil {
		fmt.Fprintln(os.Stderr, "etcdbench probe:", err)
		return 1
	}
	return 0
}

func probe(url, creds string) error {
	pair, err := tls.LoadX509KeyPair(filepath.Join(creds, "client.crt"), filepath.Join(creds, "client.key"))
	if err != nil {
		return err
	}
	ca, err := os.ReadFile(filepath.Join(creds, "ca.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
	resp, err := c.Get(url + "/health")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/health: %s", url, resp.Status)
	}
	return nil
}

// probeBaseline starts self as the probe runs times against url with the
// client credentials in creds and returns each run's wall time.
func probeBaseline(self, url, creds string, runs int) ([]time.Duration, error) {
	var walls []time.Duration
	for i := 0; i < runs; i++ {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), envProbeURL+"="+url, envProbeCreds+"="+creds)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		wall := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("the baseline probe failed: %w: %s", err, out)
		}
		walls = append(walls, wall)
	}
	return walls, nil
}
