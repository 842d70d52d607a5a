package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/morketall/morketall/mse"
)

// tableStudy describes a command that runs a set of procedures on
// variants of one overlap table (consistency, sensitivity): the shared
// flags, reading, progress, cancellation and output are in run.
type tableStudy[R any] struct {
	name, synopsis, defaults string
	study                    func(*mse.Table, []mse.Procedure, *mse.RunOptions) (R, error)
	files                    func(R, string) ([]outFile, error)
	print                    func(io.Writer, string, R)
	written                  string            // the files -o writes, for the closing message
	status                   func(*env, R) int // exit code once everything is printed
}

func (s *tableStudy[R]) run(e *env, args []string) int {
	m := e.auditFor(s.name) // written into the -o directory
	fs := newFlags(e, s.name, s.synopsis)
	bf := addBenchFlags(fs, s.defaults)
	pos, code := parseFlags(e, fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		e.errorf("%s needs exactly one overlap table", s.name)
		fs.Usage()
		return exitUsage
	}
	procs, ok := bf.resolve(e, s.defaults)
	if !ok {
		return exitUsage
	}
	t, code := readTable(e, pos[0], nil)
	if code >= 0 {
		return code
	}
	if !outputDir(e, *bf.out) {
		return exitFailure
	}
	opts := bf.runOptions()
	opts.Context = e.ctx
	prog := newProgress(e, s.name)
	opts.Progress = prog.update
	res, err := s.study(t, procs, &opts)
	prog.done()
	if err != nil {
		if errors.Is(err, mse.ErrCancelled) {
			e.errorf("interrupted: nothing was written")
			return exitFailure
		}
		e.errorf("%q: %s", pos[0], trimPkg(err))
		return exitUsage
	}
	if *bf.out != "" {
		files, err := s.files(res, pos[0])
		if err != nil {
			e.errorf("plotting: %v", err)
			return exitFailure
		}
		if err := m.AddInput("table", pos[0]); err != nil {
			e.errorf("%q: %v", pos[0], err)
			return exitFailure
		}
		m.SetSeed(s.name, *bf.seed)
		m.SetOption("nboot", *bf.nboot)
		if !writeOutputs(e, *bf.out, *bf.force, files, m) {
			return exitFailure
		}
	}
	if *bf.asJSON {
		if !printJSON(e, res) {
			return exitFailure
		}
	} else {
		s.print(e.stdout, pos[0], res)
		if *bf.out != "" {
			fmt.Fprintf(e.stdout, "\nwritten to %s: %s\n", *bf.out, s.written)
		}
	}
	if s.status != nil {
		return s.status(e, res)
	}
	return exitOK
}
