package snapd

import (
	"testing"

	"github.com/snapcore/snapd/client"
)

// BenchmarkInstallRemove measures a store install and a remove of etcd,
// each polled to Done like the snap CLI does, with the fake binaries: the
// fake's own overhead per snap operation a charm hook waits for.
func BenchmarkInstallRemove(b *testing.B) {
	bins := b.TempDir()
	cat := &Catalogue{Snaps: []StoreSnap{{Name: "core", Type: "os",
		Channels: map[string]Release{"latest/stable": {Revision: 1, Version: "16"}}}}}
	file := bins + "/catalogue.yaml"
	if err := cat.Write(file); err != nil {
		b.Fatal(err)
	}
	d, err := New(Config{Root: b.TempDir(), CatalogueFile: file, MinPolls: 1})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Serve(b.Context()) }()
	defer func() { d.Close(); <-done }()
	cli := client.New(&client.Config{Socket: SocketPath(d.cfg.Root), DisableAuth: true})
	wait := func(id string) {
		for {
			chg, err := cli.Change(id)
			if err != nil {
				b.Fatal(err)
			}
			if chg.Ready {
				if chg.Status != "Done" {
					b.Fatalf("%s: %s", chg.Status, chg.Err)
				}
				return
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, err := cli.Install("core", nil)
		if err != nil {
			b.Fatal(err)
		}
		wait(id)
		if id, err = cli.Remove("core", nil); err != nil {
			b.Fatal(err)
		}
		wait(id)
	}
}
