package etcd

import (
	"context"
	"fmt"
	"io"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// SnapshotStream implements Maintenance: the snapshot unwritten, for a
// caller that packs it as it arrives (the snapshot action), rather than
// clientv3's snapshot.Save, which writes it to a file and syncs it.
func (c *Client) SnapshotStream(ctx context.Context, endpoint string) (rc io.ReadCloser, version string, err error) {
	if endpoint == "" {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: need an endpoint")
	}
	// Fail fast on an unreachable member: the stream below may run for
	// minutes, and clientv3 waits for a connection as long as it may.
	if _, err := c.Status(ctx, endpoint); err != nil {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: %w", err)
	}
	cfg := c.cfg
	cfg.Endpoints = []string{endpoint}
	cfg.DialOptions = append(append([]grpc.DialOption(nil), cfg.DialOptions...), grpc.WithDefaultCallOptions(grpc.ForceCodecV2(snapshotCodec{})))
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: cannot connect to etcd at %s: %w", endpoint, err)
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

// snapshotCodec is gRPC's protobuf codec but for the buffer messages are
// joined in. etcd sends a snapshot in messages of 32 KiB of data plus a
// few bytes of protobuf, which arrive as several HTTP/2 frames; the
// default codec joins them in a buffer of the default pool's next tier
// above 32 KiB, 1 MiB, which the pool zeroes on every reuse: a 256 MB
// snapshot then costs ~8 GB of memory clearing, about as much CPU time as
// everything else the receiving side does. A 64 KiB tier fits them.
type snapshotCodec struct{}

var snapshotBuffers = mem.NewTieredBufferPool(256, 4<<10, 16<<10, 32<<10, 64<<10, 1<<20)

func (snapshotCodec) Name() string { return "proto" }

func (snapshotCodec) Marshal(v any) (mem.BufferSlice, error) {
	return encoding.GetCodecV2("proto").Marshal(v)
}

func (snapshotCodec) Unmarshal(data mem.BufferSlice, v any) error {
	// etcd's messages are gogo-protobuf ones, whose Unmarshal copies the
	// bytes it keeps, so the buffer can go back to the pool at once.
	m, ok := v.(interface{ Unmarshal([]byte) error })
	if !ok {
		return encoding.GetCodecV2("proto").Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(snapshotBuffers)
	defer buf.Free()
	return m.Unmarshal(buf.ReadOnlyData())
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
