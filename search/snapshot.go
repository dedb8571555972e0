package search

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strings"
)

// The catalog snapshot lets a restart skip reading and decoding every
// record from the store: the catalog is saved beside the Bleve index with
// the change sequence it reflects, loaded on open, and caught up from the
// store like the index. A snapshot that fails any check is ignored and the
// catalog is loaded from the store instead.

const (
	snapshotFile  = "catalog.snap"
	snapshotMagic = "CFCATALOG6\n"
	// maxSnapshotString bounds one string read back, so a damaged length
	// cannot ask for gigabytes.
	maxSnapshotString = 1 << 20
	// maxSnapshotList bounds the names or address lines of one facility
	// read back.
	maxSnapshotList = 16
	// maxSnapshotRecord bounds the record of one facility read back, so
	// that a damaged length cannot ask for gigabytes.
	maxSnapshotRecord = 1 << 22
)

// fingerprint identifies the taxonomy's bit numbering: a snapshot made
// under another taxonomy is not loaded.
func (tb *termBits) fingerprint() string {
	var b strings.Builder
	for _, t := range tb.terms {
		b.WriteString(string(t.Group))
		b.WriteByte('/')
		b.WriteString(t.Slug)
		b.WriteByte(',')
	}
	return fmt.Sprintf("%s:%08x", mappingVersion, crc32.ChecksumIEEE([]byte(b.String())))
}

// snapWriter writes the snapshot format: uvarint-prefixed strings and
// little-endian numbers, with a CRC-32 of everything at the end.
type snapWriter struct {
	w   *bufio.Writer
	crc uint32
	buf [binary.MaxVarintLen64]byte
	err error
}

func (w *snapWriter) write(p []byte) {
	if w.err != nil {
		return
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, p)
	_, w.err = w.w.Write(p)
}

func (w *snapWriter) uvarint(v uint64) { w.write(w.buf[:binary.PutUvarint(w.buf[:], v)]) }
func (w *snapWriter) u64(v uint64)     { w.write(binary.LittleEndian.AppendUint64(w.buf[:0], v)) }
func (w *snapWriter) str(s string)     { w.uvarint(uint64(len(s))); w.write([]byte(s)) }

// saveSnapshot writes the catalog, as of seq, to dir atomically.
func saveSnapshot(dir string, cat *catalog, seq int64) error {
	path := dir + string(os.PathSeparator) + snapshotFile
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("save catalog: %w", err)
	}
	defer os.Remove(tmp)
	defer f.Close()
	w := &snapWriter{w: bufio.NewWriterSize(f, 1<<16)}
	w.write([]byte(snapshotMagic))
	w.str(cat.bits.fingerprint())
	w.u64(uint64(seq))
	w.uvarint(uint64(cat.live))
	// Each live entry: its point and open 24/7, then its arena record as
	// it is (see appendRecord), length first.
	for i := range cat.entries {
		e := &cat.entries[i]
		if !e.alive() {
			continue
		}
		w.u64(math.Float64bits(e.pt[0]))
		w.u64(math.Float64bits(e.pt[1]))
		w.uvarint(uint64(e.open247))
		rec := cat.arena.record(e.rec)
		w.uvarint(uint64(len(rec)))
		w.write(rec)
	}
	writeWords(w, cat)
	sum := w.crc
	if w.err == nil {
		_, w.err = w.w.Write(binary.LittleEndian.AppendUint32(nil, sum))
	}
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if w.err == nil {
		w.err = f.Sync()
	}
	if w.err == nil {
		w.err = f.Close()
	}
	if w.err != nil {
		return fmt.Errorf("save catalog: %w", w.err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save catalog: %w", err)
	}
	return nil
}

// snapReader reads what snapWriter wrote, checking as it goes.
type snapReader struct {
	r   *bufio.Reader
	crc uint32
	err error
	b   [8]byte
}

var errBadSnapshot = errors.New("damaged catalog snapshot")

func (r *snapReader) read(p []byte) {
	if r.err != nil {
		return
	}
	if _, err := io.ReadFull(r.r, p); err != nil {
		r.err = errBadSnapshot
		return
	}
	r.crc = crc32.Update(r.crc, crc32.IEEETable, p)
}

func (r *snapReader) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		r.read(r.b[:1])
		if r.err != nil {
			return 0
		}
		v |= uint64(r.b[0]&0x7f) << shift
		if r.b[0] < 0x80 {
			return v
		}
	}
	r.err = errBadSnapshot
	return 0
}

func (r *snapReader) u64() uint64 {
	r.read(r.b[:8])
	return binary.LittleEndian.Uint64(r.b[:])
}

func (r *snapReader) str() string {
	n := r.uvarint()
	if n > maxSnapshotString {
		r.err = errBadSnapshot
	}
	if r.err != nil || n == 0 {
		return ""
	}
	p := make([]byte, n)
	r.read(p)
	return string(p)
}

// loadSnapshot reads the catalog saved in dir. It returns an error when
// there is none or it fails a check; the caller then loads from the store.
func loadSnapshot(dir string, bits *termBits) (*catalog, int64, error) {
	f, err := os.Open(dir + string(os.PathSeparator) + snapshotFile)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return readSnapshot(f, bits)
}

// readSnapshot reads a catalog saved by saveSnapshot.
func readSnapshot(in io.Reader, bits *termBits) (*catalog, int64, error) {
	r := &snapReader{r: bufio.NewReaderSize(in, 1<<16)}
	magic := make([]byte, len(snapshotMagic))
	r.read(magic)
	if r.err != nil || string(magic) != snapshotMagic {
		return nil, 0, errBadSnapshot
	}
	if fp := r.str(); fp != bits.fingerprint() {
		return nil, 0, fmt.Errorf("catalog snapshot made with another taxonomy or mapping")
	}
	seq := int64(r.u64())
	n := r.uvarint()
	if r.err != nil || n > 1<<28 {
		return nil, 0, errBadSnapshot
	}
	cat := newCatalog(bits)
	// A damaged count must not reserve gigabytes: start small and grow
	// with the entries actually read.
	cat.entries = make([]entry, 0, min(n, 1<<16))
	var rec []byte
	for range n {
		var e entry
		e.pt[0] = math.Float64frombits(r.u64())
		e.pt[1] = math.Float64frombits(r.u64())
		e.open247 = tristate(r.uvarint())
		size := r.uvarint()
		if r.err == nil && (e.open247 > no || size > maxSnapshotRecord) {
			r.err = errBadSnapshot
		}
		if r.err != nil {
			return nil, 0, r.err
		}
		if uint64(cap(rec)) < size {
			rec = make([]byte, size)
		}
		rec = rec[:size]
		r.read(rec)
		if r.err != nil || !validRecord(rec, maxSnapshotList) {
			return nil, 0, errBadSnapshot
		}
		own := recordTerms(rec)
		for i := range own {
			if own[i]&^bits.valid[i] != 0 {
				return nil, 0, errBadSnapshot // a term the taxonomy does not have
			}
		}
		e.rec = cat.arena.add(func(b []byte) []byte { return append(b, rec...) })
		cat.addEntry(cat.arena.str(e.rec, recID), own, e)
	}
	if err := readWords(r, cat); err != nil {
		return nil, 0, err
	}
	want := r.crc
	var tail [4]byte
	if _, err := io.ReadFull(r.r, tail[:]); err != nil || binary.LittleEndian.Uint32(tail[:]) != want {
		return nil, 0, errBadSnapshot
	}
	if _, err := r.r.ReadByte(); err != io.EOF {
		return nil, 0, errBadSnapshot
	}
	return cat.finished(), seq, nil
}

// maxSnapshotWords bounds the words of one facility read back.
const maxSnapshotWords = 1 << 16

// writeWords appends the catalog's word index: the dictionary, then, for
// every live entry in order, its field lengths and its words (id deltas
// and frequencies).
func writeWords(w *snapWriter, cat *catalog) {
	wi := cat.words
	w.uvarint(uint64(len(wi.words)))
	for _, word := range wi.words {
		w.str(word)
	}
	for i := range cat.entries {
		if !cat.entries[i].alive() {
			continue
		}
		if i >= wi.positions() {
			w.uvarint(0)
			w.uvarint(0)
			continue
		}
		w.uvarint(uint64(wi.lens[i]))
		lo, hi := wi.off[i], wi.off[i+1]
		w.uvarint(uint64(hi - lo))
		prev := uint32(0)
		for j := lo; j < hi; j++ {
			w.uvarint(uint64(wi.ids[j] - prev))
			w.uvarint(uint64(wi.freq[j]))
			prev = wi.ids[j]
		}
	}
}

// readWords reads what writeWords wrote into cat, whose entries were just
// read (all live, in the order written).
func readWords(r *snapReader, cat *catalog) error {
	n := r.uvarint()
	if r.err != nil || n > 1<<28 {
		return errBadSnapshot
	}
	wi := cat.words
	for range n {
		word := r.str()
		if r.err != nil {
			return r.err
		}
		if _, dup := wi.dict[word]; dup {
			return errBadSnapshot
		}
		wi.wordID(word)
	}
	var ids []uint32
	var freq []uint16
	for i := range cat.entries {
		lens := r.uvarint()
		k := r.uvarint()
		if r.err != nil || lens > math.MaxUint32 || k > maxSnapshotWords {
			return errBadSnapshot
		}
		ids, freq = ids[:0], freq[:0]
		prev := uint64(0)
		for j := range k {
			d := r.uvarint()
			f := r.uvarint()
			if r.err != nil || (j > 0 && d == 0) || prev+d >= n || f > math.MaxUint16 {
				return errBadSnapshot
			}
			prev += d
			ids = append(ids, uint32(prev))
			freq = append(freq, uint16(f))
		}
		wi.push(i, ids, freq, uint32(lens))
	}
	return r.err
}
