// Command flotilla-gotemplate renders ApplicationSet templates with Go's own
// text/template and the Sprig functions, so that `goTemplate: true` means
// exactly what it means to Argo CD users. It reads one JSON request per line
// on stdin and writes one JSON response per line on stdout:
//
//	{"id":1,"template":<any JSON>,"params":[{...},...],"options":["missingkey=error"]}
//	{"id":1,"results":[{"value":<rendered JSON>}|{"error":"..."}]}
//
// Every string of the template, and every object key, is a template executed
// against each parameter set in turn. Other values are copied, nulls in
// objects are left out.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/gosimple/slug"
	"sigs.k8s.io/yaml"
)

type request struct {
	ID       int64            `json:"id"`
	Template any              `json:"template"`
	Params   []map[string]any `json:"params"`
	Options  []string         `json:"options"`
}

type result struct {
	Value any    `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

type response struct {
	ID      int64    `json:"id"`
	Results []result `json:"results,omitempty"`
	Error   string   `json:"error,omitempty"`
}

var invalidNameChars = regexp.MustCompile("[^-a-z0-9.]")

// normalize lowers a name and turns it into a valid DNS subdomain.
func normalize(name string) string {
	name = invalidNameChars.ReplaceAllString(strings.ToLower(name), "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

// slugify takes [maxSize [smartTruncate]] name, as Argo CD's function does.
func slugify(args ...any) (string, error) {
	maxSize, smart, name := 50, true, ""
	for i, a := range args {
		var ok bool
		switch {
		case i == len(args)-1:
			name, ok = a.(string)
		case i == 0:
			maxSize, ok = a.(int)
		case i == 1:
			smart, ok = a.(bool)
		}
		if !ok {
			return "", fmt.Errorf("slugify: bad argument %d (%v)", i+1, a)
		}
	}
	slug.EnableSmartTruncate = smart
	slug.MaxLength = maxSize
	return slug.Make(normalize(name)), nil
}

func toYAML(v any) (string, error) {
	out, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

func fromYAML(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

func fromYAMLArray(s string) ([]any, error) {
	a := []any{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return a, nil
}

func baseTemplate() *template.Template {
	funcs := sprig.GenericFuncMap()
	// Templates must not read the controller's environment or resolve names.
	delete(funcs, "env")
	delete(funcs, "expandenv")
	delete(funcs, "getHostByName")
	funcs["normalize"] = normalize
	funcs["slugify"] = slugify
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["fromYamlArray"] = fromYAMLArray
	return template.New("base").Funcs(funcs)
}

type renderer struct {
	base    *template.Template
	options []string
	params  map[string]any
	// Parsed templates of one request, shared by its parameter sets.
	parsed map[string]*template.Template
}

func (r *renderer) parse(text string) (*template.Template, error) {
	if t, ok := r.parsed[text]; ok {
		return t, nil
	}
	t, err := r.base.Clone()
	if err != nil {
		return nil, err
	}
	for _, o := range r.options {
		t = t.Option(o)
	}
	parsed, err := t.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("failed to parse template %s: %w", text, err)
	}
	r.parsed[text] = parsed
	return parsed, nil
}

func (r *renderer) replace(text string) (string, error) {
	parsed, err := r.parse(text)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := parsed.Execute(&out, r.params); err != nil {
		return "", fmt.Errorf("failed to execute go template %s: %w", text, err)
	}
	return out.String(), nil
}

func (r *renderer) render(v any) (any, error) {
	switch t := v.(type) {
	case string:
		return r.replace(t)
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			rendered, err := r.render(item)
			if err != nil {
				return nil, err
			}
			out[i] = rendered
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			if item == nil {
				continue
			}
			rendered, err := r.render(item)
			if err != nil {
				return nil, err
			}
			key, err := r.replace(k)
			if err != nil {
				return nil, err
			}
			out[key] = rendered
		}
		return out, nil
	default:
		return v, nil
	}
}

func handle(base *template.Template, req request) (res response) {
	res.ID = req.ID
	defer func() {
		// An option such as "missingkey=bogus" panics in text/template.
		if p := recover(); p != nil {
			res.Results = nil
			res.Error = fmt.Sprint(p)
		}
	}()
	r := &renderer{base: base, options: req.Options, parsed: map[string]*template.Template{}}
	for _, params := range req.Params {
		r.params = params
		value, err := r.render(req.Template)
		if err != nil {
			res.Results = append(res.Results, result{Error: err.Error()})
		} else {
			res.Results = append(res.Results, result{Value: value})
		}
	}
	return res
}

func main() {
	base := baseTemplate()
	in := json.NewDecoder(bufio.NewReaderSize(os.Stdin, 1<<20))
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for {
		var req request
		if err := in.Decode(&req); err != nil {
			if err == io.EOF {
				return
			}
			_ = out.Encode(response{Error: "bad request: " + err.Error()})
			return
		}
		if err := out.Encode(handle(base, req)); err != nil {
			os.Exit(1)
		}
	}
}
