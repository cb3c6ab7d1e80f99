package snap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/snapcore/snapd/client"
)

// Snapd is the real Client: snapd's own Go client on snapd's unix socket.
// Asynchronous operations (install, refresh, service control, conf) poll
// the change until it is ready: every 10 ms in its first second, then
// every 100 ms as the snap command does. Service changes (start, stop,
// restart: what a restore or a rolling restart waits on while etcd is
// down) are done in a few hundred ms, to which a 100 ms poll adds 50 ms
// on average; a GET of one change on the local socket costs snapd
// little.
//
// The snapd client of this era takes no context: every call runs in a
// goroutine and Snapd returns ctx's error as soon as ctx is done (the
// abandoned request finishes or times out on its own, harmless in a
// short-lived hook). The client retries GETs on a socket that refuses
// for 120 s, so each call first checks that snapd accepts a connection.
type Snapd struct {
	c      *client.Client
	socket string
	// Poll is the change polling interval; FastPoll the interval for a
	// change's first FastFor (never longer than Poll).
	Poll     time.Duration
	FastPoll time.Duration
	FastFor  time.Duration
	// ConflictRetries is how many times an operation refused with
	// snap-change-conflict (another change of the snap is in progress,
	// e.g. an auto-refresh) is retried, after ConflictBackoff, then twice
	// that, and so on.
	ConflictRetries int
	ConflictBackoff time.Duration
	// lostGrace is how long a change's polling survives snapd not
	// answering (it restarts itself on refreshes of snapd or core).
	lostGrace time.Duration
}

var _ Client = (*Snapd)(nil)

// New returns a Snapd for the socket at socketPath (the charm passes
// <root>/run/snapd.socket). Authorization is off: hooks run as root,
// which snapd trusts without a macaroon, and the client would otherwise
// read ~/.snap/auth.json.
func New(socketPath string) *Snapd {
	return &Snapd{
		c:               client.New(&client.Config{Socket: socketPath, DisableAuth: true}),
		socket:          socketPath,
		Poll:            100 * time.Millisecond,
		FastPoll:        10 * time.Millisecond,
		FastFor:         time.Second,
		ConflictRetries: 5,
		ConflictBackoff: time.Second,
		lostGrace:       5 * time.Second,
	}
}

// call runs f, giving up when ctx is done.
func (s *Snapd) call(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.probe(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unreachableError: snapd's socket is missing or refuses connections.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return "cannot communicate with snapd: " + e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// probe connects to the socket once. The client retries GETs on a
// socket that refuses for 120 s, blind to any context; probing first
// makes a stopped snapd an immediate error.
func (s *Snapd) probe() error {
	conn, err := net.DialTimeout("unix", s.socket, time.Second)
	if err != nil {
		return &unreachableError{err}
	}
	return conn.Close()
}

// kind returns snapd's error kind of err, or "".
func kind(err error) client.ErrorKind {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return ""
}

// async starts a change with start, retrying snapd's change conflicts
// with backoff, and waits for the change to be ready.
func (s *Snapd) async(ctx context.Context, start func() (string, error)) error {
	backoff := s.ConflictBackoff
	for attempt := 0; ; attempt++ {
		var id string
		err := s.call(ctx, func() (err error) {
			id, err = start()
			return err
		})
		if err == nil {
			return s.wait(ctx, id)
		}
		if !isConflict(err) || attempt >= s.ConflictRetries {
			return err
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return fmt.Errorf("%w (while waiting to retry after: %v)", ctx.Err(), err)
		}
		backoff *= 2
	}
}

// wait polls change id until it is ready: Done is success; any other
// ready status fails with snapd's err text ("cannot perform the following
// tasks: …"). Connection failures are retried for up to 5 s, as the snap
// command does while snapd restarts.
func (s *Snapd) wait(ctx context.Context, id string) error {
	began := time.Now()
	var lostSince time.Time
	for {
		var chg *client.Change
		err := s.call(ctx, func() (err error) {
			chg, err = s.c.Change(id)
			return err
		})
		switch {
		case err != nil && ctx.Err() != nil:
			return err
		case err != nil && isConnection(err):
			if lostSince.IsZero() {
				lostSince = time.Now()
			} else if time.Since(lostSince) > s.lostGrace {
				return fmt.Errorf("cannot wait for snapd change %s: %w", id, err)
			}
		case err != nil:
			return fmt.Errorf("cannot wait for snapd change %s: %w", id, err)
		case chg.Ready && chg.Status == "Done":
			return nil
		case chg.Ready && chg.Err != "":
			return fmt.Errorf("snapd change %s (%s) failed: %s", id, chg.Summary, chg.Err)
		case chg.Ready:
			return fmt.Errorf("snapd change %s (%s) finished in status %q with no error message", id, chg.Summary, chg.Status)
		default:
			lostSince = time.Time{}
		}
		select {
		case <-time.After(s.pollInterval(time.Since(began))):
		case <-ctx.Done():
			return fmt.Errorf("cannot wait for snapd change %s: %w", id, ctx.Err())
		}
	}
}

// pollInterval is how long to wait before asking again about a change
// that has been waited on for elapsed.
func (s *Snapd) pollInterval(elapsed time.Duration) time.Duration {
	if elapsed < s.FastFor && s.FastPoll > 0 && s.FastPoll < s.Poll {
		return s.FastPoll
	}
	return s.Poll
}

// isConflict reports snapd's snap-change-conflict. POST /v2/apps (service
// start/stop/restart) loses the kind to a type-assertion bug in snapd's
// postApps and answers 400 with only the message ("snap "etcd" has
// "install-snap" change in progress"), so that shape counts too.
func isConflict(err error) bool {
	if client.IsRetryable(err) {
		return true
	}
	var ce *client.Error
	return errors.As(err, &ce) && ce.Kind == "" && ce.StatusCode == 400 &&
		strings.HasSuffix(ce.Message, " change in progress")
}

func isConnection(err error) bool {
	var ue *unreachableError
	if errors.As(err, &ue) {
		return true
	}
	var ce client.ConnectionError
	if errors.As(err, &ce) {
		return true
	}
	var pce *client.ConnectionError
	return errors.As(err, &pce)
}
