package etcd

import (
	"context"
	"fmt"
	"io"
)

// SnapshotStream opens a snapshot stream from endpoint (exactly one
// member) and returns it unwritten: the database followed by etcd's
// sha256 of it, the bytes Snapshot would save, for a caller that packs
// them as they arrive (the snapshot action). A broken transfer is the
// reader's error. Close releases the stream; version is as Snapshot's.
func (c *Client) SnapshotStream(ctx context.Context, endpoint string) (rc io.ReadCloser, version string, err error) {
	if endpoint == "" {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: need an endpoint")
	}
	// Fail fast on an unreachable member, as Snapshot does.
	if _, err := c.Status(ctx, endpoint); err != nil {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: %w", err)
	}
	cli, err := c.one(endpoint)
	if err != nil {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: %w", err)
	}
	ctx, cancel := bound(ctx, longCallTimeout)
	resp, err := cli.SnapshotWithVersion(ctx)
	if err != nil {
		cancel()
		cli.Close()
		return nil, "", fmt.Errorf("cannot stream etcd snapshot from %s: %w", endpoint, err)
	}
	return &snapshotStream{ReadCloser: resp.Snapshot, release: func() { cancel(); cli.Close() }}, resp.Version, nil
}

type snapshotStream struct {
	io.ReadCloser
	release func()
}

func (s *snapshotStream) Close() error {
	err := s.ReadCloser.Close()
	s.release()
	return err
}
