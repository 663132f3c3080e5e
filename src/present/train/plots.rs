//! The pictures of a session, as SVG text: drawn by `crate::plot`, placed by the view.

/// Cells per side of the decision heat maps.
pub const HEAT_RESOLUTION: usize = 24;
use super::session::Session;
use super::state::policy_short_label;
use crate::plot::Theme;

/// The pictures of a session, as SVG text: drawn by `crate::plot`, placed by the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainPlots {
    /// Loss curves of every run on one chart.
    pub loss: String,
    /// The loss scale over time, with skipped steps marked.
    pub scale: String,
    /// Per run: the latest step's gradient histogram against its format's window.
    pub gradients: Vec<String>,
    /// Per run: the decision boundary (classification) or the fitted curve (regression).
    pub decisions: Vec<String>,
}

impl Session {
    /// Draws every plot of the session for `theme`.
    pub fn plots(&self, theme: Theme) -> TrainPlots {
        use crate::plot::train::{
            decision_boundary, gradient_histogram, loss_curves, loss_scale, DecisionInput,
            GradientInput, RunSeries, RunsInput,
        };
        let labels: Vec<String> = self
            .lanes()
            .iter()
            .map(|l| policy_short_label(&l.run.config().policy))
            .collect();
        let series: Vec<RunSeries<'_>> = self
            .lanes()
            .iter()
            .zip(&labels)
            .map(|(l, label)| RunSeries {
                label: label.as_str(),
                history: l.run.history(),
                look: crate::plot::recipe_look(l.run.config().policy.name()),
            })
            .collect();
        let runs = RunsInput {
            runs: &series,
            theme,
        };
        TrainPlots {
            loss: loss_curves(&runs).svg,
            scale: loss_scale(&runs).svg,
            gradients: self
                .lanes()
                .iter()
                .zip(&labels)
                .map(|(l, label)| {
                    gradient_histogram(&GradientInput {
                        histogram: &l.histogram,
                        precision: l.gradient_format,
                        label,
                        theme,
                    })
                    .svg
                })
                .collect(),
            decisions: self
                .lanes()
                .iter()
                .zip(&labels)
                .map(|(l, label)| match l.decision_grid(HEAT_RESOLUTION) {
                    Some(grid) => {
                        decision_boundary(&DecisionInput {
                            grid: &grid,
                            data: Some(l.run.data()),
                            label,
                            theme,
                        })
                        .svg
                    }
                    None => placeholder(
                        &format!("{label}: a regression run has no decision boundary"),
                        theme,
                    ),
                })
                .collect(),
        }
    }
}

/// A labelled empty frame where a chart does not apply.
fn placeholder(caption: &str, theme: Theme) -> String {
    let (bg, fg) = match theme {
        Theme::Light => ("#ffffff", "#545d6e"),
        Theme::Dark => ("#181c24", "#a3acbd"),
    };
    let caption = crate::plot::escape(caption);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 360 120\" role=\"img\"><title>{caption}</title><rect width=\"360\" height=\"120\" fill=\"{bg}\" stroke=\"{fg}\" stroke-dasharray=\"4 4\"/><text x=\"180\" y=\"64\" text-anchor=\"middle\" font-size=\"12\" fill=\"{fg}\">{caption}</text></svg>"
    )
}
