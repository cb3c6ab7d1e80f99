package charm

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Request is one prometheus-manual job request (charms.reactive's
// JobRequest): request_<uuid> in a requirer unit's bag, the JSON of
// {request_id, job_name, job_data, ca_cert, client_cert, client_key}.
type Request struct {
	Unit       string
	RequestID  string         `json:"request_id"`
	JobName    string         `json:"job_name"`
	JobData    map[string]any `json:"job_data"`
	CACert     string         `json:"ca_cert"`
	ClientCert string         `json:"client_cert"`
	ClientKey  string         `json:"client_key"`
}

// ParseRequests reads every request in the remote units' bags (units
// sorted, requests sorted by id); a malformed one is returned in bad.
func ParseRequests(bags map[string]map[string]string) (reqs []Request, bad []string) {
	units := make([]string, 0, len(bags))
	for u := range bags {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		keys := make([]string, 0)
		for k := range bags[u] {
			if strings.HasPrefix(k, "request_") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			var r Request
			if err := json.Unmarshal([]byte(bags[u][k]), &r); err != nil || r.RequestID == "" || "request_"+r.RequestID != k || r.JobName == "" {
				bad = append(bad, fmt.Sprintf("%s %s", u, k))
				continue
			}
			r.Unit = u
			reqs = append(reqs, r)
		}
	}
	return reqs, bad
}

// CertFiles are where a job's certificates go.
type CertFiles struct{ CA, Cert, Key string }

// Files names the certificate files of request r under dir.
func (r Request) Files(dir string) CertFiles {
	d := filepath.Join(dir, r.RequestID)
	return CertFiles{CA: filepath.Join(d, "ca.crt"), Cert: filepath.Join(d, "client.crt"), Key: filepath.Join(d, "client.key")}
}

// ScrapeConfig is the job as Prometheus runs it: job_data with job_name
// "<job_name>-<request_id>" (so every request is its own job), and the
// certificates the request carried in tls_config as files (the Prometheus
// charm writes them out rather than passing PEM, LP#2004612).
func (r Request) ScrapeConfig(files CertFiles) map[string]any {
	job := map[string]any{}
	for k, v := range r.JobData {
		job[k] = v
	}
	job["job_name"] = r.JobName + "-" + r.RequestID
	if r.CACert == "" && r.ClientCert == "" {
		return job
	}
	tls, _ := job["tls_config"].(map[string]any)
	if tls == nil {
		tls = map[string]any{}
	}
	if r.CACert != "" {
		tls["ca_file"] = files.CA
	}
	if r.ClientCert != "" && r.ClientKey != "" {
		tls["cert_file"], tls["key_file"] = files.Cert, files.Key
	}
	job["tls_config"] = tls
	return job
}

// Response is the answer in the responder's unit bag, as charms.reactive
// writes it (json.dumps(..., sort_keys=True)).
func Response(success bool, reason string) string {
	r := "null"
	if reason != "" {
		b, _ := json.Marshal(reason)
		r = string(b)
	}
	return fmt.Sprintf(`{"reason": %s, "success": %t}`, r, success)
}
