package main

import (
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"os"
	"path/filepath"

	"github.com/etcd-charm/etcd-charm/sim/jujuc/wire"
)

// Main runs the hook tool named by filepath.Base(args[0]) with args[1:]:
// it sends {JUJU_CONTEXT_ID, cwd, name, args} over net/rpc to
// JUJU_AGENT_SOCKET_ADDRESS (network JUJU_AGENT_SOCKET_NETWORK, default
// unix), writes the returned stdout and stderr verbatim and returns the
// tool's exit code. Its own failures (no context id, no server) print
// `ERROR <msg>` and return 1, like Juju's jujuc.
//
// Stdin is read only when the args ask for it (--file -), or when the
// server reports that the tool wanted it.
func Main(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	resp, err := call(args, getenv, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	stdout.Write(resp.Stdout)
	stderr.Write(resp.Stderr)
	return resp.Code
}

func call(args []string, getenv func(string) string, stdin io.Reader) (wire.Response, error) {
	var resp wire.Response
	if len(args) == 0 {
		return resp, errors.New("no command name")
	}
	req := wire.Request{
		ContextID:   getenv("JUJU_CONTEXT_ID"),
		CommandName: filepath.Base(args[0]),
		Args:        args[1:],
	}
	if req.ContextID == "" {
		return resp, errors.New("JUJU_CONTEXT_ID not set")
	}
	addr := getenv("JUJU_AGENT_SOCKET_ADDRESS")
	if addr == "" {
		return resp, errors.New("JUJU_AGENT_SOCKET_ADDRESS not set")
	}
	network := getenv("JUJU_AGENT_SOCKET_NETWORK")
	if network == "" {
		network = "unix"
	}
	dir, err := os.Getwd()
	if err != nil {
		return resp, err
	}
	req.Dir = dir
	readStdin := func() error {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return fmt.Errorf("cannot read stdin: %w", err)
		}
		req.StdinSet, req.Stdin = true, data
		return nil
	}
	if wantsStdin(req.Args) {
		if err := readStdin(); err != nil {
			return resp, err
		}
	}
	client, err := rpc.Dial(network, addr)
	if err != nil {
		return resp, err
	}
	defer client.Close()
	err = client.Call(wire.Method, req, &resp)
	if err != nil && err.Error() == wire.NoStdinMessage && !req.StdinSet {
		if err := readStdin(); err != nil {
			return resp, err
		}
		resp = wire.Response{}
		err = client.Call(wire.Method, req, &resp)
	}
	return resp, err
}

// wantsStdin reports whether the args pass "-" to --file (relation-set and
// state-set read their YAML from stdin then), before any "--".
func wantsStdin(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--file=-":
			return true
		case a == "--file" && i+1 < len(args) && args[i+1] == "-":
			return true
		}
	}
	return false
}
