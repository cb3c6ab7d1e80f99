package pki

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Entry is one line of the PKI's database (index.txt), which openssl ca
// appends to for every certificate easyrsa signs.
type Entry struct {
	// Status is V (valid), R (revoked) or E (expired).
	Status string
	// Expires is the expiry as openssl writes it (YYMMDDHHMMSSZ).
	Expires string
	// Serial is the certificate's serial number in upper-case hex.
	Serial string
	// Subject is the distinguished name, "/CN=client".
	Subject string
}

// Index reads the PKI's database. A PKI with no CA yet has none.
func (r *EasyRSA) Index() ([]Entry, error) {
	f, err := os.Open(filepath.Join(r.Dir, "index.txt"))
	if err != nil {
		return nil, fmt.Errorf("cannot read the certificate database: %w", err)
	}
	defer f.Close()
	return parseIndex(f)
}

func parseIndex(f io.Reader) ([]Entry, error) {
	var entries []Entry
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		// status, expiry, revocation date (may be empty), serial,
		// file name ("unknown"), subject.
		fields := strings.Split(line, "\t")
		if len(fields) != 6 {
			return nil, fmt.Errorf("cannot parse line %d of the certificate database: %d fields, want 6", n, len(fields))
		}
		entries = append(entries, Entry{Status: fields[0], Expires: fields[1], Serial: fields[3], Subject: fields[5]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the certificate database: %w", err)
	}
	return entries, nil
}
