package snaparchive

import (
	"encoding/binary"
	"hash/fnv"
)

// boltSize reads the size of the database a snapshot stream carries from
// its first bytes. etcd's snapshot is bbolt's Tx.WriteTo: page 0 is the
// transaction's meta page, whose high-water mark (pgid) times the page
// size is exactly the number of bytes WriteTo sends; etcd then appends
// its sha256 (32 bytes). Knowing the size before the data lets the
// archive's tar header be written first and the archive hashed as it is
// written; if the guess is wrong the caller rewrites the header and
// hashes the file again, so this is only ever an optimisation.
//
// The meta page (bbolt's on-disk format, version 2, native byte order of
// the machine that wrote it, which is this one: the member is local):
//
//	page header: id u64, flags u16 (0x04 = meta), count u16, overflow u32
//	meta at 16: magic u32 (0xED0CDAED), version u32 (2), pageSize u32,
//	  flags u32, root bucket (root u64, sequence u64), freelist u64,
//	  pgid u64, txid u64, checksum u64 (FNV-1a 64 of the meta before it)
func boltSize(head []byte) (int64, bool) {
	const (
		metaOff     = 16
		checksumOff = metaOff + 56
		metaEnd     = checksumOff + 8
		metaFlag    = 0x04
		magic       = 0xED0CDAED
	)
	if len(head) < metaEnd {
		return 0, false
	}
	le := binary.NativeEndian
	if le.Uint16(head[8:])&metaFlag == 0 || le.Uint32(head[metaOff:]) != magic || le.Uint32(head[metaOff+4:]) != 2 {
		return 0, false
	}
	h := fnv.New64a()
	h.Write(head[metaOff:checksumOff])
	if h.Sum64() != le.Uint64(head[checksumOff:]) {
		return 0, false
	}
	pageSize := int64(le.Uint32(head[metaOff+8:]))
	pgid := int64(le.Uint64(head[metaOff+40:]))
	if pageSize < 512 || pageSize > 1<<20 || pgid < 2 || pgid > 1<<50/pageSize {
		return 0, false
	}
	return pgid * pageSize, true
}
