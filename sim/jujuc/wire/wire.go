// Package wire is the protocol between the hook-tool binary (cmd/jujuc) and
// jujusim's tool server (package jujuc): Go net/rpc over the socket named by
// JUJU_AGENT_SOCKET_ADDRESS (network JUJU_AGENT_SOCKET_NETWORK), method
// "Jujuc.Main", as Juju's own cmd/jujuc does. It has no dependencies so the
// client binary stays small.
package wire

// Method is the net/rpc method the client calls.
const Method = "Jujuc.Main"

// NoStdinMessage is the text of the rpc error the server returns when the
// tool read stdin that the request did not carry; the client then reads its
// own stdin and sends the request again (Juju's protocol).
const NoStdinMessage = "hook tool requires stdin, none supplied"

// Request is one tool invocation.
type Request struct {
	ContextID   string   // JUJU_CONTEXT_ID
	Dir         string   // the tool's working directory (for -o/--file paths)
	CommandName string   // the tool name (base of argv[0])
	Args        []string // argv[1:]
	StdinSet    bool     // Stdin was read (the args ask for it, or the server asked)
	Stdin       []byte
}

// Response is what the tool reproduces verbatim.
type Response struct {
	Code   int
	Stdout []byte
	Stderr []byte
}
