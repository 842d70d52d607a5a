package main

import (
	"context"
	"fmt"
	"io"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/study"
)

// tableStudy describes a command that runs a set of procedures on
// variants of one overlap table (consistency, sensitivity): the shared
// flags, reading, progress, cancellation and output are in run.
type tableStudy[R any] struct {
	name, synopsis, defaults string
	study                    func(context.Context, *mse.Table, []study.Procedure, *study.RunOptions) (R, error)
	files                    func(R, string) ([]outFile, error)
	fileNames                []string // the files the output directory receives
	print                    func(io.Writer, string, R)
	status                   func(R) error // the exit once everything is printed
}

func (s *tableStudy[R]) run(e *env, args []string) error {
	m := e.auditFor(s.name) // written into the output directory
	fs := newFlags(e, s.name, s.synopsis)
	bf := addBenchFlags(fs, s.defaults)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s needs exactly one overlap table", s.name).hint("run \"morketall help %s\" for the flags", s.name)
	}
	procs, err := bf.resolve(s.defaults)
	if err != nil {
		return err
	}
	dir, err := bf.dir()
	if err != nil {
		return err
	}
	if err := checkDir(dir, *bf.force, append(s.fileNames, s.name+".manifest.json")...); err != nil {
		return err
	}
	t, err := readTable(e, pos[0], nil)
	if err != nil {
		return err
	}
	if err := outputDir(dir); err != nil {
		return err
	}
	opts := bf.runOptions()
	prog := newProgress(e, s.name)
	opts.Progress = prog.update
	res, err := s.study(e.ctx, t, procs, &opts)
	prog.done()
	if err != nil {
		return libError(fmt.Sprintf("%q", pos[0]), err)
	}
	if dir != "" {
		files, err := s.files(res, pos[0])
		if err != nil {
			return failf("plotting: %v", err)
		}
		if err := m.AddInput("table", pos[0]); err != nil {
			return failf("%q: %v", pos[0], err)
		}
		m.SetSeed(s.name, *bf.seed)
		m.SetOption("nboot", *bf.nboot)
		if err := writeOutputs(dir, *bf.force, files, m); err != nil {
			return err
		}
	}
	if *bf.asJSON {
		if err := printJSON(e, res); err != nil {
			return err
		}
	} else {
		s.print(e.stdout, pos[0], res)
		if dir != "" {
			fmt.Fprintf(e.stdout, "\nwritten to %s: %s\n", dir, joinNames(s.fileNames))
		}
	}
	if s.status != nil {
		return s.status(res)
	}
	return nil
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
