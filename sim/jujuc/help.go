package jujuc

import "github.com/juju/cmd/v3"

// help is what each tool's -h/--help prints above its flags: Juju's argument
// synopsis, summary and details for the tool, byte for byte. The usage line,
// flag list and layout come from juju/cmd, which reads them through
// base.Info.
var help = map[string]cmd.Info{
	"action-fail": {
		Args:    `["<failure message>"]`,
		Purpose: "set action fail status with message",
		Doc: `action-fail sets the fail state of the action with a given error message.
Using action-fail without a failure message will set a default message
indicating a problem with the action.`,
	},
	"action-get": {
		Args:    "[<key>[.<key>.<key>...]]",
		Purpose: "get action parameters",
		Doc: `action-get will print the value of the parameter at the given key, serialized
as YAML. If multiple keys are passed, action-get will recurse into the param
map as needed.`,
	},
	"action-log": {
		Args:    "<message>",
		Purpose: "record a progress message for the current action",
	},
	"action-set": {
		Args:    "<key>=<value> [<key>=<value> ...]",
		Purpose: "set action results",
		Doc: `action-set adds the given values to the results map of the Action. This map
is returned to the user after the completion of the Action. Keys must start
and end with lowercase alphanumeric, and contain only lowercase alphanumeric,
hyphens and periods. The following special keys are reserved for internal
use: "stdout", "stdout-encoding", "stderr", "stderr-encoding".`,
	},
	"application-version-set": {
		Args:    "<new-version>",
		Purpose: "specify which version of the application is deployed",
		Doc: `application-version-set tells Juju which version of the application
software is running. This could be a package version number or some
other useful identifier, such as a Git hash, that indicates the
version of the deployed software.`,
	},
	"close-port": {
		Args:    portArgs,
		Purpose: "unregister a request to open a port or port range",
		Doc:     portDoc,
	},
	"config-get": {
		Args:    "[<key>]",
		Purpose: "print application configuration",
		Doc: `When no <key> is supplied, all keys with values or defaults are printed. If
--all is set, all known keys are printed; those without defaults or values are
reported as null. <key> and --all are mutually exclusive.`,
	},
	"is-leader": {
		Purpose: "print application leadership status",
		Doc: `is-leader prints a boolean indicating whether the local unit is guaranteed to
be application leader for at least 30 seconds. If it fails, you should assume that
there is no such guarantee.`,
	},
	"juju-log": {
		Args:    "<message>",
		Purpose: "write a message to the juju log",
	},
	"leader-get": {
		Args:    "[<key>]",
		Purpose: "print application leadership settings",
		Doc: `leader-get prints the value of a leadership setting specified by key. If no key
is given, or if the key is "-", all keys and values will be printed.`,
	},
	"leader-set": {
		Args:    "<key>=<value> [...]",
		Purpose: "write application leadership settings",
		Doc: `leader-set immediate writes the supplied key/value pairs to the controller,
which will then inform non-leader units of the change. It will fail if called
without arguments, or if called by a unit that is not currently application leader.`,
	},
	"network-get": {
		Args:    "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]",
		Purpose: "get network config",
		Doc: `network-get returns the network config for a given binding name. By default
it returns the list of interfaces and associated addresses in the space for
the binding, as well as the ingress address for the binding. If defined, any
egress subnets are also returned.`,
	},
	"open-port": {
		Args:    portArgs,
		Purpose: "register a request to open a port or port range",
		Doc:     portDoc,
	},
	"opened-ports": {
		Purpose: "list all ports or port ranges opened by the unit",
		Doc: `Each list entry has format <port>/<protocol> (e.g. "80/tcp") or
<from>-<to>/<protocol> (e.g. "8080-8088/udp"). With --endpoints each entry
is followed by the endpoints it applies to, "*" meaning all of them.`,
	},
	"relation-get": {
		Args:    "<key> <unit id>",
		Purpose: "get relation settings",
		Doc: `relation-get prints the value of a unit's relation setting, specified by key.
If no key is given, or if the key is "-", all keys and values will be printed.
A unit can see its own settings by calling "relation-get - MYUNIT", this will include
any changes that have been made with "relation-set".`,
	},
	"relation-ids": {
		Args:    "<name>",
		Purpose: "list all relation ids for the given relation name",
		Doc:     "-r must be specified when not in a relation hook",
	},
	"relation-list": {
		Purpose: "list relation units",
		Doc:     "-r must be specified when not in a relation hook",
	},
	"relation-set": {
		Args:    "key=value [key=value ...]",
		Purpose: "set relation settings",
		Doc: `"relation-set" writes the local unit's settings for some relation.
If no relation is specified then the current relation is used. The
setting values are not inspected and are stored as strings. Setting
an empty string causes the setting to be removed. Duplicate settings
are not allowed.`,
	},
	"resource-get": {
		Args:    "<resource name>",
		Purpose: "get the path to the locally cached resource file",
		Doc: `"resource-get" is used while a hook is running to get the local path
to the file for the identified resource. This file is an fs-local copy,
unique to the unit for which the hook is running. It is downloaded from
the controller, if necessary.`,
	},
	"state-delete": {
		Args:    "<key>",
		Purpose: "delete server-side-state key value pair",
	},
	"state-get": {
		Args:    "[<key>]",
		Purpose: "print server-side-state value",
		Doc: `state-get will print the value of the server side state specified by key.
If no key is given, or if the key is "-", all keys and values will be printed.`,
	},
	"state-set": {
		Args:    "key=value [key=value ...]",
		Purpose: "set server-side-state values",
		Doc: `state-set sets the value of the server side state specified by key.
The --file option should be used when one or more key-value pairs
are too long to fit within the command length limit of the shell
or operating system. The file will contain a YAML map containing
the settings as strings.`,
	},
	"status-get": {
		Args:    "[--include-data] [--application]",
		Purpose: "print status information",
		Doc: `By default, only the status value is printed.
If the --include-data flag is passed, the associated data are printed also.`,
	},
	"status-set": {
		Args:    "<maintenance | blocked | waiting | active> [message]",
		Purpose: "set status information",
		Doc: `Sets the workload status of the charm. Message is optional.
The "last updated" attribute of the status is set, even if the
status and message are the same as what's already set.`,
	},
	"storage-get": {
		Args:    "[<key>]",
		Purpose: "print information for storage instance with specified id",
		Doc: `When no <key> is supplied, all keys values are printed. Further details:
storage-get may be called with -s to specify a storage instance; without it,
the storage instance of the current storage hook is used.`,
	},
	"storage-list": {
		Args:    "[<storage-name>]",
		Purpose: "list storage attached to the unit",
		Doc: `storage-list will list the names of all storage instances
attached to the unit. These names can be passed to storage-get
via the "-s" flag to query the storage attributes.`,
	},
	"unit-get": {
		Args:    "<setting>",
		Purpose: "print public-address or private-address",
	},
}

// The port commands share their synopsis and details.
const (
	portArgs = "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp"
	portDoc  = `The port range will only be opened while the application is exposed.
By default the range applies to all application endpoints; --endpoints
restricts it to a comma-delimited list of endpoints.`
)

// Info is the tool's juju/cmd metadata: its name and its entry in help.
func (b base) Info() *cmd.Info {
	info := help[b.name]
	info.Name = b.name
	return &info
}
