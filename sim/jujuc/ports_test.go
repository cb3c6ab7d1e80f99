package jujuc_test

import (
	"reflect"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    jujuc.PortRange
		wantErr string
	}{
		{"80", jujuc.PortRange{From: 80, To: 80, Protocol: "tcp"}, ""},
		{"80/UDP", jujuc.PortRange{From: 80, To: 80, Protocol: "udp"}, ""},
		{"8000-8080/tcp", jujuc.PortRange{From: 8000, To: 8080, Protocol: "tcp"}, ""},
		{"ICMP", jujuc.PortRange{Protocol: "icmp"}, ""},
		{"0", jujuc.PortRange{From: 0, To: 0, Protocol: "tcp"}, ""},
		{"80/icmp", jujuc.PortRange{}, `protocol "icmp" doesn't support any ports; got "80-80"`},
		{"80-", jujuc.PortRange{}, `invalid port "": strconv.Atoi: parsing "": invalid syntax`},
		{"-1", jujuc.PortRange{}, `invalid port "": strconv.Atoi: parsing "": invalid syntax`},
		{"65536", jujuc.PortRange{}, "port range bounds must be between 0 and 65535, got 65536-65536"},
	}
	for _, tt := range tests {
		got, err := jujuc.ParsePortRange(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// Opens and closes apply at Commit; a close cancels an earlier open.
func TestPortsCommit(t *testing.T) {
	ctx := scenario(t, "empty")
	for _, args := range [][]string{
		{"open-port", "443"},
		{"open-port", "8000-8010/udp", "--endpoints", "db"},
		{"open-port", "9000"},
		{"close-port", "9000"},
	} {
		if resp := directRunner(t, ctx, t.TempDir(), args, nil); resp.Code != 0 {
			t.Fatalf("%v: code %d stderr %q", args, resp.Code, resp.Stderr)
		}
	}
	if resp := directRunner(t, ctx, t.TempDir(), []string{"opened-ports"}, nil); len(resp.Stdout) != 0 {
		t.Fatalf("pending opens shown before commit: %q", resp.Stdout)
	}
	ctx.Commit()
	resp := directRunner(t, ctx, t.TempDir(), []string{"opened-ports", "--endpoints"}, nil)
	if want := "443/tcp (*)\n8000-8010/udp (db)\n"; string(resp.Stdout) != want {
		t.Errorf("opened-ports after commit %q, want %q", resp.Stdout, want)
	}
}
