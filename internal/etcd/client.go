package etcd

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const (
	// dialTimeout bounds connection setup; a hook is short-lived.
	dialTimeout = 5 * time.Second
	// callTimeout bounds one request (the caller's earlier deadline
	// wins): clientv3 otherwise waits as long as the context allows for
	// an unreachable cluster. etcdctl's --command-timeout is 5 s;
	// membership changes may wait for a raft round trip, so more.
	callTimeout = 15 * time.Second
	// probeTimeout bounds one endpoint's health probe or status, as
	// etcdctl's --command-timeout does.
	probeTimeout = 5 * time.Second
	// longCallTimeout is the same for snapshot and defragment, which
	// legitimately run for minutes on a big database.
	longCallTimeout = 10 * time.Minute
)

// Client is the real Cluster and Maintenance over clientv3. It is safe
// for concurrent use.
type Client struct {
	cli *clientv3.Client
	cfg clientv3.Config // for one-endpoint clients (health, leader, snapshot)
	lg  *zap.Logger
}

var (
	_ Cluster     = (*Client)(nil)
	_ Maintenance = (*Client)(nil)
	_ Dialer      = Dial
)

// Dial is the Dialer the charm uses: Open with a silent logger.
func Dial(ctx context.Context, endpoints []string, tls TLS) (Cluster, error) {
	return Open(ctx, endpoints, tls, nil)
}

// Open connects to endpoints with the client certificate in t (all three
// files, or none for plain http endpoints). lg receives clientv3's logs;
// nil discards them. Open fails at once when no endpoint accepts a TCP
// connection (etcd not running); TLS and other problems show up as the
// first call's error.
func Open(ctx context.Context, endpoints []string, t TLS, lg *zap.Logger) (*Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("cannot connect to etcd: no endpoints")
	}
	for _, ep := range endpoints {
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("cannot connect to etcd: invalid endpoint %q (want https://host:port)", ep)
		}
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	cfg := clientv3.Config{
		Endpoints:   append([]string(nil), endpoints...),
		DialTimeout: dialTimeout,
		Logger:      lg,
		Context:     context.WithoutCancel(ctx),
	}
	tc, err := tlsConfig(t)
	if err != nil {
		return nil, err
	}
	if err := anyReachable(ctx, endpoints); err != nil {
		return nil, fmt.Errorf("cannot connect to etcd at %v: %w", endpoints, err)
	}
	cfg.TLS = tc
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to etcd at %v: %w", endpoints, err)
	}
	return &Client{cli: cli, cfg: cfg, lg: lg}, nil
}

// reachTimeout bounds the TCP probe of an endpoint.
const reachTimeout = 2 * time.Second

// reachable checks that endpoint accepts a TCP connection. clientv3 waits
// for a connection as long as its context allows, so without this a
// stopped member costs a whole timeout instead of an instant "connection
// refused".
func reachable(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("invalid endpoint %q", endpoint)
	}
	d := net.Dialer{Timeout: reachTimeout}
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return err
	}
	return conn.Close()
}

// anyReachable succeeds when one of endpoints accepts a TCP connection.
func anyReachable(ctx context.Context, endpoints []string) error {
	errs := make(chan error, len(endpoints))
	for _, ep := range endpoints {
		go func() { errs <- reachable(ctx, ep) }()
	}
	var all []error
	for range endpoints {
		err := <-errs
		if err == nil {
			return nil
		}
		all = append(all, err)
	}
	return errors.Join(all...)
}

// tlsConfig loads the PEM files; an empty TLS means no TLS.
func tlsConfig(t TLS) (*tls.Config, error) {
	if t == (TLS{}) {
		return nil, nil
	}
	if t.CertFile == "" || t.KeyFile == "" || t.CAFile == "" {
		return nil, fmt.Errorf("cannot connect to etcd: TLS needs a certificate, a key and a CA file (got %+v)", t)
	}
	// transport.TLSInfo accepts a CA file without any certificate in it
	// (and then trusts the system roots): refuse that here.
	ca, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load etcd client TLS files: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("cannot load etcd client TLS files: no PEM certificate in CA file %s", t.CAFile)
	}
	// transport.TLSInfo (as etcdctl uses it) parses the key pair once to
	// check it and again at every handshake, to follow rotated files in
	// a long-running process. A hook lives for one pass, so the pair is
	// parsed once per process (per content: files rewritten in the hook
	// are read again) and every client shares one TLS session cache: a
	// hook that reaches the same member twice resumes the session
	// instead of signing a new handshake with the key.
	cert, err := keyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load etcd client TLS files: %w", err)
	}
	info := transport.TLSInfo{TrustedCAFile: t.CAFile}
	tc, err := info.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("cannot load etcd client TLS files: %w", err)
	}
	tc.MinVersion = tls.VersionTLS12
	tc.Certificates = []tls.Certificate{cert}
	tc.ClientSessionCache = sessions
	return tc, nil
}

// sessions is the TLS session cache every client of this process shares.
var sessions = tls.NewLRUClientSessionCache(64)

// keyPairs holds the key pairs parsed in this process by the digest of
// their files.
var keyPairs sync.Map

func keyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0})
	h.Write(keyPEM)
	digest := string(h.Sum(nil))
	if c, ok := keyPairs.Load(digest); ok {
		return c.(tls.Certificate), nil
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPairs.Store(digest, cert)
	return cert, nil
}

// bound limits ctx to d from now (an earlier deadline of the caller
// stays): clientv3 waits for a connection as long as the context allows.
func bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// one opens a client on a single endpoint, as etcdctl does per endpoint.
func (c *Client) one(endpoint string) (*clientv3.Client, error) {
	cfg := c.cfg
	cfg.Endpoints = []string{endpoint}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to etcd at %s: %w", endpoint, err)
	}
	return cli, nil
}

// Close implements Cluster.
func (c *Client) Close() error { return c.cli.Close() }

// isRPC reports whether err is etcd's error target, whether it arrives as
// rpctypes.EtcdError (clientv3's usual conversion) or as a raw gRPC status.
func isRPC(err, target error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, target) {
		return true
	}
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee == target
	}
	return rpctypes.Error(err) == target
}

// errNotForLearner is etcd's refusal of a request a learner does not
// serve; rpctypes has it only as a gRPC status.
var errNotForLearner = rpctypes.Error(rpctypes.ErrGRPCNotSupportedForLearner)

// membershipError maps etcd's refusals the charm acts on to this
// package's sentinels.
func membershipError(op string, err error) error {
	switch {
	case isRPC(err, rpctypes.ErrUnhealthy), isRPC(err, rpctypes.ErrMemberNotEnoughStarted):
		return fmt.Errorf("cannot %s: %w (%v)", op, ErrUnhealthy, err)
	case isRPC(err, rpctypes.ErrMemberLearnerNotReady):
		return fmt.Errorf("cannot %s: %w", op, ErrLearnerNotReady)
	case isRPC(err, rpctypes.ErrTooManyLearners):
		return fmt.Errorf("cannot %s: %w", op, ErrTooManyLearners)
	case isRPC(err, errNotForLearner):
		return fmt.Errorf("cannot %s: %w (%v)", op, ErrLearnerRefused, err)
	}
	return fmt.Errorf("cannot %s: %w", op, err)
}
