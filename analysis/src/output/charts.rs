//! The pictures of the reports, drawn with plotters into SVG text (no
//! fonts or system libraries needed; the viewer picks the font): the
//! latency distribution of a group, its per-hop breakdown, and for one
//! run its latency over simulated time and its timeline. A region has the
//! same colour in every picture.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::measure::histogram::Histogram;
use crate::measure::summary::GroupSummary;
use crate::output::run_view::{LANES, RunView, Trouble, Window};
use crate::record::places::hop_name;
use crate::text::thousands;

/// Regions 1, 2 and 3 in their colours; no region in grey.
pub fn region_colour(region: u32) -> RGBColor {
    match region {
        1 => RGBColor(31, 119, 180),
        2 => RGBColor(255, 127, 14),
        3 => RGBColor(44, 160, 44),
        _ => RGBColor(127, 127, 127),
    }
}

/// What a violating record is drawn in.
const VIOLATION: RGBColor = RGBColor(214, 39, 40);

fn trouble_colour(trouble: Trouble) -> RGBAColor {
    match trouble {
        Trouble::Failed => RGBColor(214, 39, 40).mix(0.25),
        Trouble::Offline => RGBColor(90, 90, 90).mix(0.25),
        Trouble::FailedDependency => RGBColor(148, 103, 189).mix(0.3),
        Trouble::FailedProcessing => RGBColor(140, 86, 75).mix(0.3),
    }
}

const FONT: &str = "sans-serif";

/// Draws on an SVG of `size` pixels and returns its text.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        draw(&root)?;
        root.present().map_err(failed)?;
    }
    Ok(text)
}

fn failed(e: impl std::fmt::Display) -> String {
    format!("cannot draw: {e}")
}

/// Points of the cumulative distribution of `h` (ms, share of `total`),
/// at most `most` of them, starting at share 0.
fn cdf_points(h: &Histogram, total: u64, most: usize) -> Vec<(f64, f64)> {
    let all = h.cumulative();
    let scale = h.count() as f64 / total.max(1) as f64;
    let step = all.len().div_ceil(most).max(1);
    let mut points: Vec<(f64, f64)> = all.iter().step_by(step).map(|&(us, share)| (ms(us), share * scale)).collect();
    if let (Some(&(us, share)), Some(&(_, drawn))) = (all.last(), points.last())
        && drawn < share * scale
    {
        points.push((ms(us), share * scale));
    }
    if let Some(&(first, _)) = points.first() {
        points.insert(0, (first, 0.0));
    }
    points
}

fn ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

/// A logarithmic axis range that holds `values` (ms), at least 0.1 ms.
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) = values.fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let low = if low == f64::MAX { 1.0 } else { low };
    (low.max(0.1) / 1.5)..(high.max(low.max(0.1) * 10.0) * 1.5)
}

/// A labelled line: its legend, its colour, its points.
type Curve = (String, RGBColor, Vec<(f64, f64)>);

/// The latency distribution of a group: per arrival region, the share of
/// its records that arrived within a latency, lost ones counted in (a
/// curve that stops below 1 has lost records); and all records together.
pub fn latency_cdf(g: &GroupSummary) -> Result<String, String> {
    let lost = |region: u32| g.lost.get(&region).copied().unwrap_or(0);
    let mut all = Histogram::default();
    // A summary's latencies count at most its records, which fit in u64.
    g.latency.values().try_for_each(|h| all.merge(h)).map_err(|e| format!("the latencies of {}: {e}", g.label))?;
    let total = all.count() + g.lost.values().sum::<u64>();
    let range = log_range(all.min().into_iter().chain(all.max()).map(ms));
    let mut curves: Vec<Curve> = g
        .latency
        .iter()
        .map(|(&region, h)| {
            let lost = lost(region);
            let label = format!("region {region}: {} arrived, {} lost", thousands(h.count()), thousands(lost));
            (label, region_colour(region), cdf_points(h, h.count() + lost, 400))
        })
        .collect();
    let unrouted = lost(0);
    let label = format!(
        "all records: {} of {} arrived{}",
        thousands(all.count()),
        thousands(total),
        if unrouted > 0 { format!(" ({} lost before routing)", thousands(unrouted)) } else { String::new() }
    );
    curves.push((label, BLACK, cdf_points(&all, total, 400)));
    svg((900, 480), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Latency publish → destination: share of records arrived within", (FONT, 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(range.clone().log_scale(), 0f64..1.05)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .x_desc("latency, simulated ms (log scale)")
            .x_labels(6)
            .y_desc("share of the records (lost ones never arrive)")
            .x_label_formatter(&|v| format!("{v}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw()
            .map_err(failed)?;
        for (label, colour, points) in curves {
            let end = points.last().copied();
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(failed)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            if let Some((x, share)) = end.filter(|&(_, share)| share < 0.9995) {
                let dashed = DashedLineSeries::new([(x, share), (range.end, share)], 6, 4, colour.stroke_width(1));
                chart.draw_series(dashed).map_err(failed)?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .label_font((FONT, 13))
            .draw()
            .map_err(failed)
    })
}

/// The hops of a group: per hop and region, a bar to its median and a line
/// on to its 99th percentile, on a logarithmic scale.
pub fn hops_chart(g: &GroupSummary) -> Result<String, String> {
    let stages: Vec<u32> = {
        let mut s: Vec<u32> = g.hops.values().flat_map(|h| h.keys().copied()).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let regions: Vec<u32> = g.hops.keys().copied().collect();
    let bars: Vec<(usize, u32, f64, f64)> = stages
        .iter()
        .enumerate()
        .flat_map(|(row, stage)| {
            regions.iter().filter_map(move |&region| {
                let h = g.hops.get(&region)?.get(stage)?;
                Some((row, region, h.quantile(0.5)? / 1000.0, h.quantile(0.99)? / 1000.0))
            })
        })
        .collect();
    let range = log_range(bars.iter().flat_map(|b| [b.2, b.3]));
    let rows = stages.len().max(1);
    let band = 0.8 / regions.len().max(1) as f64;
    svg((900, 90 + 34 * rows as u32), |root| {
        let (left, right) = root.split_horizontally(330);
        let mut chart = ChartBuilder::on(&right)
            .caption("Latency per hop: median (bar) and 99th percentile (line)", (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .build_cartesian_2d(range.clone().log_scale(), -0.5f64..rows as f64 - 0.5)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_y_mesh()
            .x_desc("simulated ms (log scale)")
            .x_label_formatter(&|v| format!("{v}"))
            .draw()
            .map_err(failed)?;
        for &(row, region, p50, p99) in &bars {
            let at = regions.iter().position(|&r| r == region).unwrap_or(0) as f64;
            let top = row as f64 - 0.4 + at * band;
            let colour = region_colour(region);
            let bar = Rectangle::new([(range.start, top), (p50.max(range.start), top + band * 0.9)], colour.filled());
            let middle = top + band * 0.45;
            let whisker = PathElement::new(vec![(p50, middle), (p99, middle)], colour.stroke_width(2));
            chart.draw_series([bar]).map_err(failed)?;
            chart.draw_series([whisker]).map_err(failed)?;
        }
        for (row, &stage) in stages.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(range.start, row as f64));
            let name = hop_name(stage as usize).replace(" -> ", " → ");
            let style = TextStyle::from((FONT, 13)).pos(Pos::new(HPos::Right, VPos::Center));
            left.draw(&Text::new(name, (322, y), style)).map_err(failed)?;
        }
        let legend = regions.iter().map(|&r| (format!("region {r}"), region_colour(r).mix(1.0)));
        draw_legend(&left, (12, 16), legend)
    })
}

/// A legend of coloured squares at `at`, one entry per line.
fn draw_legend(
    area: &DrawingArea<SVGBackend, Shift>,
    at: (i32, i32),
    entries: impl Iterator<Item = (String, RGBAColor)>,
) -> Result<(), String> {
    for (i, (label, colour)) in entries.enumerate() {
        let y = at.1 + 18 * i as i32;
        area.draw(&Rectangle::new([(at.0, y - 5), (at.0 + 12, y + 7)], colour.filled())).map_err(failed)?;
        area.draw(&Text::new(label, (at.0 + 18, y - 5), (FONT, 13))).map_err(failed)?;
    }
    Ok(())
}

/// One run's records: latency against publish time, in the colour of the
/// region they arrived through; lost records on a line of their own at
/// the top; the faults the scenario injected shaded, as in Jepsen's
/// latency plots.
pub fn latency_over_time(run: &RunView) -> Result<String, String> {
    let end_s = run.end_us as f64 / 1e6;
    let points: Vec<(f64, f64, u32)> = run
        .records
        .iter()
        .filter_map(|r| {
            let latency = r.latency_us()?;
            Some((r.published_us? as f64 / 1e6, (latency as f64 / 1000.0).max(0.1), u32::from(r.arrived?.1)))
        })
        .collect();
    let lost: Vec<f64> = run
        .records
        .iter()
        .filter(|r| r.arrived.is_none())
        .map(|r| r.published_us.map_or(0.0, |us| us as f64 / 1e6))
        .collect();
    let range = log_range(points.iter().map(|p| p.1));
    let lost_at = range.end * 1.6;
    let top = if lost.is_empty() { range.end * 1.2 } else { lost_at * 1.4 };
    svg((900, 420), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("Seed {}: latency of each record against its publication", run.seed), (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..end_s.max(0.001), (range.start..top).log_scale())
            .map_err(failed)?;
        chart
            .configure_mesh()
            .x_desc("publication, simulated seconds (shaded: faults injected)")
            .y_desc("latency, simulated ms (log scale)")
            .y_label_formatter(&|v| format!("{v}"))
            .draw()
            .map_err(failed)?;
        // A region offline has a window on both DNS lanes: one band for it.
        let mut injected: Vec<&Window> = run.windows.iter().filter(|w| w.trouble.injected()).collect();
        injected.dedup_by_key(|w| (w.from_us, w.to_us, w.label.clone()));
        for (i, w) in injected.into_iter().enumerate() {
            let (from, to) = (w.from_us as f64 / 1e6, w.to_us as f64 / 1e6);
            let band = Rectangle::new([(from, range.start), (to, top)], trouble_colour(w.trouble).filled());
            chart.draw_series([band]).map_err(failed)?;
            // Staggered, so that the labels of faults close in time stay readable.
            let at = (from, top / 1.2f64.powi(1 + (i % 6) as i32));
            let label = Text::new(w.label.clone(), at, (FONT, 11).into_font().color(&BLACK.mix(0.7)));
            chart.draw_series([label]).map_err(failed)?;
        }
        for region in [1, 2, 3] {
            let these = points
                .iter()
                .filter(|p| p.2 == region)
                .map(|p| Circle::new((p.0, p.1), 3, region_colour(region).filled()));
            let series = chart.draw_series(these).map_err(failed)?;
            if points.iter().any(|p| p.2 == region) {
                series
                    .label(format!("arrived through region {region}"))
                    .legend(move |(x, y)| Circle::new((x + 10, y), 4, region_colour(region).filled()));
            }
        }
        if !lost.is_empty() {
            let crosses = lost.iter().map(|&t| Cross::new((t, lost_at), 4, VIOLATION.stroke_width(2)));
            chart
                .draw_series(crosses)
                .map_err(failed)?
                .label(format!("lost: {} records (never arrived)", lost.len()))
                .legend(|(x, y)| Cross::new((x + 10, y), 4, VIOLATION.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            // Below the row of lost records, and see-through.
            .position(SeriesLabelPosition::LowerRight)
            .border_style(BLACK)
            .background_style(WHITE.mix(0.6))
            .label_font((FONT, 13))
            .draw()
            .map_err(failed)
    })
}

/// One run's timeline, in the spirit of Jepsen's timeline: one lane per
/// component, each record's way through them as a line in the colour of
/// its region (grey when it never arrived), the `violating` records in red
/// and thick, the first of them labelled; failed components, containers not processing and regions
/// offline shaded on their lanes; batches published marked.
pub fn timeline(run: &RunView, violating: &[u32]) -> Result<String, String> {
    let end_s = (run.end_us as f64 / 1e6).max(0.001);
    let lanes = LANES.len();
    let y = |lane: usize| (lanes - 1 - lane) as f64;
    let height = 150 + 26 * lanes as u32;
    svg((1100, height), |root| {
        let (main, foot) = root.split_vertically(height - 34);
        let (left, right) = main.split_horizontally(110);
        let mut chart = ChartBuilder::on(&right)
            .caption(format!("Seed {}: timeline", run.seed), (FONT, 18))
            .margin(12)
            .x_label_area_size(44)
            .build_cartesian_2d(0f64..end_s, -0.6f64..lanes as f64 - 0.4)
            .map_err(failed)?;
        chart.configure_mesh().disable_y_axis().disable_y_mesh().x_desc("simulated seconds").draw().map_err(failed)?;
        for w in &run.windows {
            let (from, to) = (w.from_us as f64 / 1e6, w.to_us as f64 / 1e6);
            let row = y(w.lane);
            let band = Rectangle::new([(from, row - 0.45), (to, row + 0.45)], trouble_colour(w.trouble).filled());
            chart.draw_series([band]).map_err(failed)?;
        }
        for &(us, batch) in &run.batches {
            let at = us as f64 / 1e6;
            let mark = Text::new(format!("batch {batch}"), (at, y(0) + 0.45), (FONT, 11));
            chart.draw_series([mark]).map_err(failed)?;
        }
        let path = |r: &crate::output::run_view::RecordView| {
            r.steps.iter().map(|&(us, lane)| (us as f64 / 1e6, y(lane))).collect::<Vec<_>>()
        };
        for r in run.records.iter().filter(|r| !violating.contains(&r.record)) {
            let colour = match r.arrived {
                Some((_, region)) => region_colour(u32::from(region)).mix(0.35),
                None => region_colour(0).mix(0.6),
            };
            chart.draw_series([PathElement::new(path(r), colour.stroke_width(1))]).map_err(failed)?;
        }
        for r in run.records.iter().filter(|r| violating.contains(&r.record)) {
            let steps = path(r);
            let last = steps.last().copied();
            chart.draw_series([PathElement::new(steps, VIOLATION.stroke_width(3))]).map_err(failed)?;
            // The first one named: the labels of records that stopped together would overlap.
            if let Some(at) = last.filter(|_| violating.first() == Some(&r.record)) {
                // Ending left of where the record stopped: runs stop near the right edge.
                let style = TextStyle::from((FONT, 13)).color(&VIOLATION).pos(Pos::new(HPos::Right, VPos::Bottom));
                let label = Text::new(format!("record {} ", r.record), at, style);
                chart.draw_series([label]).map_err(failed)?;
            }
        }
        for (lane, name) in LANES.iter().enumerate() {
            let (_, py) = chart.backend_coord(&(0.0, y(lane)));
            let style = TextStyle::from((FONT, 13)).pos(Pos::new(HPos::Right, VPos::Center));
            left.draw(&Text::new(*name, (104, py), style)).map_err(failed)?;
        }
        let troubles = [Trouble::Failed, Trouble::FailedDependency, Trouble::FailedProcessing, Trouble::Offline];
        let mut legend: Vec<(String, RGBAColor)> =
            troubles.into_iter().map(|t| (t.name().to_string(), trouble_colour(t))).collect();
        legend.push(("a record's way (by arrival region; grey: lost)".into(), region_colour(1).mix(0.35)));
        legend.push(("violating records".into(), VIOLATION.mix(1.0)));
        draw_legend_row(&foot, (120, 14), legend)
    })
}

/// A legend of coloured squares on one line from `at`.
fn draw_legend_row(
    area: &DrawingArea<SVGBackend, Shift>,
    at: (i32, i32),
    entries: Vec<(String, RGBAColor)>,
) -> Result<(), String> {
    let mut x = at.0;
    for (label, colour) in entries {
        area.draw(&Rectangle::new([(x, at.1 - 6), (x + 12, at.1 + 6)], colour.filled())).map_err(failed)?;
        let width = 7 * label.chars().count() as i32;
        area.draw(&Text::new(label, (x + 16, at.1 - 7), (FONT, 13))).map_err(failed)?;
        x += 16 + width + 18;
    }
    Ok(())
}
