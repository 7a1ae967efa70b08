package evaluation

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Write puts report.md, report.json, distances.png (genuine against impostor distances) and cmc.png
// into dir; in the age-gap mode also cmc-gap.png and cmc-age.png (a CMC per bucket), and with gallery
// sizes gallery.png.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), js, 0o644); err != nil {
		return err
	}
	if err := r.histogram(filepath.Join(dir, "distances.png")); err != nil {
		return err
	}
	if r.AgeGap != nil {
		if err := bucketPlot(filepath.Join(dir, "cmc-gap.png"), "years between the photos", r.AgeGap.Gaps); err != nil {
			return err
		}
		if err := bucketPlot(filepath.Join(dir, "cmc-age.png"), "age at the enrolled photo", r.AgeGap.Ages); err != nil {
			return err
		}
	}
	if r.Gallery != nil {
		if err := r.Gallery.plot(filepath.Join(dir, "gallery.png")); err != nil {
			return err
		}
	}
	return r.cmcPlot(filepath.Join(dir, "cmc.png"))
}

var (
	genuineColor  = color.RGBA{R: 0x1b, G: 0x9e, B: 0x77, A: 0xff}
	impostorColor = color.RGBA{R: 0xd9, G: 0x5f, B: 0x02, A: 0xff}
)

// histogram draws the two distance distributions as densities on one axis, with the review threshold.
func (r *Report) histogram(path string) error {
	p := plot.New()
	p.Title.Text = "Face distances: same person vs different people"
	p.X.Label.Text = "Euclidean distance between descriptors"
	p.Y.Label.Text = "share of pairs (density)"
	var genuine, impostor plotter.Values
	for _, pr := range r.Pairs {
		if pr.Genuine {
			genuine = append(genuine, pr.Distance)
		} else {
			impostor = append(impostor, pr.Distance)
		}
	}
	for _, s := range []struct {
		name string
		v    plotter.Values
		c    color.RGBA
	}{{"same person", genuine, genuineColor}, {"different people", impostor, impostorColor}} {
		if len(s.v) == 0 {
			continue
		}
		h, err := plotter.NewHist(s.v, 30)
		if err != nil {
			return err
		}
		h.Normalize(1)
		h.FillColor = color.NRGBA{R: s.c.R, G: s.c.G, B: s.c.B, A: 0x90}
		h.LineStyle.Color = s.c
		p.Add(h)
		p.Legend.Add(s.name, h)
	}
	line, err := plotter.NewLine(plotter.XYs{{X: float64(r.Threshold), Y: 0}, {X: float64(r.Threshold), Y: p.Y.Max}})
	if err != nil {
		return err
	}
	line.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(line)
	p.Legend.Add("review threshold", line)
	p.Legend.Top = true
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

// curve is one line of a plot.
type curve struct {
	name string
	pts  plotter.XYs
}

func cmcCurve(name string, cmc CMC) curve {
	pts := make(plotter.XYs, len(cmc))
	for i, v := range cmc {
		pts[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	return curve{name, pts}
}

// cmcPlot draws the cumulative match characteristic: how often the true person is within rank k.
func (r *Report) cmcPlot(path string) error {
	return lines(path, "Identification: true person within the top k candidates", "rank k", nil, []curve{cmcCurve("", r.CMC)})
}

// bucketPlot draws one CMC per non-empty bucket of a grouping of the age-gap mode.
func bucketPlot(path, grouping string, buckets []Bucket) error {
	var cs []curve
	for _, b := range buckets {
		if b.Queries > 0 {
			cs = append(cs, cmcCurve(fmt.Sprintf("%s (%d queries)", b.Name, b.Queries), b.CMC))
		}
	}
	return lines(path, "True person within the top k, by "+grouping, "rank k", nil, cs)
}

// plot draws rank-1 and rank-10 against the gallery size, on a logarithmic axis.
func (g *GalleryReport) plot(path string) error {
	var cs []curve
	for _, k := range []int{1, 10} {
		c := curve{name: fmt.Sprintf("rank-%d", k)}
		for _, pt := range g.Points {
			c.pts = append(c.pts, plotter.XY{X: float64(pt.Cases), Y: pt.CMC.Rank(k)})
		}
		cs = append(cs, c)
	}
	return lines(path, "Identification against gallery size", "cases in the gallery (log scale)", plot.LogScale{}, cs)
}

// lines draws share-of-queries curves, with a legend when there are several.
func lines(path, title, xLabel string, xScale plot.Normalizer, cs []curve) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	if xScale != nil {
		p.X.Scale, p.X.Tick.Marker = xScale, plot.LogTicks{Prec: -1}
	}
	p.Y.Label.Text = "share of queries"
	p.Y.Min, p.Y.Max = 0, 1.02
	p.Add(plotter.NewGrid())
	for i, c := range cs {
		line, points, err := plotter.NewLinePoints(c.pts)
		if err != nil {
			return err
		}
		col := plotutil.Color(i)
		if len(cs) == 1 {
			col = genuineColor
		}
		line.Color, points.Color = col, col
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		if len(cs) > 1 {
			p.Legend.Add(c.name, line, points)
		}
	}
	p.Legend.Left, p.Legend.Top = true, false
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
