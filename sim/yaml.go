package sim

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// LoadPlant reads and validates a plant YAML file; see ParsePlant.
func LoadPlant(path string, opts ...Option) (*Plant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load plant: %w", err)
	}
	return ParsePlant(data, path, opts...)
}

// ParsePlant decodes a plant from YAML strictly (an unknown key is an error)
// and validates it. Every problem is a *ConfigError carrying file, line and
// column; several problems come back together as ConfigErrors. file only
// labels the errors. A device's profile must exist in the library of
// WithProfiles (the embedded library by default).
func ParsePlant(data []byte, file string, opts ...Option) (*Plant, error) {
	var p Plant
	if err := yaml.UnmarshalWithOptions(data, &p, yaml.Strict()); err != nil {
		return nil, decodeError(err, file)
	}
	err := p.Validate(opts...)
	if err == nil {
		return &p, nil
	}
	var errs ConfigErrors
	if !errors.As(err, &errs) {
		return nil, err
	}
	var root *ast.File
	if f, perr := parser.ParseBytes(data, 0); perr == nil {
		root = f
	}
	for _, e := range errs {
		e.File = file
		e.Line, e.Column = locate(root, e.Path)
	}
	return nil, errs
}

// decodeError turns a go-yaml error into a *ConfigError with its position.
func decodeError(err error, file string) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return &ConfigError{File: file, Line: pos.Line, Column: pos.Column, Msg: ye.GetMessage()}
	}
	return &ConfigError{File: file, Msg: err.Error()}
}

// locate finds the line and column of a YAML path such as
// "$.buses[0].devices[1].unit", falling back to the nearest enclosing node
// that exists (a missing key is reported where its parent is).
func locate(root *ast.File, path string) (line, col int) {
	if root == nil {
		return 0, 0
	}
	for p := path; p != "" && p != "$"; p = parentPath(p) {
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		node, err := yp.FilterFile(root)
		if err != nil || node == nil || node.GetToken() == nil {
			continue
		}
		pos := node.GetToken().Position
		return pos.Line, pos.Column
	}
	return 0, 0
}

// parentPath drops the last ".key" or "[n]" of a YAML path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// MarshalPlant renders a plant as YAML that ParsePlant reads back.
func MarshalPlant(p *Plant) ([]byte, error) {
	b, err := yaml.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("marshal plant: %w", err)
	}
	return b, nil
}
