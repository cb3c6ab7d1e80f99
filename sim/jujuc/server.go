package jujuc

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
)

// Server serves hook-tool requests from the tool binaries over Go net/rpc
// (method "Jujuc.Main"), the protocol of Juju's unit agent. One Server can
// serve every unit of a model: lookup maps the request's context id to the
// live hook Context, and an id that is unknown (the hook already ended, or
// never existed) fails the tool with a "bad request" error, exit 1, as a
// tool called after its hook exited fails under Juju.
type Server struct {
	lookup func(contextID string) (Context, bool)
	rpc    *rpc.Server

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[net.Conn]struct{}
	closed    bool
	wg        sync.WaitGroup
}

// NewServer returns a Server resolving context ids with lookup.
func NewServer(lookup func(contextID string) (Context, bool)) *Server {
	s := &Server{lookup: lookup, rpc: rpc.NewServer(), conns: map[net.Conn]struct{}{}}
	// Registered as "Jujuc", so its method is wire.Method ("Jujuc.Main").
	if err := s.rpc.RegisterName("Jujuc", &endpoint{s}); err != nil {
		// Only a programming error in endpoint's method set gets here.
		panic(fmt.Sprintf("cannot register Jujuc rpc endpoint: %v", err))
	}
	return s
}

// Serve accepts connections on l until l fails or Close is called; after
// Close it returns nil.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	for {
		conn, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			return fmt.Errorf("cannot accept hook tool connection: %w", err)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return nil
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.rpc.ServeConn(conn)
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
		}()
	}
}

// Close stops every Serve loop, drops open connections and waits for their
// handlers to return.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// endpoint is the rpc receiver; only Main is exported to net/rpc.
type endpoint struct{ s *Server }

// Main runs one tool invocation. Errors returned here are "bad requests"
// the client prints as `ERROR <text>` with exit 1; ErrNoStdin asks the
// client to resend the request with its stdin.
func (e *endpoint) Main(req Request, resp *Response) error {
	if req.CommandName == "" {
		return errors.New("bad request: command not specified")
	}
	if !absDir(req.Dir) {
		return errors.New("bad request: Dir is not absolute")
	}
	if _, ok := factories[req.CommandName]; !ok {
		return fmt.Errorf("bad request: unknown command: %s", req.CommandName)
	}
	ctx, ok := e.s.lookup(req.ContextID)
	if !ok {
		return fmt.Errorf("bad request: unknown context id %q", req.ContextID)
	}
	r, wantStdin := run(ctx, req)
	if wantStdin && !req.StdinSet {
		return ErrNoStdin
	}
	*resp = r
	return nil
}
