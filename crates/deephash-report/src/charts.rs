//! The report's plots, drawn with `plotters` into SVG strings that are inlined in the page.

use plotters::coord::Shift;
use plotters::prelude::*;

use deephash_metrics::{DistanceHistogram, EvalReport};

use crate::{ReportError, TrainingCurve};

/// Series colours, one per code length (colour-blind-friendly "tab10" order).
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];
const RELEVANT: RGBColor = RGBColor(46, 160, 67);
const IRRELEVANT: RGBColor = RGBColor(214, 39, 40);
const FONT: &str = "sans-serif";

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The colour of the `i`-th series.
pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Renders one SVG of `size` pixels with `draw`, naming `chart` in errors.
fn render_svg(
    chart: &'static str,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let fail = |e: DrawingAreaErrorKind<std::io::Error>| ReportError::Plot {
            chart,
            message: e.to_string(),
        };
        root.fill(&WHITE).map_err(fail)?;
        draw(&root).map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Precision against recall over all Hamming radii, one line per code length.
pub(crate) fn pr_curve(results: &[EvalReport]) -> Result<String, ReportError> {
    render_svg("precision-recall", (560, 400), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..1.0, 0f64..1.02)?;
        chart
            .configure_mesh()
            .x_desc("Recall")
            .y_desc("Precision")
            .label_style((FONT, 13))
            .draw()?;
        for (i, r) in results.iter().enumerate() {
            let points: Vec<(f64, f64)> =
                r.pr_curve.iter().map(|p| (p.recall, p.precision)).collect();
            line_with_markers(
                &mut chart,
                points,
                series_color(i),
                format!("{} bits", r.bits),
            )?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// Precision of the top k results against k (log scale), one line per code length.
pub(crate) fn precision_at_k(results: &[EvalReport]) -> Result<String, ReportError> {
    let k_max = results
        .iter()
        .flat_map(|r| r.precision_at_k_curve.iter().map(|p| p.k))
        .max()
        .unwrap_or(1);
    let k_max = (k_max as f64).max(2.0) * 1.15;
    render_svg("precision@k", (560, 400), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d((0.9f64..k_max).log_scale(), 0f64..1.02)?;
        chart
            .configure_mesh()
            .x_desc("k (number of results, log scale)")
            .y_desc("Precision@k")
            .x_label_formatter(&|k| format!("{k:.0}"))
            .label_style((FONT, 13))
            .draw()?;
        for (i, r) in results.iter().enumerate() {
            let points: Vec<(f64, f64)> = r
                .precision_at_k_curve
                .iter()
                .map(|p| (p.k as f64, p.precision))
                .collect();
            line_with_markers(
                &mut chart,
                points,
                series_color(i),
                format!("{} bits", r.bits),
            )?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// Mean training loss per epoch, one line per run.
pub(crate) fn training_loss(curves: &[TrainingCurve]) -> Result<String, ReportError> {
    let series: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| c.epochs.iter().map(|e| (e.epoch as f64, e.loss)).collect())
        .collect();
    per_epoch_chart(
        "training loss",
        "Training loss",
        curves,
        &series,
        SeriesLabelPosition::UpperRight,
    )
}

/// Validation mAP per validated epoch, one line per run.
pub(crate) fn validation_map(curves: &[TrainingCurve]) -> Result<String, ReportError> {
    let series: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| {
            c.epochs
                .iter()
                .filter_map(|e| e.val_map.map(|m| (e.epoch as f64, m)))
                .collect()
        })
        .collect();
    per_epoch_chart(
        "validation mAP",
        "Validation mAP",
        curves,
        &series,
        SeriesLabelPosition::LowerRight,
    )
}

/// A line chart over epochs with one series per curve; the y range fits the values, the
/// legend sits where the lines usually are not (`legend_at`).
fn per_epoch_chart(
    chart_name: &'static str,
    y_desc: &str,
    curves: &[TrainingCurve],
    series: &[Vec<(f64, f64)>],
    legend_at: SeriesLabelPosition,
) -> Result<String, ReportError> {
    let points = series.iter().flatten();
    let x_max = points.clone().map(|p| p.0).fold(1.0, f64::max) + 0.5;
    let (lo, hi) = points.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.08).max(1e-3);
    render_svg(chart_name, (560, 400), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d(0.5f64..x_max, (lo - pad)..(hi + pad))?;
        chart
            .configure_mesh()
            .x_desc("Epoch")
            .y_desc(y_desc)
            .x_labels((x_max as usize).clamp(2, 12))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style((FONT, 13))
            .draw()?;
        for (i, (curve, points)) in curves.iter().zip(series).enumerate() {
            line_with_markers(
                &mut chart,
                points.clone(),
                series_color(i),
                curve.label.clone(),
            )?;
        }
        legend(&mut chart, legend_at)
    })
}

/// Precision and recall within the Hamming radius, as grouped bars per code length. The y axis
/// runs past 1 (unlabelled) so the legend never hides a bar.
pub(crate) fn radius_bars(results: &[EvalReport]) -> Result<String, ReportError> {
    let n = results.len().max(1);
    render_svg("radius", (460, 400), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..n as f64, 0f64..1.22)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(4 * n + 1)
            .x_desc("Code length")
            .y_desc("Mean over queries")
            .y_label_formatter(&|y| {
                if *y > 1.0001 {
                    String::new()
                } else {
                    format!("{y:.1}")
                }
            })
            .x_label_formatter(&|x| bits_label(results, *x))
            .label_style((FONT, 13))
            .draw()?;
        let bars = [("precision", PALETTE[0], 0.12), ("recall", PALETTE[1], 0.5)];
        for (name, color, offset) in bars {
            let values = results.iter().enumerate().map(|(i, r)| {
                let v = if name == "precision" {
                    r.precision_radius
                } else {
                    r.recall_radius
                };
                Rectangle::new(
                    [(i as f64 + offset, 0.0), (i as f64 + offset + 0.38, v)],
                    color.filled(),
                )
            });
            chart
                .draw_series(values)?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// The share of relevant and of irrelevant pairs at each Hamming distance, overlaid.
pub(crate) fn distance_histogram(
    bits: usize,
    h: &DistanceHistogram,
) -> Result<String, ReportError> {
    let rel = shares(&h.relevant);
    let irr = shares(&h.irrelevant);
    let y_max = rel
        .iter()
        .chain(&irr)
        .cloned()
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.12;
    render_svg("distance histogram", (420, 300), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(52)
            .build_cartesian_2d(-0.5f64..bits as f64 + 0.5, 0f64..y_max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(format!("Hamming distance ({bits} bits)"))
            .x_label_formatter(&|d| format!("{d:.0}"))
            .y_desc("Share of pairs")
            .label_style((FONT, 12))
            .draw()?;
        for (name, color, values) in [
            ("relevant pairs", RELEVANT, &rel),
            ("irrelevant pairs", IRRELEVANT, &irr),
        ] {
            let style = color.mix(0.55).filled();
            let bars = values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(move |(d, &v)| {
                    Rectangle::new([(d as f64 - 0.5, 0.0), (d as f64 + 0.5, v)], style)
                });
            chart
                .draw_series(bars)?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], style));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// Each count divided by the total (all zeros when there is nothing to count).
fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if total == 0 {
                0.0
            } else {
                c as f64 / total as f64
            }
        })
        .collect()
}

/// "16 bits" under the bar group centred at `x`, nothing elsewhere.
fn bits_label(results: &[EvalReport], x: f64) -> String {
    let i = (x - 0.5).round();
    match results.get(i as usize) {
        Some(r) if i >= 0.0 && (x - 0.5 - i).abs() < 1e-6 => format!("{} bits", r.bits),
        _ => String::new(),
    }
}

fn line_with_markers<X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<
        '_,
        SVGBackend<'_>,
        Cartesian2d<X, plotters::coord::types::RangedCoordf64>,
    >,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    label: String,
) -> DrawResult {
    chart
        .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    chart.draw_series(
        points
            .into_iter()
            .map(|p| Circle::new(p, 3, color.filled())),
    )?;
    Ok(())
}

fn legend<'a, 'b: 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_one_or_stay_zero() {
        let s = shares(&[1, 3, 0]);
        assert_eq!(s, vec![0.25, 0.75, 0.0]);
        assert_eq!(shares(&[0, 0]), vec![0.0, 0.0]);
    }

    #[test]
    fn bar_labels_only_at_group_centres() {
        let r = |bits| EvalReport {
            queries: 1,
            database: 1,
            bits,
            queries_without_relevant: 0,
            map: 0.5,
            map_tie_aware: 0.5,
            topk: None,
            map_at_k: None,
            k: 1,
            precision_at_k: 0.5,
            radius: 2,
            precision_radius: 0.5,
            recall_radius: 0.1,
            pr_curve: vec![],
            precision_at_k_curve: vec![],
            distance_histogram: DistanceHistogram::default(),
        };
        let results = [r(16), r(64)];
        assert_eq!(bits_label(&results, 0.5), "16 bits");
        assert_eq!(bits_label(&results, 1.5), "64 bits");
        assert_eq!(bits_label(&results, 1.0), "");
        assert_eq!(bits_label(&results, 2.5), "");
    }
}
