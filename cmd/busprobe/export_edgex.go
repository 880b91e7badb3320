package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/busprobe/busprobe/gateway"
)

// outFile is one file a command writes.
type outFile struct {
	path string
	data []byte
}

// writeFiles writes the files atomically, creating their folders. Without
// force every path is checked first, so nothing is written when one of
// them exists.
func writeFiles(files []outFile, force bool) error {
	for _, f := range files {
		if err := checkNoClobber(f.path, force); err != nil {
			return &codedError{code: exitError, err: err}
		}
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return &codedError{code: exitError, err: err}
		}
		data := f.data
		if err := writeFileAtomic(f.path, force, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return &codedError{code: exitError, err: err}
		}
	}
	return nil
}

// edgexFiles renders the EdgeX device profiles and device list under dir:
// dir/profiles/NAME.yaml and dir/devices/busprobe-devices.yaml.
func edgexFiles(e *env, dir string, c gateway.Config) ([]outFile, error) {
	ex, skipped, err := gateway.BuildEdgeX(c)
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "busprobe: warning: edgex: skipped %s\n", s)
	}
	if err != nil {
		return nil, err
	}
	var files []outFile
	for _, p := range ex.Profiles {
		b, err := gateway.WriteEdgeXProfile(p, c.Generator)
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{filepath.Join(dir, "profiles", p.Name+".yaml"), b})
	}
	b, err := gateway.WriteEdgeXDevices(ex.Devices, c.Generator)
	if err != nil {
		return nil, err
	}
	return append(files, outFile{filepath.Join(dir, "devices", "busprobe-devices.yaml"), b}), nil
}
