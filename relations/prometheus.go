package relations

import (
	"fmt"
	"sort"
	"strings"
)

// The `prometheus` endpoint speaks prometheus-manual
// (juju-solutions/interface-prometheus-manual) with charms.reactive's
// request/response pattern: the requester (etcd's leader) writes
// request_<uuid> in its own unit bag, the JSON of {request_id, job_name,
// job_data, ca_cert, client_cert, client_key}; Prometheus appends the
// request id to job_name, writes the certificates to files and answers
// response_<uuid> = {success, reason} in its unit bag
// (layer-etcd-reference.md §6). The request id stays the same for the
// life of the relation: charms.reactive's create_or_update finds the
// request by job_name and rewrites only its fields.

// PrometheusJobName is layer-etcd's job name.
const PrometheusJobName = "etcd"

// ScrapeJob is one prometheus-manual request.
type ScrapeJob struct {
	RequestID string
	JobName   string
	// Scheme and Targets are job_data: {"scheme": ..., "static_configs":
	// [{"targets": [...]}]}, layer-etcd's job (host:port of every member's
	// client URL).
	Scheme     string
	Targets    []string
	CACert     string
	ClientCert string
	ClientKey  string
}

// RequestKey is the bag key of request id.
func RequestKey(id string) string { return "request_" + id }

// ResponseKey is the bag key of the answer to request id.
func ResponseKey(id string) string { return "response_" + id }

// Encode renders the request as charms.reactive writes it.
func (j ScrapeJob) Encode() string {
	targets := make([]any, len(j.Targets))
	for i, t := range j.Targets {
		targets[i] = t
	}
	return pyJSON(map[string]any{
		"request_id": j.RequestID,
		"job_name":   j.JobName,
		"job_data": map[string]any{
			"scheme":         j.Scheme,
			"static_configs": []any{map[string]any{"targets": targets}},
		},
		"ca_cert":     nullable(j.CACert),
		"client_cert": nullable(j.ClientCert),
		"client_key":  nullable(j.ClientKey),
	})
}

// nullable is Python's None for an empty field (register_job's defaults).
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type wireJob struct {
	RequestID string `json:"request_id"`
	JobName   string `json:"job_name"`
	JobData   struct {
		Scheme        string `json:"scheme"`
		StaticConfigs []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
	} `json:"job_data"`
	CACert     string `json:"ca_cert"`
	ClientCert string `json:"client_cert"`
	ClientKey  string `json:"client_key"`
}

// DecodeScrapeJob reads a request_<id> value.
func DecodeScrapeJob(value string) (ScrapeJob, error) {
	var w wireJob
	if err := decodeJSON(value, &w); err != nil {
		return ScrapeJob{}, fmt.Errorf("cannot decode a prometheus-manual request: %w", err)
	}
	if w.RequestID == "" {
		return ScrapeJob{}, fmt.Errorf("cannot decode a prometheus-manual request: no request_id")
	}
	j := ScrapeJob{RequestID: w.RequestID, JobName: w.JobName, Scheme: w.JobData.Scheme,
		CACert: w.CACert, ClientCert: w.ClientCert, ClientKey: w.ClientKey}
	for _, sc := range w.JobData.StaticConfigs {
		j.Targets = append(j.Targets, sc.Targets...)
	}
	return j, nil
}

// Requests returns the request ids in a bag (keys request_<id>), sorted.
func Requests(bag map[string]string) []string {
	var ids []string
	for k := range bag {
		if id, ok := strings.CutPrefix(k, "request_"); ok && id != "" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Response is a responder's answer to a request.
type Response struct {
	Success bool
	Reason  string
}

// Encode renders the response as charms.reactive writes it.
func (r Response) Encode() string {
	return pyJSON(map[string]any{"success": r.Success, "reason": nullable(r.Reason)})
}

// DecodeResponse reads a response_<id> value.
func DecodeResponse(value string) (Response, error) {
	var w struct {
		Success bool    `json:"success"`
		Reason  *string `json:"reason"`
	}
	if err := decodeJSON(value, &w); err != nil {
		return Response{}, fmt.Errorf("cannot decode a response: %w", err)
	}
	r := Response{Success: w.Success}
	if w.Reason != nil {
		r.Reason = *w.Reason
	}
	return r, nil
}

// FindResponse looks for the answer to request id in the remote units'
// bags (the responder answers in its unit bag).
func FindResponse(remote map[string]map[string]string, id string) (Response, bool) {
	units := make([]string, 0, len(remote))
	for u := range remote {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		if v, ok := remote[u][ResponseKey(id)]; ok && v != "" {
			if r, err := DecodeResponse(v); err == nil {
				return r, true
			}
		}
	}
	return Response{}, false
}

// PrometheusTargets are host:port of client URLs, sorted, as the job's
// static targets.
func PrometheusTargets(clientURLs []string) []string {
	var out []string
	for _, u := range uniqueSorted(clientURLs) {
		host := URLHost(u)
		port := urlPort(u)
		if host == "" || port == "" {
			continue
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		out = append(out, host+":"+port)
	}
	return out
}

// urlPort returns the port of a URL ("" when it has none).
func urlPort(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, "/")
	i := strings.LastIndex(rest, ":")
	if i < 0 || strings.HasSuffix(rest, "]") {
		return ""
	}
	return rest[i+1:]
}
