package snapd

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// plugRef and slotRef are the items of POST /v2/interfaces.
type plugRef struct {
	Snap string `json:"snap"`
	Plug string `json:"plug"`
}

type slotRef struct {
	Snap string `json:"snap"`
	Slot string `json:"slot"`
}

// systemSlotSnaps are the names the system's implicit slots go by.
var systemSlotSnaps = map[string]bool{"": true, "core": true, "system": true, "snapd": true}

// postInterfaces serves connect/disconnect of a snap's plug to a system
// slot (the charm connects etcd:removable-media to :removable-media).
// Connecting what is connected is a change that is already Done;
// disconnecting what is not is 400 interfaces-unchanged.
func (d *Daemon) postInterfaces(r *http.Request) reply {
	var req struct {
		Action string    `json:"action"`
		Plugs  []plugRef `json:"plugs"`
		Slots  []slotRef `json:"slots"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return errorReply(err)
	}
	if req.Action != "connect" && req.Action != "disconnect" {
		return errorReply(badRequest("unsupported interface action: %q", req.Action))
	}
	if len(req.Plugs) != 1 || len(req.Slots) != 1 {
		return errorReply(badRequest("exactly one plug and one slot must be given"))
	}
	plug, slot := req.Plugs[0], req.Slots[0]
	if !systemSlotSnaps[slot.Snap] {
		return errorReply(badRequest("snap %q has no slot named %q", slot.Snap, slot.Slot))
	}
	if slot.Slot == "" {
		slot.Slot = plug.Plug
	}
	if slot.Slot != plug.Plug {
		return errorReply(badRequest("cannot connect %s:%s (%q interface) to core:%s", plug.Snap, plug.Plug, plug.Plug, slot.Slot))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.snaps[plug.Snap]; !ok {
		return errorReply(errSnapNotInstalled(plug.Snap))
	}
	key := plug.Snap + ":" + plug.Plug
	summary := fmt.Sprintf("Connect %s:%s to core:%s", plug.Snap, plug.Plug, slot.Slot)
	kind := "connect-snap"
	if req.Action == "disconnect" {
		if !d.conns[key] {
			return errorReply(kindError(http.StatusBadRequest, kindInterfacesUnchanged, nil, "nothing to do"))
		}
		kind = "disconnect-snap"
		summary = fmt.Sprintf("Disconnect %s:%s from core:%s", plug.Snap, plug.Plug, slot.Slot)
	}
	if aerr := d.conflictFor([]string{plug.Snap}); aerr != nil {
		return errorReply(aerr)
	}
	if req.Action == "connect" && d.conns[key] {
		return asyncReply(d.addChange(kind, summary, []string{plug.Snap}, nil).id)
	}
	connect := req.Action == "connect"
	c := d.addChange(kind, summary, []string{plug.Snap}, nil,
		d.newTask(strings.TrimSuffix(kind, "-snap"), summary, func(context.Context) error {
			d.mu.Lock()
			defer d.mu.Unlock()
			if connect {
				d.conns[key] = true
			} else {
				delete(d.conns, key)
			}
			return d.saveLocked()
		}))
	return asyncReply(c.id)
}
