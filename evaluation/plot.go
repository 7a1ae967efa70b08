package evaluation

import (
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Write puts report.md, report.json, distances.png (genuine against impostor distances) and cmc.png
// into dir.
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

// cmcPlot draws the cumulative match characteristic: how often the true person is within rank k.
func (r *Report) cmcPlot(path string) error {
	p := plot.New()
	p.Title.Text = "Identification: true person within the top k candidates"
	p.X.Label.Text = "rank k"
	p.Y.Label.Text = "share of queries"
	p.Y.Min, p.Y.Max = 0, 1.02
	pts := make(plotter.XYs, len(r.CMC))
	for i, v := range r.CMC {
		pts[i] = plotter.XY{X: float64(i + 1), Y: v}
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.Color, points.Color = genuineColor, genuineColor
	p.Add(line, points, plotter.NewGrid())
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
