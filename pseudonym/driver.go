package pseudonym

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/morketall/morketall/internal/extsort"
	"github.com/morketall/morketall/internal/mktfile"
)

// Memory bounds of the driver: the rows waiting for the shuffle and the
// token prefixes waiting to be counted are spilled to temporary files
// beyond these, so memory does not grow with the number of rows.
var (
	recordRunBytes = 24 << 20 // variables so that tests can force spills
	freqRunBytes   = 12 << 20
)

const (
	batchRows  = 512
	batchBytes = 1 << 20
)

// List is a pseudonymised list ready to be written: its records in their
// shuffled order, held in memory or, for a large list, in temporary files
// (mode 0600) until Close, and its quality report.
type List struct {
	header mktfile.Header
	recs   *extsort.Sorter
	n      int
	report *Report
	key    *Key
	ctx    context.Context
	dir    string
	dup    [32]byte // seed of the fresh ids for the rare duplicate
}

// Len returns the number of records.
func (l *List) Len() int { return l.n }

// Report returns the quality report.
func (l *List) Report() *Report { return l.report }

// Close removes the list's temporary files. The List cannot be written
// after it.
func (l *List) Close() error { return l.recs.Close() }

// Write writes the list in the pseudonymised list file format (package
// internal/mktfile), with the #mac line that a key holder can check. It
// streams: when w is a file it can write at offsets and read back (an
// *os.File, an *atomicfile.File) the list goes straight there; otherwise
// it is first written to a temporary file (mode 0600) and copied. It may
// be called more than once.
func (l *List) Write(w io.Writer) error {
	if t, ok := w.(mktfile.Target); ok {
		return l.writeTo(t)
	}
	f, err := os.CreateTemp(l.dir, "morketall-list-*")
	if err != nil {
		return fmt.Errorf("pseudonym: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := l.writeTo(f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

func (l *List) writeTo(t mktfile.Target) error {
	h := l.header
	h.Rows = l.n
	sw, err := mktfile.NewStreamWriter(t, &h, l.key.ListMAC())
	if err != nil {
		return err
	}
	var line []byte
	nf := len(h.MatchKeys) + len(h.Covariates)
	err = l.each(func(id []byte, _ int, fields []byte) error {
		line = append(line[:0], id...)
		if line, err = appendFields(line, fields, nf); err != nil {
			return err
		}
		return sw.WriteLine(append(line, '\n'))
	})
	if err != nil {
		return err
	}
	return sw.Close()
}

// WriteCrosswalk writes the list's crosswalk as CSV with the header
// record_id,line: for every record of the list file, the line (for a
// spreadsheet, the row) of the extract it was made from, in the file's
// (shuffled) order. It lets the agency find a record that the linkage
// party names for clerical review (linkage.WriteAssignments), and must
// stay at the agency with the extract: with it, the list file's rows are
// no longer anonymous to whoever holds the extract. Write it with mode
// 0600. The record ids are those List.Write writes.
func (l *List) WriteCrosswalk(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("record_id,line\n")
	var b []byte
	err := l.each(func(id []byte, line int, _ []byte) error {
		b = append(append(b[:0], id...), ',')
		b = strconv.AppendInt(b, int64(line), 10)
		b = append(b, '\n')
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// each passes the list's records in file order to fn: the record id as
// 16 hex digits, the source line and the encoded fields (valid until the
// next call). Ids are the same in every pass.
func (l *List) each(fn func(id []byte, line int, fields []byte) error) error {
	it, err := l.recs.Iter()
	if err != nil {
		return err
	}
	defer it.Close()
	dup := mrand.New(mrand.NewChaCha8(l.dup))
	var last uint64
	var idb [8]byte
	var idh [16]byte
	for i := 0; ; i++ {
		b, err := it.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if i&0xffff == 0 {
			if err := l.ctx.Err(); err != nil {
				return err
			}
		}
		id := binary.BigEndian.Uint64(b)
		if i > 0 && id == last {
			// Two rows drew the same 64-bit id (about once in 370,000 files
			// of ten million rows): give the second a fresh one.
			for id == last {
				id = dup.Uint64()
			}
		} else {
			last = id
		}
		binary.BigEndian.PutUint64(idb[:], id)
		hex.Encode(idh[:], idb[:])
		line, k := binary.Uvarint(b[16:])
		if k <= 0 {
			return errDamaged
		}
		if err := fn(idh[:], int(line), b[16+k:]); err != nil {
			return err
		}
	}
}

var errDamaged = errors.New("pseudonym: damaged temporary record")

// Field encoding of a record while it waits for the shuffle: a 32-digit
// lowercase hex token as 16 bytes, anything else as its bytes.
const (
	fieldEmpty = 0
	fieldBloom = 253 // a Bloom encoding: 32 bytes follow
	fieldLong  = 254 // uvarint length and bytes follow
	fieldToken = 255 // 16 bytes follow
	maxShort   = 252
)

func encodeField(b []byte, v string) []byte {
	if len(v) == 32 {
		var t [16]byte
		if _, err := hex.Decode(t[:], []byte(v)); err == nil && hex.EncodeToString(t[:]) == v {
			return append(append(b, fieldToken), t[:]...)
		}
	}
	switch {
	case v == "":
		return append(b, fieldEmpty)
	case len(v) <= maxShort:
		return append(append(b, byte(len(v))), v...)
	}
	b = append(b, fieldLong)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendFields appends the n encoded fields of b as text, each after a
// comma.
func appendFields(buf, b []byte, n int) ([]byte, error) {
	for k := 0; k < n; k++ {
		if len(b) == 0 {
			return buf, errDamaged
		}
		c := b[0]
		b = b[1:]
		buf = append(buf, ',')
		need := int(c)
		switch c {
		case fieldToken:
			need = 16
		case fieldBloom:
			need = 8 * bloomWords
		case fieldLong:
			need = 1
		}
		if len(b) < need {
			return buf, errDamaged
		}
		switch {
		case c == fieldEmpty:
		case c == fieldToken:
			buf = hex.AppendEncode(buf, b[:16])
			b = b[16:]
		case c == fieldBloom:
			var f [bloomWords]uint64
			for w := range f {
				f[w] = binary.BigEndian.Uint64(b[8*w:])
			}
			buf = appendBloom(buf, f)
			b = b[8*bloomWords:]
		case c == fieldLong:
			l, m := binary.Uvarint(b)
			if m <= 0 || uint64(len(b)-m) < l {
				return buf, errDamaged
			}
			buf = append(buf, b[m:m+int(l)]...)
			b = b[m+int(l):]
		default:
			buf = append(buf, b[:c]...)
			b = b[c:]
		}
	}
	return buf, nil
}

// batch is a run of consecutive extract rows.
type batch struct {
	seq   int
	first int64 // index of the first row in the extract
	cells []string
	ends  []int // row i is cells[ends[i-1]:ends[i]]
	lines []int
	ids   []uint64
	err   error // an error of the source after these rows
}

// result is what a worker made of a batch.
type result struct {
	seq   int
	recs  []byte // each: uvarint length, record
	freq  []uint64
	warns []*FieldError
	err   error
}

type worker struct {
	p     *Pseudonymiser
	acc   *acc
	warns []*FieldError
}

// Pseudonymise reads every row of src and returns the pseudonymised list
// named list; Close it when it has been written. Errors are *FieldError
// values (wrapping one of the Err… variables, ErrNotDate or an
// identity-number error) or errors from src; none quotes a value. The
// first error in extract order is returned, whatever the number of
// workers, and lenient-mode warnings reach Options.Warn in extract order.
//
// Rows are read as a stream and pseudonymised by Options.Workers
// goroutines. Each row gets a record id of 64 bits from a ChaCha8
// generator seeded with 32 bytes from crypto/rand (Options.Random), and
// the rows are written in increasing order of their ids: a uniformly
// random order, independent of the extract's. Memory is bounded: rows are
// sorted in runs spilled to Options.TempDir.
func (p *Pseudonymiser) Pseudonymise(list string, src Source) (*List, error) {
	if list == "" || !mktfile.ValidValue(list) {
		return nil, ErrListName
	}
	lo, err := p.layout(src.Columns())
	if err != nil {
		return nil, err
	}
	ctx := p.opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	rnd := p.opts.Random
	if rnd == nil {
		rnd = rand.Reader
	}
	var seed [32]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("pseudonym: reading randomness: %w", err)
	}
	idRand := mrand.New(mrand.NewChaCha8(seed))
	seed[0] ^= 1 // a second, independent stream for duplicate ids
	nw := p.opts.Workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	dir := p.opts.TempDir
	if dir == "" {
		dir = os.TempDir()
	}
	recs := extsort.New(&extsort.Options{Dir: dir, RunBytes: recordRunBytes, KeyLen: 16})
	freq := extsort.NewUint64s(&extsort.Options{Dir: dir, RunBytes: freqRunBytes})
	defer freq.Close()
	ok := false
	defer func() {
		if !ok {
			recs.Close()
		}
	}()

	workers := make([]*worker, nw)
	for i := range workers {
		w := &worker{}
		o := p.opts
		o.Warn = func(fe *FieldError) { w.warns = append(w.warns, fe) }
		q, err := New(p.key, p.schema, &o)
		if err != nil {
			return nil, err
		}
		q.raw = true
		w.p, w.acc = q, q.newAcc(list, lo)
		workers[i] = w
	}

	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *batch, nw)
	results := make(chan *result, nw)
	// Spent batches and results go back to be reused: the buffers of a
	// few batches serve the whole extract.
	freeBatches := make(chan *batch, 2*nw+2)
	freeResults := make(chan *result, 2*nw+2)
	go readBatches(ictx, src, idRand, jobs, freeBatches)
	done := make(chan struct{})
	for _, w := range workers {
		go func() {
			for b := range jobs {
				var r *result
				select {
				case r = <-freeResults:
				default:
					r = &result{}
				}
				w.process(b, lo, r)
				select {
				case freeBatches <- b:
				default:
				}
				results <- r
			}
			done <- struct{}{}
		}()
	}
	go func() {
		for range workers {
			<-done
		}
		close(results)
	}()

	// Collect in extract order.
	pending := map[int]*result{}
	next := 0
	var firstErr error
	for {
		var r *result
		var more bool
		select {
		case r, more = <-results:
		case <-ctx.Done():
			// The reader may be blocked on its input (a terminal, a pipe):
			// stop now, and let the pipeline drain in the background.
			go func() {
				for range results {
				}
			}()
			return nil, ctx.Err()
		}
		if !more {
			break
		}
		if firstErr != nil {
			continue // drain
		}
		pending[r.seq] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := p.collect(r, recs, freq); err != nil {
				firstErr = err
				cancel()
				break
			}
			select {
			case freeResults <- r:
			default:
			}
		}
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, firstErr
	}

	// The report: counts of every worker, then the frequencies.
	acc := workers[0].acc
	for _, w := range workers[1:] {
		addCounts(reflect.ValueOf(acc.rep).Elem(), reflect.ValueOf(w.acc.rep).Elem())
		acc.dateOK += w.acc.dateOK
	}
	for i := range acc.freq {
		acc.freq[i] = nil
	}
	if err := recs.Sort(); err != nil {
		return nil, err
	}
	rep := acc.finish(int(recs.Len()))
	if err := countFrequencies(freq, rep); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	h := mktfile.Header{
		List:           list,
		KeyFingerprint: p.key.Fingerprint(),
		SchemaHash:     p.hash,
		Created:        p.opts.Now,
		Extra: [][2]string{
			{"records_in", strconv.Itoa(rep.RecordsIn)},
			{"rejected", strconv.Itoa(rep.RecordsIn - rep.RecordsOut)},
		},
	}
	var blooms, blocks []string
	for _, k := range p.keys {
		h.MatchKeys = append(h.MatchKeys, k.name)
		switch k.kind {
		case KindBloom:
			blooms = append(blooms, k.name)
		case KindBlock:
			blocks = append(blocks, k.name)
		}
	}
	if len(blooms) > 0 {
		h.Extra = append(h.Extra, [2]string{"bloom_keys", strings.Join(blooms, ",")})
	}
	if len(blocks) > 0 {
		h.Extra = append(h.Extra, [2]string{"block_keys", strings.Join(blocks, ",")})
	}
	for _, c := range p.covs {
		h.Covariates = append(h.Covariates, c.Name)
		if c.Kind == KindAgeBand {
			h.Extra = append(h.Extra, [2]string{"age_reference_" + c.Name, c.ref.String()})
		}
	}
	ok = true
	return &List{header: h, recs: recs, n: int(recs.Len()), report: rep, key: p.key, ctx: ctx, dir: dir, dup: seed}, nil
}

// readBatches reads src into batches; the last one carries the source's
// error, if any.
func readBatches(ctx context.Context, src Source, ids *mrand.Rand, jobs chan<- *batch, free <-chan *batch) {
	defer close(jobs)
	var row int64
	for seq := 0; ; seq++ {
		var b *batch
		select {
		case b = <-free:
			clear(b.cells) // let the strings go
			*b = batch{cells: b.cells[:0], ends: b.ends[:0], lines: b.lines[:0], ids: b.ids[:0]}
		default:
			b = &batch{}
		}
		b.seq, b.first = seq, row
		size := 0
		for len(b.lines) < batchRows && size < batchBytes {
			cells, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.err = err
				break
			}
			b.cells = append(b.cells, cells...)
			b.ends = append(b.ends, len(b.cells))
			b.lines = append(b.lines, src.Line())
			b.ids = append(b.ids, ids.Uint64())
			for _, c := range cells {
				size += len(c)
			}
			row++
		}
		if len(b.lines) == 0 && b.err == nil {
			return
		}
		select {
		case jobs <- b:
		case <-ctx.Done():
			return
		}
		if b.err != nil || len(b.lines) < batchRows && size < batchBytes {
			return
		}
	}
}

func (w *worker) process(b *batch, lo *layout, r *result) {
	*r = result{seq: b.seq, recs: r.recs[:0], freq: r.freq[:0], warns: r.warns[:0]}
	start := 0
	var rec []byte
	for i, end := range b.ends {
		row := b.cells[start:end]
		start = end
		w.acc.rep.RecordsIn++
		if len(row) != lo.ncol {
			r.err = &FieldError{Line: b.lines[i], Err: ErrRowLength}
			break
		}
		out, reject, err := w.p.row(row, lo, b.lines[i], w.acc)
		if err != nil {
			r.err = err
			break
		}
		if reject != "" {
			w.acc.rep.Rejected[reject]++
			continue
		}
		rec = binary.BigEndian.AppendUint64(rec[:0], b.ids[i])
		rec = binary.BigEndian.AppendUint64(rec, uint64(b.first)+uint64(i))
		rec = binary.AppendUvarint(rec, uint64(max(b.lines[i], 0)))
		q := w.p
		for k := range q.keys {
			switch {
			case !q.rawHave[k]:
				rec = append(rec, fieldEmpty)
			case q.keys[k].kind == KindBloom:
				rec = append(rec, fieldBloom)
				for _, x := range q.rawBloom[k] {
					rec = binary.BigEndian.AppendUint64(rec, x)
				}
			default:
				rec = append(append(rec, fieldToken), q.rawTok[16*k:16*k+16]...)
			}
		}
		for _, c := range out.Covariates {
			rec = encodeField(rec, c)
		}
		r.recs = binary.AppendUvarint(r.recs, uint64(len(rec)))
		r.recs = append(r.recs, rec...)
	}
	if r.err == nil {
		r.err = b.err
	}
	for k, toks := range w.acc.freq {
		for _, t := range toks {
			r.freq = append(r.freq, uint64(k)<<58|t>>6)
		}
		w.acc.freq[k] = toks[:0]
	}
	r.warns = append(r.warns, w.warns...)
	clear(w.warns)
	w.warns = w.warns[:0]
}

// collect passes a batch's warnings on and adds its records and token
// prefixes to the sorters; it returns the batch's error.
func (p *Pseudonymiser) collect(r *result, recs *extsort.Sorter, freq *extsort.Uint64s) error {
	if p.opts.Warn != nil {
		for _, fe := range r.warns {
			p.opts.Warn(fe)
		}
	}
	if r.err != nil {
		return r.err
	}
	for b := r.recs; len(b) > 0; {
		n, k := binary.Uvarint(b)
		if err := recs.Add(b[k : k+int(n)]); err != nil {
			return err
		}
		b = b[k+int(n):]
	}
	for _, v := range r.freq {
		if err := freq.Add(v); err != nil {
			return err
		}
	}
	return nil
}

// countFrequencies sets each key's distinct tokens and maximum frequency
// from the sorted prefixes: key index in the top 6 bits, 58 bits of the
// token below (collisions among ten million tokens: about one in 6,000
// files, changing a count by one).
func countFrequencies(freq *extsort.Uint64s, rep *Report) error {
	return freq.EachCount(func(v uint64, n int) {
		ks := &rep.MatchKeys[v>>58]
		ks.Distinct++
		ks.MaxFrequency = max(ks.MaxFrequency, n)
	})
}

// addCounts adds the counts of src to dst, two values of a report type:
// integers add, maps of counts add key by key, structs and slices of
// structs field by field; strings, floats (derived in finish) and other
// values keep dst's.
func addCounts(dst, src reflect.Value) {
	switch dst.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		dst.SetInt(dst.Int() + src.Int())
	case reflect.Struct:
		for i := 0; i < dst.NumField(); i++ {
			if dst.Type().Field(i).IsExported() {
				addCounts(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Slice:
		if dst.Type().Elem().Kind() == reflect.Struct {
			for i := 0; i < dst.Len() && i < src.Len(); i++ {
				addCounts(dst.Index(i), src.Index(i))
			}
		}
	case reflect.Map:
		if dst.IsNil() {
			return
		}
		it := src.MapRange()
		for it.Next() {
			k, v := it.Key(), it.Value()
			cur := dst.MapIndex(k)
			switch {
			case !cur.IsValid():
				dst.SetMapIndex(k, v)
			case v.Kind() == reflect.Map:
				addCounts(cur, v)
			case v.CanInt():
				dst.SetMapIndex(k, reflect.ValueOf(cur.Int()+v.Int()).Convert(v.Type()))
			}
		}
	}
}
