package pseudonym

import (
	"bufio"
	"io"
	"strconv"
)

// WriteCrosswalk writes the list's crosswalk as CSV with the header
// record_id,line: for every record of the list file, the line (for a
// spreadsheet, the row) of the extract it was made from, in the file's
// (shuffled) order. It lets the agency find a record that the linkage
// party names for clerical review (linkage.WriteAssignments), and must
// stay at the agency with the extract: with it, the list file's rows are
// no longer anonymous to whoever holds the extract. Write it with mode
// 0600.
func (l *List) WriteCrosswalk(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("record_id,line\n")
	for i := range l.recs {
		bw.WriteString(l.recs[i].ID)
		bw.WriteByte(',')
		bw.WriteString(strconv.Itoa(l.lines[i]))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
