package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadCSV reads labelled examples from CSV with a header row. textCol
// names the text column; several columns may be joined with "+" (for
// example "title+body"), and their values are joined with a space.
// labelCol names the label column. Errors name the offending line. Rows
// with an empty label are rejected.
func ReadCSV(r io.Reader, textCol, labelCol string) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("classify: CSV is empty, expected a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("classify: reading CSV header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	var textIdx []int
	for _, name := range strings.Split(textCol, "+") {
		i, ok := col[name]
		if !ok {
			return nil, fmt.Errorf("classify: CSV line 1: no text column %q in header %v", name, header)
		}
		textIdx = append(textIdx, i)
	}
	labelIdx, ok := col[labelCol]
	if !ok {
		return nil, fmt.Errorf("classify: CSV line 1: no label column %q in header %v", labelCol, header)
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// csv.ParseError already names the line.
			return nil, fmt.Errorf("classify: %w", err)
		}
		line, _ := cr.FieldPos(0)
		label := strings.TrimSpace(rec[labelIdx])
		if label == "" {
			return nil, fmt.Errorf("classify: CSV line %d: empty label in column %q", line, labelCol)
		}
		parts := make([]string, len(textIdx))
		for j, i := range textIdx {
			parts[j] = rec[i]
		}
		out = append(out, Example{Text: strings.Join(parts, " "), Label: label})
	}
	return out, nil
}
