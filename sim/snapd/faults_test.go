package snapd

import (
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"
)

func TestFaultFailNext(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	d.SetFaults(Faults{FailNext: "cannot download: connection reset"})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if err != nil {
		t.Fatal(err)
	}
	chg, _ := waitChange(t, cli, id)
	want := "cannot perform the following tasks:\n- Download snap \"etcd\" (35035) from channel \"3.5/stable\" (cannot download: connection reset)"
	if chg.Status != "Error" || chg.Err != want {
		t.Fatalf("status %s err %q", chg.Status, chg.Err)
	}
	if chg.Tasks[0].Status != "Error" || chg.Tasks[1].Status != "Hold" {
		t.Fatalf("tasks: %s %s", chg.Tasks[0].Status, chg.Tasks[1].Status)
	}
	if _, _, err := cli.Snap("etcd"); err == nil {
		t.Fatal("a failed install installed the snap")
	}
	// One shot: the next install works.
	id, err = cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
}

func TestFaultConflicts(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})

	d.SetFaults(Faults{ConflictNext: true})
	_, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	ce := clientErr(t, err)
	if ce.StatusCode != 409 || ce.Kind != client.ErrorKindSnapChangeConflict || !client.IsRetryable(err) ||
		ce.Message != `snap "etcd" has "install-snap" change in progress` {
		t.Fatalf("%+v", ce)
	}
	if !reflect.DeepEqual(ce.Value, map[string]any{"snap-name": "etcd", "change-kind": "install-snap"}) {
		t.Fatalf("value %v", ce.Value)
	}

	// A real overlap: a slow install is still in progress.
	d.SetFaults(Faults{SlowNext: time.Second})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cli.Remove("etcd", nil)
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapNotInstalled {
		t.Fatalf("remove during install: %+v", ce) // not yet installed
	}
	_, err = cli.SetConf("etcd", map[string]any{})
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapNotFound {
		t.Fatalf("conf during install: %+v", ce)
	}
	_, err = cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapChangeConflict {
		t.Fatalf("second install: %+v", ce)
	}
	chg, seen := waitChange(t, cli, id)
	if chg.Status != "Done" {
		t.Fatalf("slow install: %s %s", chg.Status, chg.Err)
	}
	doing := 0
	for _, s := range seen {
		if s == "Doing" {
			doing++
		}
	}
	if doing == 0 {
		t.Fatalf("a slow change should be seen Doing: %v", seen)
	}

	// Service control reports conflicts as 400 without a kind (a snapd bug
	// the client lives with).
	d.SetFaults(Faults{ConflictNext: true})
	_, err = cli.Restart([]string{"etcd"}, client.RestartOptions{})
	ce = clientErr(t, err)
	if ce.StatusCode != 400 || ce.Kind != "" || ce.Message != `snap "etcd" has "install-snap" change in progress` {
		t.Fatalf("apps conflict: %+v", ce)
	}
}

func TestFaultSlowChangeIsPolledDoing(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	d.SetFaults(Faults{SlowNext: 500 * time.Millisecond})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if err != nil {
		t.Fatal(err)
	}
	polls := 0
	for {
		chg, err := cli.Change(id)
		if err != nil {
			t.Fatal(err)
		}
		if chg.Ready {
			if chg.Status != "Done" {
				t.Fatalf("%s %s", chg.Status, chg.Err)
			}
			break
		}
		if chg.ReadyTime.IsZero() != true {
			t.Fatalf("ready-time on an unready change: %v", chg.ReadyTime)
		}
		polls++
		time.Sleep(50 * time.Millisecond)
	}
	if polls < 5 {
		t.Fatalf("a 500ms change was ready after %d polls of 50ms", polls)
	}
}

func TestFaultMaintenance(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	if _, _, err := cli.Snap("etcd"); err == nil {
		t.Fatal("etcd installed?")
	}
	if m := cli.Maintenance(); m != nil {
		t.Fatalf("maintenance before the fault: %v", m)
	}
	d.SetFaults(Faults{Maintenance: "daemon-restart"})
	if _, err := cli.Conf("core", nil); err != nil {
		t.Fatal(err)
	}
	m, ok := cli.Maintenance().(*client.Error)
	if !ok || m.Kind != client.ErrorKindDaemonRestart || m.Message != "daemon is restarting" {
		t.Fatalf("maintenance: %#v", cli.Maintenance())
	}
	// The control endpoint arms faults at run time (jujusim's own).
	w := httptest.NewRecorder()
	d.ServeHTTP(w, mustRequest(t, "POST", "/jujusim/faults", `{"maintenance":"system-restart"}`, ""))
	if w.Code != 200 || d.Faults().Maintenance != "system-restart" {
		t.Fatalf("faults endpoint: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	d.ServeHTTP(w, mustRequest(t, "POST", "/jujusim/faults", `{"maintenance":"tea-break"}`, ""))
	if w.Code != 400 {
		t.Fatalf("bad maintenance kind accepted: %d", w.Code)
	}
}

func TestAbortAndListChanges(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	d.SetFaults(Faults{SlowNext: 2 * time.Second})
	id1, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := cli.Install("core", nil)
	if err != nil {
		t.Fatal(err)
	}
	// core's install waits behind etcd's: it has not started, so an abort
	// holds it.
	chg, err := cli.Abort(id2)
	if err != nil {
		t.Fatal(err)
	}
	if chg.Status != "Hold" || !chg.Ready {
		t.Fatalf("aborted: %s ready=%v", chg.Status, chg.Ready)
	}
	if _, err := cli.Abort(id2); err == nil || clientErr(t, err).Message != "cannot abort change "+id2+" with nothing pending" {
		t.Fatalf("abort twice: %v", err)
	}
	inProgress, err := cli.Changes(&client.ChangesOptions{Selector: client.ChangesInProgress})
	if err != nil || len(inProgress) != 1 || inProgress[0].ID != id1 {
		t.Fatalf("in progress: %+v %v", inProgress, err)
	}
	forCore, err := cli.Changes(&client.ChangesOptions{Selector: client.ChangesAll, SnapName: "core"})
	if err != nil || len(forCore) != 1 || forCore[0].ID != id2 {
		t.Fatalf("for core: %+v %v", forCore, err)
	}
	mustDone(t, cli, id1, nil)
	if _, _, err := cli.Snap("core"); err == nil {
		t.Fatal("an aborted install ran")
	}
}
