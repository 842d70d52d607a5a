package main

import (
	"os"

	"github.com/morketall/morketall/internal/manifest"
)

// auditFor starts the manifest (audit record) of a command; the command
// adds its files and options and calls finishAudit once its outputs exist.
func (e *env) auditFor(command string) *manifest.Manifest {
	return manifest.New(command, e.commandLine(), toolVersion())
}

// finishAudit records the outputs (role, path pairs; the first is the main
// output) and writes MAIN.manifest.json. On failure it removes the outputs,
// so that no result exists without its audit record, and reports the error.
func (e *env) finishAudit(m *manifest.Manifest, force bool, outputs ...[2]string) bool {
	err := func() error {
		for _, o := range outputs {
			if err := m.AddOutput(o[0], o[1]); err != nil {
				return err
			}
		}
		return manifest.Write(manifest.PathFor(outputs[0][1]), m, force)
	}()
	if err != nil {
		for _, o := range outputs {
			os.Remove(o[1])
		}
		e.errorf("writing the manifest of %q: %v; the outputs were removed", outputs[0][1], err)
		return false
	}
	return true
}
