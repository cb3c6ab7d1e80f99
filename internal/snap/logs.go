package snap

import (
	"context"
	"fmt"

	"github.com/snapcore/snapd/client"
)

// Logs implements Client: GET /v2/logs?names=<service>&n=<n>, the last n
// lines the service wrote to the journal, oldest first (snap logs -n).
// snapd reads them with journalctl; a daemon's stdout and stderr are
// what etcd logs to, so this is where etcd says why it would not start.
func (s *Snapd) Logs(ctx context.Context, service string, n int) ([]string, error) {
	if service == "" {
		return nil, fmt.Errorf("cannot read service logs: no name")
	}
	var lines []string
	err := s.call(ctx, func() error {
		ch, err := s.c.Logs([]string{service}, client.LogOptions{N: n})
		if err != nil {
			return err
		}
		// The channel closes when snapd's json-seq stream ends.
		for l := range ch {
			lines = append(lines, l.Message)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read the logs of service %s: %w", service, err)
	}
	return lines, nil
}
