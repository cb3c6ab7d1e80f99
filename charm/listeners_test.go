package charm

import (
	"reflect"
	"testing"
)

func conf(client, peer string) []byte {
	return []byte("listen-client-urls: " + client + "\nlisten-peer-urls: " + peer + "\n")
}

func TestNewListeners(t *testing.T) {
	cfg := Config{Port: 2379, ManagementPort: 2380}
	moved := Config{Port: 2400, ManagementPort: 2380}
	movedPeer := Config{Port: 2379, ManagementPort: 2480}
	swapped := Config{Port: 2380, ManagementPort: 2379}
	for _, tc := range []struct {
		name              string
		cfg               Config
		rendered, running []byte
		want              []Listener
	}{
		{"first start checks every listener", cfg, conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"), nil,
			[]Listener{{"port", "0.0.0.0:2379"}, {"management_port", "0.0.0.0:2380"}}},
		{"same ports need no check", cfg, conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"), conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"), nil},
		{"a moved client port", moved, conf("https://0.0.0.0:2400", "https://0.0.0.0:2380"), conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"),
			[]Listener{{"port", "0.0.0.0:2400"}}},
		{"a moved peer port on a bound address", movedPeer, conf("https://10.0.0.1:2379", "https://10.0.1.1:2480"), conf("https://10.0.0.1:2379", "https://10.0.1.1:2380"),
			[]Listener{{"management_port", "10.0.1.1:2480"}}},
		{"a swap frees what it takes", swapped, conf("https://0.0.0.0:2380", "https://0.0.0.0:2379"), conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"), nil},
		{"a bind change keeps etcd's ports", cfg, conf("https://10.0.0.1:2379", "https://10.0.1.1:2380"), conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"), nil},
		{"the insecure listener", Config{Port: 2379, ManagementPort: 2380, BindWithInsecureHTTP: true},
			conf("http://127.0.0.1:4001,https://0.0.0.0:2379", "https://0.0.0.0:2380"), conf("https://0.0.0.0:2379", "https://0.0.0.0:2380"),
			[]Listener{{"bind_with_insecure_http", "127.0.0.1:4001"}}},
		{"an unreadable running config holds nothing", moved, conf("https://0.0.0.0:2400", "https://0.0.0.0:2380"), []byte(":\n\t:"),
			[]Listener{{"port", "0.0.0.0:2400"}, {"management_port", "0.0.0.0:2380"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewListeners(tc.cfg, tc.rendered, tc.running)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("NewListeners = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestBusyMessage(t *testing.T) {
	l := Listener{"management_port", "10.0.1.1:2480"}
	if got, want := l.BusyMessage(true), "Port 2480 (management_port) is in use on this machine (10.0.1.1:2480); etcd keeps serving on its current ports. Free it or choose another management_port."; got != want {
		t.Errorf("running: %q, want %q", got, want)
	}
	if got, want := l.BusyMessage(false), "Port 2480 (management_port) is in use on this machine (10.0.1.1:2480); etcd does not start until it is free. Free it or choose another management_port."; got != want {
		t.Errorf("stopped: %q, want %q", got, want)
	}
}
