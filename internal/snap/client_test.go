package snap

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var etcdSnap = map[string]any{
	"id": "etcd-id", "name": "etcd", "summary": "etcd", "description": "", "developer": "canonical",
	"status": "active", "type": "app", "version": "3.4.23", "revision": "233",
	"channel": "3.4/stable", "tracking-channel": "3.4/stable", "confinement": "strict",
	"private": false, "devmode": false, "jailmode": false, "ignore-validation": false, "contact": "",
}

func TestSnapdCalls(t *testing.T) {
	snapFile := filepath.Join(t.TempDir(), "etcd.snap")
	os.WriteFile(snapFile, []byte("hsqs"), 0o644)
	sideloaded := map[string]any{}
	for k, v := range etcdSnap {
		sideloaded[k] = v
	}
	sideloaded["revision"] = "x2"
	delete(sideloaded, "tracking-channel")

	done := changeReply("7", "Done", "")
	tests := []struct {
		name    string
		replies map[string][]reply
		call    func(ctx context.Context, s *Snapd) (any, error)
		want    any
		wantErr error  // sentinel, or nil
		errText string // substring of the error, "" for success
		reqs    []string
	}{{
		name:    "snap installed from the store",
		replies: map[string][]reply{"GET /v2/snaps/etcd": {syncReply(etcdSnap)}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return s.Snap(ctx, "etcd") },
		want:    &Snap{Name: "etcd", Version: "3.4.23", Revision: "233", Channel: "3.4/stable"},
		reqs:    []string{"GET /v2/snaps/etcd"},
	}, {
		name:    "snap sideloaded",
		replies: map[string][]reply{"GET /v2/snaps/etcd": {syncReply(sideloaded)}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return s.Snap(ctx, "etcd") },
		want:    &Snap{Name: "etcd", Version: "3.4.23", Revision: "x2", Local: true},
		reqs:    []string{"GET /v2/snaps/etcd"},
	}, {
		name:    "snap not installed",
		replies: map[string][]reply{"GET /v2/snaps/etcd": {errReply(404, "snap-not-found", "snap not installed", "etcd")}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return s.Snap(ctx, "etcd") },
		wantErr: ErrNotInstalled,
		reqs:    []string{"GET /v2/snaps/etcd"},
	}, {
		name: "install polls until done",
		replies: map[string][]reply{
			"POST /v2/snaps/etcd": {asyncReply("7")},
			"GET /v2/changes/7":   {changeReply("7", "Do", ""), changeReply("7", "Doing", ""), done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Install(ctx, "etcd", "3.4/stable") },
		reqs: []string{`POST /v2/snaps/etcd {"action":"install","channel":"3.4/stable"}`,
			"GET /v2/changes/7", "GET /v2/changes/7", "GET /v2/changes/7"},
	}, {
		name: "install change fails",
		replies: map[string][]reply{
			"POST /v2/snaps/etcd": {asyncReply("8")},
			"GET /v2/changes/8":   {changeReply("8", "Error", "cannot perform the following tasks:\n- Download snap \"etcd\" (boom)")},
		},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Install(ctx, "etcd", "3.4/stable") },
		errText: "Download snap \"etcd\" (boom)",
		reqs:    []string{`POST /v2/snaps/etcd {"action":"install","channel":"3.4/stable"}`, "GET /v2/changes/8"},
	}, {
		name:    "install of an installed snap",
		replies: map[string][]reply{"POST /v2/snaps/etcd": {errReply(400, "snap-already-installed", `snap "etcd" is already installed`, "etcd")}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Install(ctx, "etcd", "3.4/stable") },
		wantErr: ErrAlreadyInstalled,
		reqs:    []string{`POST /v2/snaps/etcd {"action":"install","channel":"3.4/stable"}`},
	}, {
		name: "install retries change conflicts",
		replies: map[string][]reply{
			"POST /v2/snaps/etcd": {
				errReply(409, "snap-change-conflict", `snap "etcd" has "refresh-snap" change in progress`, map[string]any{"snap-name": "etcd", "change-kind": "refresh-snap"}),
				asyncReply("7"),
			},
			"GET /v2/changes/7": {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Install(ctx, "etcd", "3.5/stable") },
		reqs: []string{`POST /v2/snaps/etcd {"action":"install","channel":"3.5/stable"}`,
			`POST /v2/snaps/etcd {"action":"install","channel":"3.5/stable"}`, "GET /v2/changes/7"},
	}, {
		name: "install gives up after the conflict retries",
		replies: map[string][]reply{
			"POST /v2/snaps/etcd": {errReply(409, "snap-change-conflict", `snap "etcd" has "refresh-snap" change in progress`, nil)},
		},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Install(ctx, "etcd", "3.5/stable") },
		errText: "change in progress",
		reqs: []string{`POST /v2/snaps/etcd {"action":"install","channel":"3.5/stable"}`,
			`POST /v2/snaps/etcd {"action":"install","channel":"3.5/stable"}`,
			`POST /v2/snaps/etcd {"action":"install","channel":"3.5/stable"}`},
	}, {
		name:    "install from a missing channel",
		replies: map[string][]reply{"POST /v2/snaps/etcd": {errReply(404, "snap-channel-not-available", "no snap revision on specified channel", map[string]any{"snap-name": "etcd"})}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Install(ctx, "etcd", "9.9/stable") },
		errText: "no snap revision on specified channel",
		reqs:    []string{`POST /v2/snaps/etcd {"action":"install","channel":"9.9/stable"}`},
	}, {
		name: "refresh amends",
		replies: map[string][]reply{
			"POST /v2/snaps/etcd": {asyncReply("9")},
			"GET /v2/changes/9":   {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Refresh(ctx, "etcd", "3.5/stable") },
		reqs: []string{`POST /v2/snaps/etcd {"action":"refresh","channel":"3.5/stable","amend":true}`, "GET /v2/changes/9"},
	}, {
		name:    "refresh with nothing newer",
		replies: map[string][]reply{"POST /v2/snaps/etcd": {errReply(400, "snap-no-update-available", "snap has no updates available", "")}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Refresh(ctx, "etcd", "3.4/stable") },
		reqs:    []string{`POST /v2/snaps/etcd {"action":"refresh","channel":"3.4/stable","amend":true}`},
	}, {
		name:    "refresh of an absent snap",
		replies: map[string][]reply{"POST /v2/snaps/etcd": {errReply(400, "snap-not-installed", `snap "etcd" is not installed`, "etcd")}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Refresh(ctx, "etcd", "3.4/stable") },
		wantErr: ErrNotInstalled,
		reqs:    []string{`POST /v2/snaps/etcd {"action":"refresh","channel":"3.4/stable","amend":true}`},
	}, {
		name: "sideload",
		replies: map[string][]reply{
			"POST /v2/snaps":     {asyncReply("10")},
			"GET /v2/changes/10": {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) { return nil, s.InstallPath(ctx, snapFile) },
		reqs: []string{"POST /v2/snaps multipart", "GET /v2/changes/10"},
	}, {
		name:    "sideload of a missing file",
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.InstallPath(ctx, snapFile+".nope") },
		errText: "no such file",
	}, {
		name: "channels from the store",
		replies: map[string][]reply{"GET /v2/find": {syncReply([]any{map[string]any{
			"id": "etcd-id", "name": "etcd", "status": "available", "type": "app", "version": "3.4.23", "revision": "233",
			"channels": map[string]any{
				"3.4/stable": map[string]any{"revision": "233", "version": "3.4.23", "channel": "3.4/stable", "confinement": "strict", "epoch": "0", "size": 1},
				"3.5/edge":   map[string]any{"revision": "240", "version": "3.5.17", "channel": "3.5/edge", "confinement": "strict", "epoch": "0", "size": 1},
			},
		}})}},
		call: func(ctx context.Context, s *Snapd) (any, error) { return s.Channels(ctx, "etcd") },
		want: map[string]string{"3.4/stable": "3.4.23", "3.5/edge": "3.5.17"},
		reqs: []string{"GET /v2/find?name=etcd"},
	}, {
		name: "restart",
		replies: map[string][]reply{
			"POST /v2/apps":      {asyncReply("11")},
			"GET /v2/changes/11": {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Restart(ctx, "etcd.etcd") },
		reqs: []string{`POST /v2/apps {"action":"restart","names":["etcd.etcd"]}`, "GET /v2/changes/11"},
	}, {
		name: "start and stop",
		replies: map[string][]reply{
			"POST /v2/apps":      {asyncReply("12"), asyncReply("13")},
			"GET /v2/changes/12": {done},
			"GET /v2/changes/13": {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) {
			if err := s.Start(ctx, "etcd.etcd"); err != nil {
				return nil, err
			}
			return nil, s.Stop(ctx, "etcd.etcd")
		},
		reqs: []string{`POST /v2/apps {"action":"start","names":["etcd.etcd"]}`, "GET /v2/changes/12",
			`POST /v2/apps {"action":"stop","names":["etcd.etcd"]}`, "GET /v2/changes/13"},
	}, {
		name: "restart retries snapd's kindless apps conflict",
		replies: map[string][]reply{
			"POST /v2/apps":      {errReply(400, "", `snap "etcd" has "refresh-snap" change in progress`, nil), asyncReply("17")},
			"GET /v2/changes/17": {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Restart(ctx, "etcd.etcd") },
		reqs: []string{`POST /v2/apps {"action":"restart","names":["etcd.etcd"]}`,
			`POST /v2/apps {"action":"restart","names":["etcd.etcd"]}`, "GET /v2/changes/17"},
	}, {
		name:    "a kindless 400 is not retried",
		replies: map[string][]reply{"POST /v2/apps": {errReply(400, "", `unknown action "restart"`, nil)}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Restart(ctx, "etcd.etcd") },
		errText: "unknown action",
		reqs:    []string{`POST /v2/apps {"action":"restart","names":["etcd.etcd"]}`},
	}, {
		name:    "restart of a non-service",
		replies: map[string][]reply{"POST /v2/apps": {errReply(404, "app-not-found", `snap "etcd" has no service "etcdctl"`, nil)}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Restart(ctx, "etcd.etcdctl") },
		errText: `has no service "etcdctl"`,
		reqs:    []string{`POST /v2/apps {"action":"restart","names":["etcd.etcdctl"]}`},
	}, {
		name: "active",
		replies: map[string][]reply{"GET /v2/apps": {syncReply([]any{
			map[string]any{"snap": "etcd", "name": "etcd", "daemon": "simple", "enabled": true, "active": true},
		})}},
		call: func(ctx context.Context, s *Snapd) (any, error) { return s.Active(ctx, "etcd.etcd") },
		want: true,
		reqs: []string{"GET /v2/apps?names=etcd.etcd&select=service"},
	}, {
		name: "inactive",
		replies: map[string][]reply{"GET /v2/apps": {syncReply([]any{
			map[string]any{"snap": "etcd", "name": "etcd", "daemon": "simple", "enabled": true},
		})}},
		call: func(ctx context.Context, s *Snapd) (any, error) { return s.Active(ctx, "etcd.etcd") },
		want: false,
		reqs: []string{"GET /v2/apps?names=etcd.etcd&select=service"},
	}, {
		name:    "conf",
		replies: map[string][]reply{"GET /v2/snaps/core/conf": {syncReply(map[string]any{"refresh.timer": "thu2"})}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return s.Conf(ctx, "core", "refresh.timer") },
		want:    "thu2",
		reqs:    []string{"GET /v2/snaps/core/conf?keys=refresh.timer"},
	}, {
		name:    "conf document",
		replies: map[string][]reply{"GET /v2/snaps/core/conf": {syncReply(map[string]any{"refresh": map[string]any{"timer": "thu2"}})}},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return s.Conf(ctx, "core", "refresh") },
		want:    `{"timer":"thu2"}`,
		reqs:    []string{"GET /v2/snaps/core/conf?keys=refresh"},
	}, {
		name: "conf unset",
		replies: map[string][]reply{"GET /v2/snaps/core/conf": {errReply(400, "option-not-found",
			`snap "core" has no "refresh.timer" configuration option`, map[string]any{"SnapName": "core", "Key": "refresh.timer"})}},
		call: func(ctx context.Context, s *Snapd) (any, error) { return s.Conf(ctx, "core", "refresh.timer") },
		want: "",
		reqs: []string{"GET /v2/snaps/core/conf?keys=refresh.timer"},
	}, {
		name: "set conf",
		replies: map[string][]reply{
			"PUT /v2/snaps/core/conf": {asyncReply("14")},
			"GET /v2/changes/14":      {done},
		},
		call: func(ctx context.Context, s *Snapd) (any, error) {
			return nil, s.SetConf(ctx, "core", "refresh.timer", "fri5")
		},
		reqs: []string{`PUT /v2/snaps/core/conf {"refresh.timer":"fri5"}`, "GET /v2/changes/14"},
	}, {
		name: "set conf without a configure hook",
		replies: map[string][]reply{
			"PUT /v2/snaps/etcd/conf": {asyncReply("15")},
			"GET /v2/changes/15": {changeReply("15", "Error",
				"cannot perform the following tasks:\n- Run configure hook of \"etcd\" snap (snap \"etcd\" has no \"configure\" hook)")},
		},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.SetConf(ctx, "etcd", "x", "y") },
		errText: `has no "configure" hook`,
		reqs:    []string{`PUT /v2/snaps/etcd/conf {"x":"y"}`, "GET /v2/changes/15"},
	}, {
		name: "change ends undone without an error text",
		replies: map[string][]reply{
			"POST /v2/apps":      {asyncReply("16")},
			"GET /v2/changes/16": {changeReply("16", "Undone", "")},
		},
		call:    func(ctx context.Context, s *Snapd) (any, error) { return nil, s.Restart(ctx, "etcd.etcd") },
		errText: `finished in status "Undone"`,
		reqs:    []string{`POST /v2/apps {"action":"restart","names":["etcd.etcd"]}`, "GET /v2/changes/16"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSnapd(t, tt.replies)
			s := New(f.socket)
			s.Poll, s.ConflictRetries, s.ConflictBackoff = time.Millisecond, 2, time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := tt.call(ctx, s)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case tt.errText != "":
				if err == nil || !strings.Contains(err.Error(), tt.errText) || !strings.HasPrefix(err.Error(), "cannot ") {
					t.Fatalf("err = %v, want a \"cannot …\" error containing %q", err, tt.errText)
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %#v, want %#v", got, tt.want)
			}
			if reqs := f.requests(); !reflect.DeepEqual(reqs, tt.reqs) && !(len(reqs) == 0 && len(tt.reqs) == 0) {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(reqs, "\n"), strings.Join(tt.reqs, "\n"))
			}
		})
	}
}

func TestSnapdMissingSocketAndContext(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "snapd.socket"))
	start := time.Now()
	if _, err := s.Snap(context.Background(), "etcd"); err == nil || !strings.Contains(err.Error(), "cannot communicate with snapd") {
		t.Errorf("Snap without snapd = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Snap without snapd took %v (the client's GET retry loop)", d)
	}

	// A change that never becomes ready: the context ends the wait.
	f := newFakeSnapd(t, map[string][]reply{
		"POST /v2/apps":     {asyncReply("3")},
		"GET /v2/changes/3": {changeReply("3", "Doing", "")},
	})
	s = New(f.socket)
	s.Poll = 5 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.Restart(ctx, "etcd.etcd")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Restart with a stuck change = %v, want the deadline", err)
	}
	if n := len(f.requests()); n < 3 {
		t.Errorf("only %d requests: the change was not polled", n)
	}
}

// snapd restarts itself (a refresh of snapd or core) while a change is
// polled: polling survives a short outage and gives up after lostGrace.
func TestSnapdRestartsDuringChange(t *testing.T) {
	for _, tt := range []struct {
		name    string
		outage  time.Duration
		wantErr bool
	}{
		{"short outage", 150 * time.Millisecond, false},
		{"snapd gone", 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSnapd(t, map[string][]reply{
				"POST /v2/apps":     {asyncReply("5")},
				"GET /v2/changes/5": {changeReply("5", "Doing", ""), changeReply("5", "Done", "")},
			})
			s := New(f.socket)
			s.Poll, s.lostGrace = 20*time.Millisecond, 500*time.Millisecond
			// Take snapd down once the first poll has been answered.
			go func() {
				for len(f.requests()) < 2 {
					time.Sleep(5 * time.Millisecond)
				}
				f.down()
				if tt.outage > 0 {
					time.Sleep(tt.outage)
					if err := f.up(); err != nil {
						t.Error(err)
					}
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := s.Restart(ctx, "etcd.etcd")
			took := time.Since(start)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "cannot communicate with snapd") {
					t.Errorf("Restart with snapd gone = %v", err)
				}
				if took > 3*time.Second {
					t.Errorf("gave up after %v, want about lostGrace", took)
				}
				return
			}
			if err != nil {
				t.Fatalf("Restart across a snapd restart = %v", err)
			}
			if took < tt.outage {
				t.Errorf("Restart returned after %v, before snapd came back", took)
			}
		})
	}
}

// A change is asked about every FastPoll in its first FastFor, then
// every Poll; a Poll shorter than FastPoll wins.
func TestPollInterval(t *testing.T) {
	s := New("unused")
	tests := []struct {
		name    string
		poll    time.Duration
		elapsed time.Duration
		want    time.Duration
	}{
		{"just started", 100 * time.Millisecond, 0, 10 * time.Millisecond},
		{"within the first second", 100 * time.Millisecond, 999 * time.Millisecond, 10 * time.Millisecond},
		{"after the first second", 100 * time.Millisecond, time.Second, 100 * time.Millisecond},
		{"a poll shorter than the fast one", time.Millisecond, 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Poll = tt.poll
			if got := s.pollInterval(tt.elapsed); got != tt.want {
				t.Errorf("pollInterval(%v) with Poll %v = %v, want %v", tt.elapsed, tt.poll, got, tt.want)
			}
		})
	}
}
