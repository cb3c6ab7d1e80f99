// Package etcdconn is the etcd-client charm's connection to etcd over TLS,
// with go.etcd.io/etcd/client/v3: the narrow set of calls the charm makes
// (status of one endpoint, put, get), behind an interface the charm's tests
// fake.
package etcdconn

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Conn is a client of one etcd cluster.
type Conn interface {
	// Status asks endpoint (one of the cluster's) for its status and
	// returns the server version.
	Status(ctx context.Context, endpoint string) (version string, err error)
	// Put writes key and returns the revision it made.
	Put(ctx context.Context, key, value string) (revision int64, err error)
	// Get reads key; found is false when it does not exist. revision is
	// the store revision the read saw.
	Get(ctx context.Context, key string) (value string, found bool, revision int64, err error)
	Close() error
}

// Dialer makes a Conn to endpoints with cfg.
type Dialer func(endpoints []string, cfg *tls.Config) (Conn, error)

// DialTimeout bounds connection establishment to one endpoint.
const DialTimeout = 5 * time.Second

// Dial is the Dialer over clientv3. It does not wait for a connection:
// calls fail with the reason when an endpoint cannot be reached.
func Dial(endpoints []string, cfg *tls.Config) (Conn, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		TLS:         cfg,
		DialTimeout: DialTimeout,
		// clientv3 logs to stderr by default; a hook's stderr is logged
		// at WARNING by Juju, so keep it for what the charm says.
		Logger: zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("cannot make an etcd client: %w", err)
	}
	return &conn{cli}, nil
}

type conn struct{ cli *clientv3.Client }

func (c *conn) Status(ctx context.Context, endpoint string) (string, error) {
	st, err := c.cli.Status(ctx, endpoint)
	if err != nil {
		return "", err
	}
	return st.Version, nil
}

func (c *conn) Put(ctx context.Context, key, value string) (int64, error) {
	resp, err := c.cli.Put(ctx, key, value)
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

func (c *conn) Get(ctx context.Context, key string) (string, bool, int64, error) {
	resp, err := c.cli.Get(ctx, key)
	if err != nil {
		return "", false, 0, err
	}
	if len(resp.Kvs) == 0 {
		return "", false, resp.Header.Revision, nil
	}
	return string(resp.Kvs[0].Value), true, resp.Header.Revision, nil
}

func (c *conn) Close() error { return c.cli.Close() }
