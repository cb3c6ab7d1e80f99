package jujuctest

import (
	"net"
	"sync"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// Server is a jujuc.Server for a test: it listens on a unix socket until
// the test ends and serves the contexts set with Set, as the controller
// serves its running hooks.
type Server struct {
	Sock string

	mu       sync.Mutex
	contexts map[string]jujuc.Context
}

// Serve starts a Server on the unix socket sock. The test's cleanup stops
// it and fails the test if serving failed.
func Serve(t testing.TB, sock string) *Server {
	t.Helper()
	s := &Server{Sock: sock, contexts: map[string]jujuc.Context{}}
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := jujuc.NewServer(s.lookup)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// Set makes ctx the context tools with JUJU_CONTEXT_ID id reach.
func (s *Server) Set(id string, ctx jujuc.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contexts[id] = ctx
}

// Remove ends id's context: its tools fail as those of a finished hook.
func (s *Server) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.contexts, id)
}

func (s *Server) lookup(id string) (jujuc.Context, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, ok := s.contexts[id]
	return ctx, ok
}
