package insight

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// palette colours the series; presentation attributes are not styles, so
// the strict CSP allows them.
var palette = []string{"#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#718096"}

// Series is one named row of values across the chart's categories.
type Series struct {
	Name   string
	Values []float64
}

// stackedBars draws one bar per label with the series stacked on it.
func stackedBars(id, title, desc string, labels []string, series []Series) template.HTML {
	const w, h, left, right, top, bottom = 720.0, 260.0, 48.0, 12.0, 12.0, 48.0
	max := 0.0
	for i := range labels {
		sum := 0.0
		for _, s := range series {
			sum += s.Values[i]
		}
		max = math.Max(max, sum)
	}
	if max == 0 {
		max = 1
	}
	max = niceCeil(max)
	legendH := 18.0 * float64((len(series)+3)/4)
	var b strings.Builder
	open(&b, id, title, desc, w, h+legendH)
	plotW, plotH := w-left-right, h-top-bottom
	for _, frac := range []float64{0, 0.5, 1} {
		y := top + plotH*(1-frac)
		fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#cbd5e0" stroke-width="1"/>`, left, y, w-right, y)
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end" font-size="11" fill="#4a5568">%s</text>`, left-4, y+4, num(max*frac))
	}
	n := float64(max1(len(labels)))
	slot := plotW / n
	barW := math.Max(slot*0.7, 1)
	every := int(math.Ceil(float64(len(labels)) / 8))
	for i, l := range labels {
		x := left + slot*float64(i) + (slot-barW)/2
		y := top + plotH
		for si, s := range series {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			bh := plotH * v / max
			y -= bh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %s</title></rect>`,
				x, y, barW, bh, palette[si%len(palette)], esc(l), esc(s.Name), num(v))
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle" font-size="10" fill="#4a5568">%s</text>`, x+barW/2, top+plotH+14, esc(short(l)))
		}
	}
	for si, s := range series {
		lx := left + float64(si%4)*170
		ly := h - 14 + 18*float64(si/4)
		fmt.Fprintf(&b, `<rect x="%g" y="%g" width="10" height="10" fill="%s"/><text x="%g" y="%g" font-size="11" fill="#1a202c">%s</text>`,
			lx, ly, palette[si%len(palette)], lx+14, ly+9, esc(trunc(s.Name, 26)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// hbars draws one horizontal bar per label. suffix follows each value;
// with "%" the bars are drawn against 100.
func hbars(id, title, desc string, labels []string, values []float64, suffix string) template.HTML {
	const w, left, right, rowH = 720.0, 220.0, 70.0, 22.0
	h := rowH*float64(max1(len(labels))) + 8
	max := 0.0
	for _, v := range values {
		max = math.Max(max, v)
	}
	if suffix == "%" {
		max = 100
	}
	if max == 0 {
		max = 1
	}
	var b strings.Builder
	open(&b, id, title, desc, w, h)
	if len(labels) == 0 {
		fmt.Fprintf(&b, `<text x="8" y="18" font-size="12" fill="#4a5568">No data in this range.</text>`)
	}
	for i, l := range labels {
		y := 4 + rowH*float64(i)
		bw := (w - left - right) * values[i] / max
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end" font-size="11" fill="#1a202c">%s</text>`, left-6, y+14, esc(trunc(l, 34)))
		fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%.1f" height="%g" fill="%s"><title>%s: %s%s</title></rect>`, left, y+3, bw, rowH-6, palette[0], esc(l), num(values[i]), suffix)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="11" fill="#1a202c">%s%s</text>`, left+bw+4, y+14, num(values[i]), suffix)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func open(b *strings.Builder, id, title, desc string, w, h float64) {
	fmt.Fprintf(b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="100%%" role="img" aria-labelledby="%s-title %s-desc">`, w, h, id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

func esc(s string) string { return html.EscapeString(s) }

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

func niceCeil(v float64) float64 {
	if v <= 4 {
		return math.Ceil(v/2) * 2
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return v
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

func short(label string) string {
	label = strings.TrimPrefix(label, "week of ")
	if len(label) == 10 && label[4] == '-' {
		return label[5:]
	}
	return trunc(label, 12)
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
