package relations

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// xzStore wraps data in an .xz stream (the format Python's lzma.compress
// writes by default, which cos_agent's GrafanaDashboard decodes) without
// compressing it: one block of uncompressed LZMA2 chunks, CRC32 check.
// Every xz decoder reads it (the .xz file format 1.0.4, tukaani.org).
// Dashboards are a few tens of kilobytes; the relation carries them
// base64-encoded either way.
func xzStore(data []byte) []byte {
	var out bytes.Buffer
	flags := []byte{0x00, 0x01} // check type CRC32
	out.Write([]byte{0xfd, '7', 'z', 'X', 'Z', 0x00})
	out.Write(flags)
	le32(&out, crc32.ChecksumIEEE(flags))

	// Block header: size byte, block flags (one filter, no sizes),
	// filter LZMA2 (id 0x21) with one property byte (dictionary 4 KiB),
	// padding to a multiple of four, CRC32.
	hdr := []byte{0x00, 0x00, 0x21, 0x01, 0x00, 0x00, 0x00, 0x00}
	hdr[0] = byte((len(hdr)+4)/4 - 1)
	blockStart := out.Len()
	out.Write(hdr)
	le32(&out, crc32.ChecksumIEEE(hdr))
	headerSize := out.Len() - blockStart

	// LZMA2 uncompressed chunks of at most 64 KiB: control 0x01 resets
	// the dictionary (first chunk), 0x02 does not; big-endian size-1.
	dataStart := out.Len()
	for i := 0; i == 0 || i < len(data); i += 1 << 16 {
		chunk := data[i:min(i+1<<16, len(data))]
		if len(chunk) == 0 {
			break
		}
		ctl := byte(0x02)
		if i == 0 {
			ctl = 0x01
		}
		out.Write([]byte{ctl, byte((len(chunk) - 1) >> 8), byte(len(chunk) - 1)})
		out.Write(chunk)
	}
	out.WriteByte(0x00) // end of LZMA2 data
	compressed := out.Len() - dataStart
	for (out.Len()-blockStart)%4 != 0 {
		out.WriteByte(0x00)
	}
	le32(&out, crc32.ChecksumIEEE(data))
	unpadded := headerSize + compressed + 4

	// Index: one record (unpadded size, uncompressed size), padding, CRC32.
	var index bytes.Buffer
	index.WriteByte(0x00)
	varint(&index, 1)
	varint(&index, uint64(unpadded))
	varint(&index, uint64(len(data)))
	for index.Len()%4 != 0 {
		index.WriteByte(0x00)
	}
	indexCRC := crc32.ChecksumIEEE(index.Bytes())
	le32(&index, indexCRC)
	out.Write(index.Bytes())

	// Footer: CRC32 of backward size and flags, backward size, flags, "YZ".
	var tail bytes.Buffer
	le32(&tail, uint32(index.Len()/4-1))
	tail.Write(flags)
	le32(&out, crc32.ChecksumIEEE(tail.Bytes()))
	out.Write(tail.Bytes())
	out.Write([]byte{'Y', 'Z'})
	return out.Bytes()
}

func le32(b *bytes.Buffer, v uint32) {
	var x [4]byte
	binary.LittleEndian.PutUint32(x[:], v)
	b.Write(x[:])
}

// varint is xz's multibyte integer: 7 bits a byte, least significant
// first, the high bit set on all but the last byte.
func varint(b *bytes.Buffer, v uint64) {
	for v >= 0x80 {
		b.WriteByte(byte(v) | 0x80)
		v >>= 7
	}
	b.WriteByte(byte(v))
}
