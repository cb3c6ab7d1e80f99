package jujuc

// The wire protocol between the tool binary (cmd/jujuc) and the controller:
// Go net/rpc over the unix socket named by JUJU_AGENT_SOCKET_ADDRESS
// (network JUJU_AGENT_SOCKET_NETWORK), method "Jujuc.Main", as Juju's own
// cmd/jujuc does.

// Request is one tool invocation.
type Request struct {
	ContextID   string   // JUJU_CONTEXT_ID
	Dir         string   // the tool's working directory (for -o/--file paths)
	CommandName string   // the tool name (base of argv[0])
	Args        []string // argv[1:]
	StdinSet    bool     // Stdin was read because the args ask for it (--file -)
	Stdin       []byte
}

// Response is what the tool reproduces verbatim.
type Response struct {
	Code   int
	Stdout []byte
	Stderr []byte
}
