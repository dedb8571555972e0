package search

import (
	"encoding/binary"
	"unsafe"
)

// arenaChunkMax is the size of an arena's chunks once it has grown: the
// arena never copies what it holds to grow, it starts a new chunk.
const arenaChunkMax = 1 << 20

// arena holds the catalog's records: byte strings that never change once
// written, so that strings read from them can share their bytes (see
// recReader.str) and a compacted catalog can share the arena of the one it
// was made from. A record is a uvarint length and a body; the body is the
// fields of a facility's summary as appendRecord writes them.
//
// The bytes are in chunks of at most arenaChunkMax (a record larger than
// that gets a chunk of its own): the garbage collector sees one pointer per
// chunk and never looks inside, and growing never copies.
type arena struct {
	chunks [][]byte
	// size counts the bytes of every record held, length prefixes
	// included.
	size int
	tmp  []byte // reused by add to encode a record
}

// ref packs a chunk number and an offset into it.
func ref(chunk, off int) uint64 { return uint64(chunk)<<32 | uint64(off) }

// add stores the record body enc appends to the bytes it is given, and
// returns the record's reference.
func (a *arena) add(enc func([]byte) []byte) uint64 {
	a.tmp = enc(a.tmp[:0])
	body := a.tmp
	n := binary.PutUvarint(make([]byte, 0, binary.MaxVarintLen64)[:binary.MaxVarintLen64], uint64(len(body))) + len(body)
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+n > cap(a.chunks[last]) {
		size := 4096
		if last >= 0 {
			size = min(2*cap(a.chunks[last]), arenaChunkMax)
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(size, n)))
		last++
	}
	c := a.chunks[last]
	r := ref(last, len(c))
	c = binary.AppendUvarint(c, uint64(len(body)))
	a.chunks[last] = append(c, body...)
	a.size += n
	return r
}

// share returns an arena holding the same records, whose additions go to
// new chunks: neither arena then writes where the other reads.
func (a *arena) share() arena {
	chunks := make([][]byte, len(a.chunks))
	for i, c := range a.chunks {
		chunks[i] = c[:len(c):len(c)]
	}
	return arena{chunks: chunks, size: a.size}
}

// record returns the body of the record at r.
func (a *arena) record(r uint64) []byte {
	c := a.chunks[r>>32]
	off := int(uint32(r))
	n, k := binary.Uvarint(c[off:])
	return c[off+k : off+k+int(n)]
}

// recordLen returns the bytes the record at r takes, prefix included.
func (a *arena) recordLen(r uint64) int {
	c := a.chunks[r>>32]
	n, k := binary.Uvarint(c[int(uint32(r)):])
	return int(n) + k
}

// reader returns a reader of the record at r.
func (a *arena) reader(r uint64) recReader { return recReader{b: a.record(r)} }

// str returns the field'th string of the record at r; only the leading
// plain strings (recID … recName) can be named so.
func (a *arena) str(r uint64, field int) string {
	rd := a.reader(r)
	for range field {
		rd.skip()
	}
	return rd.str()
}

// The leading fields of a record, in order (see appendRecord).
const (
	recID = iota
	recNameKey
	recState
	recName
)

// appendRecord appends the record body of a facility: its id, name key,
// state and name (the fields search reads often come first), the
// alternate names and address lines (each a count and the strings), then
// the city, ZIP, phones, website and provenance, and last the terms the
// facility lists (the four words of its termSet, as uvarints). Every
// string is a uvarint length and its bytes.
func appendRecord(b []byte, id string, s *summary) []byte {
	str := func(v string) {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	str(id)
	str(sortName(s.name))
	str(s.address.State)
	str(s.name)
	for _, list := range [][]string{s.alternates, s.address.Lines} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, v := range list {
			str(v)
		}
	}
	for _, v := range []string{s.address.City, s.address.ZIP, s.phones.Intake, s.phones.Main,
		s.phones.Hotline, s.website, s.source, s.sourceID, s.lastVerified} {
		str(v)
	}
	for _, w := range s.own {
		b = binary.AppendUvarint(b, w)
	}
	return b
}

// recordStrings is how many plain strings follow a record's two lists.
const recordStrings = 9

// recordTerms returns the terms a valid record lists.
func recordTerms(b []byte) termSet {
	r := recReader{b: b}
	for range recName + 1 {
		r.skip()
	}
	for range 2 {
		for range r.uvarint() {
			r.skip()
		}
	}
	for range recordStrings {
		r.skip()
	}
	return r.termSet()
}

// validRecord reports whether b is a whole record body, as appendRecord
// writes them, with lists of at most maxList strings: a snapshot's records
// are checked so before the catalog reads them.
func validRecord(b []byte, maxList int) bool {
	r := recReader{b: b}
	for range recName + 1 {
		r.skip()
	}
	for range 2 {
		n := r.uvarint()
		if n > uint64(maxList) {
			return false
		}
		for range n {
			r.skip()
		}
	}
	for range recordStrings {
		r.skip()
	}
	r.termSet()
	return !r.bad && r.p == len(b)
}

// recReader reads a record's fields in order. Strings it returns share the
// record's bytes. A record that ends early or says a string is longer than
// what is left sets bad; every read after that returns nothing.
type recReader struct {
	b   []byte
	p   int
	bad bool
}

func (r *recReader) uvarint() uint64 {
	if r.bad {
		return 0
	}
	// Most are one byte (a string shorter than 128, a short list).
	if r.p < len(r.b) && r.b[r.p] < 0x80 {
		v := r.b[r.p]
		r.p++
		return uint64(v)
	}
	v, k := binary.Uvarint(r.b[r.p:])
	if k <= 0 {
		r.bad = true
		return 0
	}
	r.p += k
	return v
}

// next returns the next string's bytes.
func (r *recReader) next() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)-r.p) {
		r.bad = true
		return nil
	}
	s := r.b[r.p : r.p+int(n)]
	r.p += int(n)
	return s
}

func (r *recReader) skip() { r.next() }

// termSet reads the four words of a termSet.
func (r *recReader) termSet() termSet {
	var s termSet
	for i := range s {
		s[i] = r.uvarint()
	}
	return s
}

// str returns the next string, sharing the record's bytes.
func (r *recReader) str() string {
	s := r.next()
	if len(s) == 0 {
		return ""
	}
	return unsafe.String(&s[0], len(s))
}

// strsInto returns the next list of strings, appended to *buf and capped
// at its length (appending to it copies); nil when it is empty.
func (r *recReader) strsInto(buf *[]string) []string {
	n := r.uvarint()
	if n == 0 || r.bad || n > uint64(len(r.b)-r.p) {
		return nil
	}
	out := *buf
	start := len(out)
	for range n {
		out = append(out, r.str())
	}
	*buf = out
	return out[start:len(out):len(out)]
}
