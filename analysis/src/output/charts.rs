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
use crate::output::run_view::{RecordView, RunView, Trouble, Window};
use crate::record::places::places_of_text;
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
// Text sizes as plotters takes them: its SVG writes 1/1.24 of them as the
// font size, so that the smallest, 15, is 12 px on the page.
const SMALL: u32 = 15;
const TEXT: u32 = 16;
const AXIS: u32 = 17;
const TITLE: u32 = 20;

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
    let legend: Vec<(String, Marker)> =
        curves.iter().map(|(label, colour, _)| (label.clone(), Marker::Line(*colour))).collect();
    let height = 480 + 20 * legend.len() as u32;
    svg((900, height), |root| {
        let (plot, foot) = root.split_vertically(480);
        let mut chart = ChartBuilder::on(&plot)
            .caption("Latency publish → destination: share of records arrived within", (FONT, TITLE))
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
            .x_label_formatter(&|v| round_label(*v))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, AXIS))
            .draw()
            .map_err(failed)?;
        for (_, colour, points) in curves {
            let end = points.last().copied();
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2))).map_err(failed)?;
            if let Some((x, share)) = end.filter(|&(_, share)| share < 0.9995) {
                let dashed = DashedLineSeries::new([(x, share), (range.end, share)], 6, 4, colour.stroke_width(1));
                chart.draw_series(dashed).map_err(failed)?;
            }
        }
        draw_markers(&foot, (76, 10), legend)
    })
}

/// The hops of a group: per hop and region, a bar to its median and a line
/// on to its 99th percentile, on a logarithmic scale.
pub fn hops_chart(g: &GroupSummary) -> Result<String, String> {
    let places = places_of_text(&g.spec);
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
            .caption("Latency per hop: median (bar) and 99th percentile (line)", (FONT, TITLE))
            .margin(12)
            .x_label_area_size(44)
            .build_cartesian_2d(range.clone().log_scale(), -0.5f64..rows as f64 - 0.5)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_y_mesh()
            .x_desc("simulated ms (log scale)")
            .x_label_formatter(&|v| round_label(*v))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, AXIS))
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
            let name = places.hop_name(stage as usize).replace(" -> ", " → ");
            let style = TextStyle::from((FONT, TEXT)).pos(Pos::new(HPos::Right, VPos::Center));
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
        area.draw(&Text::new(label, (at.0 + 18, y - 5), (FONT, TEXT))).map_err(failed)?;
    }
    Ok(())
}

/// One run's records: latency against publish time, in the colour of the
/// region they arrived through; lost records on a line of their own at
/// the top; the faults the scenario injected shaded, as in Jepsen's
/// latency plots, each named in a row of labels above the plot. The
/// legend sits under the plot, clear of the data.
pub fn latency_over_time(run: &RunView) -> Result<String, String> {
    let end_s = (run.end_us as f64 / 1e6).max(0.001);
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
    // A region offline has a window on both DNS lanes: one band for it.
    let mut injected: Vec<&Window> = run.windows.iter().filter(|w| w.trouble.injected()).collect();
    injected.dedup_by_key(|w| (w.from_us, w.to_us, w.label.clone()));
    let label_rows = fault_label_rows(&injected, end_s);
    let rows_used = label_rows.iter().map(|&r| r + 1).max().unwrap_or(0) as u32;
    let head = 40 + 16 * rows_used;
    let mut legend: Vec<(String, Marker)> = Vec::new();
    for region in [1, 2, 3].into_iter().filter(|&r| points.iter().any(|p| p.2 == r)) {
        legend.push((format!("arrived through region {region}"), Marker::Dot(region_colour(region))));
    }
    if !lost.is_empty() {
        legend.push((
            format!("lost: {} records (never arrived), at the top", thousands(lost.len() as u64)),
            Marker::Cross,
        ));
    }
    for (trouble, what) in [(Trouble::Failed, "a component failed"), (Trouble::Offline, "a region offline")] {
        if injected.iter().any(|w| w.trouble == trouble) {
            let label = format!("{what} (a fault injected, named above the plot)");
            legend.push((label, Marker::Band(trouble_colour(trouble))));
        }
    }
    let height = head + 380 + 20 * legend.len() as u32;
    svg((900, height), |root| {
        let (title, rest) = root.split_vertically(head);
        let (plot, foot) = rest.split_vertically(380);
        let title_style = TextStyle::from((FONT, TITLE)).pos(Pos::new(HPos::Center, VPos::Top));
        let caption = format!("Seed {}: latency of each record against its publication", run.seed);
        title.draw(&Text::new(caption, (450, 6), title_style)).map_err(failed)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_top(4)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..end_s, (range.start..top).log_scale())
            .map_err(failed)?;
        // The y axis's ticks are drawn here: plotters puts one at every
        // multiple within a decade, which crowd into a grey band near its top.
        chart
            .configure_mesh()
            .x_desc("publication, simulated seconds")
            .y_desc("latency, simulated ms (log scale)")
            .disable_y_mesh()
            .y_labels(0)
            .y_label_formatter(&|_| String::new())
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, AXIS))
            .draw()
            .map_err(failed)?;
        for v in log_ticks(range.start, top) {
            chart.draw_series([PathElement::new(vec![(0.0, v), (end_s, v)], BLACK.mix(0.08))]).map_err(failed)?;
            let (x, y) = chart.backend_coord(&(0.0, v));
            root.draw(&PathElement::new(vec![(x - 5, y), (x, y)], BLACK)).map_err(failed)?;
            let style = TextStyle::from((FONT, TEXT)).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(round_label(v), (x - 8, y), style)).map_err(failed)?;
        }
        for (w, &row) in injected.iter().zip(&label_rows) {
            let (from, to) = (w.from_us as f64 / 1e6, w.to_us as f64 / 1e6);
            let band = Rectangle::new([(from, range.start), (to, top)], trouble_colour(w.trouble).filled());
            chart.draw_series([band]).map_err(failed)?;
            // Above the plot, at the start of the band, in rows that keep
            // the names of faults close in time apart.
            let (x, plot_top) = chart.backend_coord(&(from, top));
            let y = plot_top - 4 - 16 * (rows_used as i32 - 1 - row as i32);
            let grey = BLACK.mix(0.75);
            let style = TextStyle::from((FONT, SMALL)).color(&grey).pos(Pos::new(HPos::Left, VPos::Bottom));
            root.draw(&Text::new(format!("▏{}", w.label), (x, y), style)).map_err(failed)?;
        }
        for region in [1, 2, 3] {
            let these = points
                .iter()
                .filter(|p| p.2 == region)
                .map(|p| Circle::new((p.0, p.1), 3, region_colour(region).filled()));
            chart.draw_series(these).map_err(failed)?;
        }
        let crosses = lost.iter().map(|&t| Cross::new((t, lost_at), 4, VIOLATION.stroke_width(2)));
        chart.draw_series(crosses).map_err(failed)?;
        draw_markers(&foot, (84, 12), legend)
    })
}

/// What a legend entry shows.
enum Marker {
    Line(RGBColor),
    Dot(RGBColor),
    Cross,
    Band(RGBAColor),
}

/// A legend under a plot, one entry per line from `at`.
fn draw_markers(
    area: &DrawingArea<SVGBackend, Shift>,
    at: (i32, i32),
    entries: Vec<(String, Marker)>,
) -> Result<(), String> {
    for (i, (label, marker)) in entries.into_iter().enumerate() {
        let (x, y) = (at.0, at.1 + 20 * i as i32);
        match marker {
            Marker::Line(colour) => area.draw(&PathElement::new(vec![(x - 4, y), (x + 16, y)], colour.stroke_width(2))),
            Marker::Dot(colour) => area.draw(&Circle::new((x + 6, y), 4, colour.filled())),
            Marker::Cross => area.draw(&Cross::new((x + 6, y), 4, VIOLATION.stroke_width(2))),
            Marker::Band(colour) => area.draw(&Rectangle::new([(x, y - 7), (x + 12, y + 7)], colour.filled())),
        }
        .map_err(failed)?;
        let style = TextStyle::from((FONT, TEXT)).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(label, (x + 20, y), style)).map_err(failed)?;
    }
    Ok(())
}

/// For each fault in time order, the row of labels its name goes in: the
/// first row where it does not run into the name before it (names are
/// given about a tenth of the run's width; at most six rows).
fn fault_label_rows(faults: &[&Window], end_s: f64) -> Vec<usize> {
    let mut ends: Vec<f64> = Vec::new();
    faults
        .iter()
        .map(|w| {
            let from = w.from_us as f64 / 1e6;
            let width = end_s * 0.012 * w.label.chars().count() as f64;
            let row = ends.iter().position(|&end| end <= from).unwrap_or(ends.len()).min(5);
            if row == ends.len() {
                ends.push(0.0);
            }
            ends[row] = from + width;
            row
        })
        .collect()
}

/// The ticks of a logarithmic axis from `low` to `high`: 1, 2 and 5
/// times each power of ten, or the powers alone over more than two and a
/// half decades, so that they stay apart.
fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let multiples: &[f64] = if (high / low).log10() > 2.5 { &[1.0] } else { &[1.0, 2.0, 5.0] };
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    let all = (first..=last).flat_map(|power| multiples.iter().map(move |m| m * 10f64.powi(power)));
    all.filter(|v| (low..=high).contains(v)).collect()
}

/// A tick's value as a person writes it: 5,000, 0.5, not 4999.999999.
fn round_label(v: f64) -> String {
    if v >= 1000.0 {
        return thousands(v.round() as u64);
    }
    let digits = if v >= 10.0 {
        0
    } else if v >= 1.0 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// One run's timeline, in the spirit of Jepsen's timeline: one lane per
/// component (and per replica of `replicas`, the places a violation
/// names), each record's way through them as a line in the colour of its
/// region (grey when it never arrived) that names the record on hover, the
/// `violating` records in red and thick, the first of them labelled;
/// failed components, containers not processing and regions offline
/// shaded on their lanes; where each batch finished publishing marked.
pub fn timeline(run: &RunView, violating: &[u32], replicas: &[usize]) -> Result<String, String> {
    let end_s = (run.end_us as f64 / 1e6).max(0.001);
    let lanes = run.lanes.with(replicas);
    let rows = lanes.len();
    let row_of = |lane: usize| lanes.iter().position(|&l| l == lane).map(|at| (rows - 1 - at) as f64);
    let height = 150 + 26 * rows as u32;
    let mut lines = Vec::new();
    let text = svg((1100, height), |root| {
        let (main, foot) = root.split_vertically(height - 34);
        let (left, right) = main.split_horizontally(160);
        let mut chart = ChartBuilder::on(&right)
            .caption(format!("Seed {}: timeline", run.seed), (FONT, TITLE))
            .margin(12)
            .x_label_area_size(44)
            .build_cartesian_2d(0f64..end_s, -0.6f64..rows as f64 + 0.6)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_axis()
            .disable_y_mesh()
            .x_desc("simulated seconds (▼ batch n: when batch n finished publishing)")
            .label_style((FONT, TEXT))
            .axis_desc_style((FONT, TEXT))
            .draw()
            .map_err(failed)?;
        for w in &run.windows {
            let Some(row) = row_of(w.lane) else { continue };
            let (from, to) = (w.from_us as f64 / 1e6, w.to_us as f64 / 1e6);
            let band = Rectangle::new([(from, row - 0.45), (to, row + 0.45)], trouble_colour(w.trouble).filled());
            chart.draw_series([band]).map_err(failed)?;
        }
        let top = rows as f64 - 0.45;
        for (i, &(us, batch)) in run.batches.iter().enumerate() {
            let at = us as f64 / 1e6;
            let tick = PathElement::new(vec![(at, top - 0.1), (at, top + 0.25)], BLACK.mix(0.6).stroke_width(1));
            chart.draw_series([tick]).map_err(failed)?;
            // Right of the mark, or left of it near the right edge; batches
            // close in time alternate between two heights.
            let hpos = if at > end_s * 0.9 { HPos::Right } else { HPos::Left };
            let style = TextStyle::from((FONT, SMALL)).pos(Pos::new(hpos, VPos::Bottom));
            let label = Text::new(format!("▼ batch {batch}"), (at, top + 0.3 + 0.5 * (i % 2) as f64), style);
            chart.draw_series([label]).map_err(failed)?;
        }
        let path = |r: &RecordView| -> Vec<(i32, i32)> {
            let on_lanes = r.steps.iter().filter_map(|&(us, lane)| Some((us as f64 / 1e6, row_of(lane)?)));
            on_lanes.map(|point| chart.backend_coord(&point)).collect()
        };
        for r in run.records.iter().filter(|r| !violating.contains(&r.record)) {
            let colour = match r.arrived {
                Some((_, region)) => region_colour(u32::from(region)).mix(0.35),
                None => region_colour(0).mix(0.6),
            };
            lines.push(polyline(&path(r), colour, 1, &record_title(r)));
        }
        for r in run.records.iter().filter(|r| violating.contains(&r.record)) {
            let steps = path(r);
            lines.push(polyline(
                &steps,
                VIOLATION.mix(1.0),
                3,
                &format!("{} (violates the specification)", record_title(r)),
            ));
            // The first one named: the labels of records that stopped together would overlap.
            if let Some(&at) = steps.last().filter(|_| violating.first() == Some(&r.record)) {
                // Ending left of where the record stopped: runs stop near the right edge.
                let style = TextStyle::from((FONT, TEXT)).color(&VIOLATION).pos(Pos::new(HPos::Right, VPos::Bottom));
                root.draw(&Text::new(format!("record {} ", r.record), at, style)).map_err(failed)?;
            }
        }
        for (lane, name) in lanes.iter().map(|&l| (l, run.lanes.name(l).to_string())) {
            let (_, py) = chart.backend_coord(&(0.0, row_of(lane).unwrap_or(0.0)));
            let style = TextStyle::from((FONT, TEXT)).pos(Pos::new(HPos::Right, VPos::Center));
            left.draw(&Text::new(name, (154, py), style)).map_err(failed)?;
        }
        let troubles = [Trouble::Failed, Trouble::FailedDependency, Trouble::FailedProcessing, Trouble::Offline];
        let mut legend: Vec<(String, RGBAColor)> =
            troubles.into_iter().map(|t| (t.name().to_string(), trouble_colour(t))).collect();
        legend.push(("a record's way (by arrival region; grey: lost)".into(), region_colour(1).mix(0.35)));
        legend.push(("violating records".into(), VIOLATION.mix(1.0)));
        draw_legend_row(&foot, (120, 14), legend)
    })?;
    Ok(with_elements(text, &lines))
}

/// "record 12: published at 0.103 s, arrived through region 1 at 0.871 s".
fn record_title(r: &RecordView) -> String {
    let published =
        r.published_us.map_or("never published".to_string(), |us| format!("published at {:.3} s", us as f64 / 1e6));
    let arrived = match r.arrived {
        Some((us, region)) => format!("arrived through region {region} at {:.3} s", us as f64 / 1e6),
        None => "never arrived".into(),
    };
    format!("record {}: {published}, {arrived}", r.record)
}

/// A line through `points` that names itself on hover (an SVG `<title>`),
/// with a wider see-through twin that makes it easier to point at.
fn polyline(points: &[(i32, i32)], colour: RGBAColor, width: u32, title: &str) -> String {
    if points.len() < 2 {
        return String::new();
    }
    let at: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
    let RGBAColor(r, g, b, a) = colour;
    let title = crate::text::escape(title);
    format!(
        "<g><title>{title}</title><polyline fill=\"none\" stroke=\"rgb({r},{g},{b})\" stroke-opacity=\"{a:.2}\" \
         stroke-width=\"{width}\" points=\"{p}\"/><polyline fill=\"none\" stroke=\"rgb(0,0,0)\" stroke-opacity=\"0\" \
         stroke-width=\"6\" points=\"{p}\"/></g>\n",
        p = at.join(" ")
    )
}

/// `svg` with `elements` (in its pixels) drawn last.
fn with_elements(svg: String, elements: &[String]) -> String {
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    format!("{}{}{}", &svg[..end], elements.concat(), &svg[end..])
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
        area.draw(&Text::new(label, (x + 16, at.1 - 7), (FONT, TEXT))).map_err(failed)?;
        x += 16 + width + 18;
    }
    Ok(())
}
