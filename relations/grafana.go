package relations

import "fmt"

// The `grafana` endpoint speaks grafana-dashboard
// (juju-solutions/interface-grafana-dashboard), the same charms.reactive
// request/response as prometheus-manual: request_<uuid> in the leader's
// unit bag = {request_id, name, dashboard} (the dashboard a JSON object,
// not pre-serialised), answered by response_<uuid> = {success, reason}.
// layer-etcd names its dashboard "etcd" and points its panels at the
// datasource "<prometheus application> - Juju generated source"
// (layer-etcd-reference.md §6).

// DashboardName is layer-etcd's dashboard name.
const DashboardName = "etcd"

// DatasourceName is the datasource Grafana's charm creates for a related
// Prometheus application, as layer-etcd names it.
func DatasourceName(prometheusApp string) string {
	return prometheusApp + " - Juju generated source"
}

// DashboardRequest is one grafana-dashboard request.
type DashboardRequest struct {
	RequestID string
	Name      string
	// Dashboard is Grafana's JSON model, decoded with numbers kept as
	// written (json.Number).
	Dashboard map[string]any
}

// Encode renders the request as charms.reactive writes it.
func (r DashboardRequest) Encode() string {
	return pyJSON(map[string]any{
		"request_id": r.RequestID,
		"name":       r.Name,
		"dashboard":  r.Dashboard,
	})
}

// DecodeDashboardRequest reads a request_<id> value.
func DecodeDashboardRequest(value string) (DashboardRequest, error) {
	var w struct {
		RequestID string         `json:"request_id"`
		Name      string         `json:"name"`
		Dashboard map[string]any `json:"dashboard"`
	}
	if err := decodeJSON(value, &w); err != nil {
		return DashboardRequest{}, fmt.Errorf("cannot decode a grafana-dashboard request: %w", err)
	}
	if w.RequestID == "" {
		return DashboardRequest{}, fmt.Errorf("cannot decode a grafana-dashboard request: no request_id")
	}
	return DashboardRequest{RequestID: w.RequestID, Name: w.Name, Dashboard: w.Dashboard}, nil
}

// DecodeJSONObject reads a JSON object keeping numbers as written, the
// form DashboardRequest.Dashboard holds.
func DecodeJSONObject(raw []byte) (map[string]any, error) {
	var m map[string]any
	if err := decodeJSON(string(raw), &m); err != nil {
		return nil, err
	}
	return m, nil
}
