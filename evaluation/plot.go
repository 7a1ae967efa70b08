package evaluation

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"

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
		if err := r.Gallery.plot(filepath.Join(dir, "gallery.png"), r.Threshold); err != nil {
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
	return lines(path, "Identification: true person within the top k candidates", "rank k", false, []curve{cmcCurve("", r.CMC)})
}

// bucketPlot draws one CMC per non-empty bucket of a grouping of the age-gap mode.
func bucketPlot(path, grouping string, buckets []Bucket) error {
	var cs []curve
	for _, b := range buckets {
		if b.Queries > 0 {
			cs = append(cs, cmcCurve(fmt.Sprintf("%s (%d queries)", b.Name, b.Queries), b.CMC))
		}
	}
	return lines(path, "True person within the top k, by "+grouping, "rank k", false, cs)
}

// plot draws rank-1 and rank-10 against the gallery size, on a logarithmic axis, and the share of queries
// with another case under the review threshold.
func (g *GalleryReport) plot(path string, threshold float32) error {
	cs := []curve{{name: "rank-1"}, {name: "rank-10"}, {name: fmt.Sprintf("another case under %.2f", threshold)}}
	for _, pt := range g.Points {
		x := float64(pt.Cases)
		cs[0].pts = append(cs[0].pts, plotter.XY{X: x, Y: pt.CMC.Rank(1)})
		cs[1].pts = append(cs[1].pts, plotter.XY{X: x, Y: pt.CMC.Rank(10)})
		cs[2].pts = append(cs[2].pts, plotter.XY{X: x, Y: pt.NearestOther.UnderThreshold})
	}
	return lines(path, "Identification against gallery size", "cases in the gallery (log scale)", true, cs)
}

// count writes a number of cases short: 100, 10k, 1M.
func count(x float64) string {
	switch {
	case x >= 1e6:
		return strconv.FormatFloat(x/1e6, 'f', -1, 64) + "M"
	case x >= 1e3:
		return strconv.FormatFloat(x/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// lines draws share-of-queries curves, with a legend when there are several: against rank k, or against
// a count on a logarithmic axis.
func lines(path, title, xLabel string, logX bool, cs []curve) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
			ticks := plot.LogTicks{}.Ticks(min, max)
			for i := range ticks {
				if ticks[i].Label != "" {
					ticks[i].Label = count(ticks[i].Value)
				}
			}
			return ticks
		})
	} else if len(cs) > 0 {
		var ticks plot.ConstantTicks
		for _, pt := range cs[0].pts {
			ticks = append(ticks, plot.Tick{Value: pt.X, Label: strconv.FormatFloat(pt.X, 'f', -1, 64)})
		}
		p.X.Tick.Marker = ticks
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
	// A CMC rises to the right, so its lower right is free; against gallery size the ranks start high and
	// the share of other cases under the threshold low, so the middle of the left side is.
	p.Legend.Left, p.Legend.Top = logX, false
	if logX {
		p.Legend.YOffs = 1.3 * vg.Inch
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
